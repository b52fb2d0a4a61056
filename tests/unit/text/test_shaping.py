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


def test_labels_that_fit_on_one_line_break_as_the_full_algorithm_would() -> None:
    """line_breaks answers "one line" without scoring breaks when the text fits and has no newline;
    the least-badness search gives the same answer for such texts (and still breaks the others)."""
    from glrender.text.shaping import _least_bad_breaks

    rng = np.random.default_rng(7)
    alphabet = "ab c-d/e(f)g"
    for _ in range(300):
        text = "".join(rng.choice(list(alphabet), size=int(rng.integers(1, 25))))
        glyphs = {FONT: {ord(c): _glyph(ord(c), float(rng.integers(4, 16))) for c in set(text)}}
        secs = [Section(text, FONT)]
        chars = [(ord(c), 0) for c in text]
        total = sum(glyphs[FONT][cp].advance for cp, _ in chars)
        for max_width in (total, total + 5.0, float("inf")):
            assert line_breaks(chars, secs, glyphs, 0.0, max_width) == [len(chars)]
            target = total if max_width == float("inf") else total / max(1, int(np.ceil(total / max_width)))
            assert _least_bad_breaks(chars, secs, glyphs, 0.0, target, None, 1.0) == [len(chars)], text
    # a text wider than the limit, or with a newline, is still broken into lines
    assert len(line_breaks([(ord(c), 0) for c in "aaa bbb ccc"], [Section("aaa bbb ccc", FONT)],
                           _font("aaa bbb ccc"), 0.0, 40.0)) > 1
    assert line_breaks([(ord(c), 0) for c in "ab\ncd"], [Section("ab\ncd", FONT)], _font("ab\ncd"), 0.0,
                       float("inf")) == [3, 5]
