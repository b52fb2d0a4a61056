"""The one-line label fast path lays glyphs out exactly (bit for bit) as the general shaping path."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from glrender.symbol.bucket import _text_layout
from glrender.symbol.plain_text import GENERAL, plain_quads
from glrender.text.pbf import Glyph
from glrender.text.shaping import ONE_EM, Section, anchor_alignment, shape_text

FONT = "Test Regular"
_JUSTIFY = {"left": 0.0, "center": 0.5, "right": 1.0}


def _glyphs() -> dict[int, Glyph | None]:
    out: dict[int, Glyph | None] = {}
    for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789ÄÖ-"):
        w, h = 5 + i % 7, 9 + i % 5
        # irregular metrics so rounding differences would show
        out[ord(c)] = Glyph(ord(c), w, h, 0.37 * (i % 3), -3.1 - i % 4, 6.3 + 0.71 * (i % 9),
                            np.zeros((h + 6, w + 6), np.uint8))
    out[ord(" ")] = Glyph(32, 0, 0, 0.0, 0.0, 5.5, None)  # a space: advances, no bitmap
    out[ord("~")] = None  # a character the font lacks
    return out


class _Res:
    """glyph_rect as SymbolResources gives it: a rect per glyph, None for one without a bitmap."""

    def __init__(self) -> None:
        self.rects: dict[int, tuple[int, int, int, int]] = {}

    def glyph_rect(self, fontstack: str, g: Glyph) -> tuple[int, int, int, int] | None:
        if g.bitmap is None:
            return None
        # where a glyph lands depends on the glyph alone, so every instance agrees
        return self.rects.setdefault(g.id, (g.id * 20, 3, g.width + 8, g.height + 8))


_SHARED_RES = _Res()
_SHARED_METRICS: dict[Any, Any] = {}


def _general(sec: Section, gl: dict[int, Glyph | None], offset: tuple[float, float], along: bool,
             **shape: Any) -> Any:
    sh = shape_text([sec], {FONT: gl}, **shape)  # type: ignore[dict-item]
    return _text_layout(sh, _Res(), offset, along) if sh is not None else None


CASES = list(itertools.product(
    ["abc", "  berlin 12a ", "x", "ÄÖ-straße~9", "   ", "~~", "a" * 40],
    ["center", "top-left", "bottom", "right"],
    ["left", "center", "right"],
    [(0.0, 0.0), (3.25, -11.5)],
    [False, True],
    [0.0, 1.7],
    [1.0, 1.3],
))


@pytest.mark.parametrize(("text", "anchor", "justify", "offset", "along", "spacing", "scale"), CASES)
def test_fast_path_equals_general_path(text: str, anchor: str, justify: str, offset: tuple[float, float],
                                       along: bool, spacing: float, scale: float) -> None:
    gl = _glyphs()
    sec = Section(text, FONT, scale, "colour")
    max_width = 10 * ONE_EM if len(text) < 30 else math.inf
    line_height = 1.2 * ONE_EM
    translate = (0.0, 0.0) if along else offset
    want = _general(sec, gl, offset, along, max_width=max_width, line_height=line_height, spacing=spacing,
                    anchor=anchor, justify=justify, translate=translate)
    got = plain_quads(sec, gl, _Res().glyph_rect, offset, along, max_width=max_width,
                      line_height=line_height, spacing=spacing, anchor_align=anchor_alignment(anchor),
                      justify=_JUSTIFY[justify], translate=translate)
    if text == "~~":
        assert got is GENERAL  # no glyph advances: zero width, which the general path handles
        return
    assert got is not GENERAL
    if want is None:
        assert got is None
        return
    # again with glyph metrics kept from every earlier case (as SymbolResources keeps them)
    again = plain_quads(sec, gl, _SHARED_RES.glyph_rect, offset, along, max_width=max_width,
                        line_height=line_height, spacing=spacing, anchor_align=anchor_alignment(anchor),
                        justify=_JUSTIFY[justify], translate=translate, metrics=_SHARED_METRICS)
    for quads, tex, centers, colours, box in (got, again):
        # exact equality: these positions must not move a single bit
        assert quads.tolist() == want.quads.tolist()
        assert tex.tolist() == want.tex.tolist()
        assert centers.tolist() == want.centers.tolist()
        assert box == want.box
        assert colours == ["colour"] * len(quads)


@pytest.mark.parametrize("text", ["two\nlines", "a b c d e f g h i j k l m n o p", ""])
def test_breaks_and_wide_text_go_the_general_way(text: str) -> None:
    got = plain_quads(Section(text, FONT), _glyphs(), _Res().glyph_rect, (0.0, 0.0), False,
                      max_width=3 * ONE_EM, line_height=ONE_EM, spacing=0.0, anchor_align=(0.5, 0.5),
                      justify=0.5, translate=(0.0, 0.0))
    assert got is GENERAL


def test_images_go_the_general_way() -> None:
    got = plain_quads(Section("", FONT, image="shop"), _glyphs(), _Res().glyph_rect, (0.0, 0.0), False,
                      max_width=math.inf, line_height=ONE_EM, spacing=0.0, anchor_align=(0.5, 0.5),
                      justify=0.5, translate=(0.0, 0.0))
    assert got is GENERAL
