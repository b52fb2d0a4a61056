"""Images inside formatted text: laid out like MapLibre's shaping, without GL."""

from __future__ import annotations

from glrender.text.pbf import Glyph
from glrender.text.shaping import ONE_EM, Section, image_quad, shape_text


def _glyphs() -> dict[str, dict[int, Glyph]]:
    g = {ord(c): Glyph(id=ord(c), width=10, height=14, left=1, top=-4, advance=12, bitmap=None) for c in "ab "}
    return {"F": g}


def test_image_keeps_its_css_size_whatever_the_text_size() -> None:
    secs = [Section("ab", "F"), Section("", "F", image="shield")]
    for size in (12.0, 24.0, 48.0):
        sh = shape_text(secs, _glyphs(), images={"shield": (30.0, 20.0)}, layout_size=size, anchor="left")
        assert sh is not None
        img = [p for p in sh.glyphs if p.image == "shield"]
        assert len(img) == 1
        # In layout px (24 px em) the image spans 30 * 24 / size, i.e. 30 CSS px once scaled by size / 24.
        assert abs(img[0].scale - ONE_EM / size) < 1e-9
        assert abs((sh.right - sh.left) - (24 + 30 * ONE_EM / size)) < 1e-6


def test_tall_image_pushes_the_next_line_down() -> None:
    base = [Section("ab", "F"), Section("\n", "F"), Section("ab", "F")]
    tall = [Section("ab", "F"), Section("", "F", image="tall"), Section("\n", "F"), Section("ab", "F")]
    a = shape_text(base, _glyphs())
    b = shape_text(tall, _glyphs(), images={"tall": (10.0, 60.0)})
    assert a is not None and b is not None
    assert (b.bottom - b.top) - (a.bottom - a.top) > 30  # 60 px image vs a 24 px em line


def test_missing_image_is_skipped_and_text_stays() -> None:
    sh = shape_text([Section("ab", "F"), Section("", "F", image="nope")], _glyphs(), images={})
    assert sh is not None and all(p.image is None for p in sh.glyphs)


def test_image_quad_starts_one_css_px_in_from_its_padding() -> None:
    sh = shape_text([Section("", "F", image="i")], _glyphs(), images={"i": (16.0, 16.0)}, anchor="left")
    assert sh is not None
    p = sh.glyphs[0]
    x1, y1, x2, y2 = image_quad(p, (16.0, 16.0), 2.0, (0.0, 0.0))
    assert abs((x2 - x1) - (16 + 1) * p.scale) < 1e-9  # one 0.5 px padding texel each side at @2x
