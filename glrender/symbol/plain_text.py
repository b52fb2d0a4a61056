"""The usual label laid out straight into glyph quads: one plain section that fits on one line.

Most labels of a dense map (house numbers, street and shop names) are one section of text on one
line. For them the general path (``shape_text`` making a ``PositionedGlyph`` per character, then
``_text_layout`` reading them back) costs about four times what the arithmetic does, and a cold
render of a city shapes a few thousand distinct labels. This module does the same arithmetic, in the
same order, so the floats (and so the pixels) are identical; anything else goes the general way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glrender.text.pbf import BORDER, Glyph
from glrender.text.shaping import _WHITESPACE, BASELINE_OFFSET, ONE_EM, RECT_BUFFER, Section

# Returned when the label needs the general shaping path.
GENERAL: Any = object()


def plain_quads(sec: Section, gmap: Mapping[int, Glyph | None],
                glyph_rect: Callable[[str, Glyph], tuple[int, int, int, int] | None],
                offset: tuple[float, float], along: bool, *, max_width: float, line_height: float,
                spacing: float, anchor_align: tuple[float, float], justify: float,
                translate: tuple[float, float]) -> tuple[Any, ...] | None:
    """(quads, tex, centers, colours, box) for a one-section label, None when it draws nothing, or
    GENERAL when it needs the general path (an image, a line break, or it does not fit on one line).

    Follows shape_text's one-line path, _anchored and _text_layout step for step (see those for the
    rules); ``justify`` is 0 left, 0.5 centre, 1 right.
    """
    if sec.image is not None:
        return GENERAL
    scale = sec.scale
    cps = [ord(c) for c in sec.text]
    if not cps or 0x0A in cps:
        return GENERAL
    glyphs = [gmap.get(cp) for cp in cps]
    total = sum(0.0 if g is None else g.advance * scale + spacing for g in glyphs)
    if not 0 < total <= max_width:
        return GENERAL
    a, b = 0, len(cps)
    while a < b and cps[a] in _WHITESPACE:
        a += 1
    while b > a and cps[b - 1] in _WHITESPACE:
        b -= 1
    if a == b:
        return None
    va = sec.vertical_align
    fac = 0.0 if va == "top" else 0.5 if va == "center" else 1.0
    gy = 0.0 + (max(scale * ONE_EM, 0.0) - scale * ONE_EM) * fac + BASELINE_OFFSET
    xs: list[float] = []
    placed: list[Glyph] = []
    x = 0.0
    for g in glyphs[a:b]:
        if g is None:
            continue
        xs.append(x)
        placed.append(g)
        x += g.advance * scale + spacing
    if not placed:
        return None
    max_len = max(0.0, x - spacing)
    indent = (xs[-1] + placed[-1].advance * scale) * justify
    h_align, v_align = anchor_align
    shift_x = (justify - h_align) * max_len
    line_h = line_height * scale + 0.0
    y = 0.0 + line_h
    if max(0.0, line_h) != line_height:
        shift_y = -y * v_align - BASELINE_OFFSET
    else:
        shift_y = -v_align * 1 * line_height + 0.5 * line_height
    top = translate[1] + -v_align * y
    left = translate[0] + -h_align * max_len
    box = (left, top, left + max_len, top + y)
    py = gy + shift_y
    ox, oy = (0.0, 0.0) if along else offset
    font = sec.fontstack
    quads: list[tuple[float, float, float, float]] = []
    tex: list[tuple[int, int, int, int]] = []
    centers: list[float] = []
    for g, gx in zip(placed, xs, strict=True):
        rect = glyph_rect(font, g)
        if rect is None:
            continue  # a space: advances but draws nothing
        px = gx - indent + shift_x
        half = g.advance * scale / 2
        x1 = (g.left - RECT_BUFFER) * scale - half + px + half + ox
        y1 = (-g.top - RECT_BUFFER) * scale + py + oy
        x2 = x1 + (g.width + 2 * BORDER + 2) * scale
        y2 = y1 + (g.height + 2 * BORDER + 2) * scale
        if along:
            cx = px + half
            x1 -= cx
            x2 -= cx
            centers.append(cx)
        else:
            centers.append(0.0)
        quads.append((x1, y1, x2, y2))
        tex.append(rect)
    if not quads:
        return None
    return (np.array(quads, np.float64), np.array(tex, np.float64), np.array(centers, np.float64),
            [sec.color] * len(quads), box)
