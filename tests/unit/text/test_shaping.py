"""Shaping follows MapLibre's layout rules: line breaking, justification, anchoring, baseline."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.text.pbf import Glyph
from glrender.text.shaping import ONE_EM, Section, anchor_alignment, glyph_quad, line_breaks, shape_text

FONT = "Test Regular"


def _glyph(cp: int, advance: float = 10.0) -> Glyph:
    w, h = 8, 12
    return Glyph(cp, w, h, 1.0, -5.0, advance, np.zeros((h + 6, w + 6), np.uint8))


def _font(text: str, advance: float = 10.0) -> dict[str, dict[int, Glyph]]:
    return {FONT: {ord(c): _glyph(ord(c), advance) for c in set(text)}}


def test_single_line_centred_on_anchor() -> None:
    sh = shape_text([Section("abcd", FONT)], _font("abcd"))
    assert sh is not None
    xs = [g.x for g in sh.glyphs]
    assert xs == [-20.0, -10.0, 0.0, 10.0]
    assert (sh.left, sh.right) == (-20.0, 20.0)
    assert (sh.top, sh.bottom) == (-ONE_EM * 1.2 / 2, ONE_EM * 1.2 / 2)
    # one line: the -17 px baseline shift plus half a line height
    assert sh.glyphs[0].y == pytest.approx(-17.0 + 0.5 * ONE_EM * 1.2 - 0.5 * ONE_EM * 1.2)


@pytest.mark.parametrize(("anchor", "left", "top"), [
    ("left", 0.0, -14.4), ("right", -40.0, -14.4), ("top", -20.0, 0.0), ("bottom-right", -40.0, -28.8),
])
def test_anchor_moves_the_box(anchor: str, left: float, top: float) -> None:
    sh = shape_text([Section("abcd", FONT)], _font("abcd"), anchor=anchor)
    assert sh is not None
    assert sh.left == pytest.approx(left)
    assert sh.top == pytest.approx(top)


def test_balanced_breaking_and_justification() -> None:
    text = "aaa bbb ccc ddd"
    font = _font(text)
    breaks = line_breaks([(ord(c), 0) for c in text], [Section(text, FONT)], font, 0.0, 75.0)
    assert breaks == [8, 15]  # two lines of equal width rather than a greedy 3 + 1 split
    sh = shape_text([Section(text, FONT)], font, max_width=75.0, justify="left", anchor="center")
    assert sh is not None and sh.lines == 2
    first_line = [g for g in sh.glyphs if g.y == sh.glyphs[0].y]
    assert first_line[0].x == pytest.approx(sh.left)


def test_newline_forces_a_break_and_spaces_are_trimmed() -> None:
    sh = shape_text([Section("ab\ncd ", FONT)], _font("abcd \n"), max_width=1000.0)
    assert sh is not None and sh.lines == 2
    assert sh.right - sh.left == pytest.approx(20.0)


def test_missing_glyphs_are_skipped_and_empty_text_gives_none() -> None:
    assert shape_text([Section("zz", FONT)], _font("a")) is None
    sh = shape_text([Section("aza", FONT)], _font("a"))
    assert sh is not None and len(sh.glyphs) == 2


def test_letter_spacing_and_section_scale() -> None:
    sh = shape_text([Section("ab", FONT, scale=2.0)], _font("ab"), spacing=5.0, anchor="left")
    assert sh is not None
    assert sh.glyphs[1].x - sh.glyphs[0].x == pytest.approx(25.0)


def test_anchor_alignment_table() -> None:
    assert anchor_alignment("top-left") == (0.0, 0.0)
    assert anchor_alignment("bottom") == (0.5, 1.0)


def test_glyph_quad_includes_border_and_padding() -> None:
    sh = shape_text([Section("a", FONT)], _font("a"), anchor="left")
    assert sh is not None
    x1, y1, x2, y2 = glyph_quad(sh.glyphs[0], (0.0, 0.0))
    assert x2 - x1 == pytest.approx(8 + 6 + 2)
    assert y2 - y1 == pytest.approx(12 + 6 + 2)
    assert x1 == pytest.approx(1.0 - 4.0)
