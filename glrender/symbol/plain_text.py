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
from glrender.text.shaping import BASELINE_OFFSET, ONE_EM, RECT_BUFFER, Section, trimmed

# Returned when the label needs the general shaping path.
GENERAL: Any = object()


def plain_quads(sec: Section, gmap: Mapping[int, Glyph | None],
                glyph_rect: Callable[[str, Glyph], tuple[int, int, int, int] | None],
                offset: tuple[float, float], along: bool, *, max_width: float, line_height: float,
                spacing: float, anchor_align: tuple[float, float], justify: float,
                translate: tuple[float, float], metrics: dict[Any, Any] | None = None) -> tuple[Any, ...] | None:
    """(quads, tex, centers, colours, box) for a one-section label, None when it draws nothing, or
    GENERAL when it needs the general path (an image, a line break, or it does not fit on one line).

    Follows shape_text's one-line path, _anchored and _text_layout step for step (see those for the
    rules); ``justify`` is 0 left, 0.5 centre, 1 right. ``metrics`` keeps each glyph's scaled
    metrics and atlas rect between labels (the same products, computed once).
    """
    if sec.image is not None:
        return GENERAL
    scale = sec.scale
    cps = [ord(c) for c in sec.text]
    if not cps or 0x0A in cps:
        return GENERAL
    font = sec.fontstack
    if metrics is None:
        metrics = {}
    infos: list[tuple[Any, ...] | None] = []
    for cp in cps:
        g = gmap.get(cp)
        if g is None:
            infos.append(None)
            continue
        key = (font, g.id, scale)
        info = metrics.get(key)
        if info is None or info[6] is not g:
            # advance, then the quad's left, top, width and height (atlas padding included), the rect
            info = metrics[key] = (g.advance * scale, (g.left - RECT_BUFFER) * scale,
                                   (-g.top - RECT_BUFFER) * scale, (g.width + 2 * BORDER + 2) * scale,
                                   (g.height + 2 * BORDER + 2) * scale, _UNPACKED, g)
        infos.append(info)
    total = sum(0.0 if i is None else i[0] + spacing for i in infos)
    if not 0 < total <= max_width:
        return GENERAL
    a, b = trimmed(cps)
    if a == b:
        return None
    va = sec.vertical_align
    fac = 0.0 if va == "top" else 0.5 if va == "center" else 1.0
    gy = 0.0 + (max(scale * ONE_EM, 0.0) - scale * ONE_EM) * fac + BASELINE_OFFSET
    xs: list[float] = []
    placed: list[Any] = []
    x = 0.0
    for info in infos[a:b]:
        if info is None:
            continue
        xs.append(x)
        placed.append(info)
        x += info[0] + spacing
    if not placed:
        return None
    max_len = max(0.0, x - spacing)
    indent = (xs[-1] + placed[-1][0]) * justify
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
    rows: list[tuple[float, ...]] = []
    for info, gx in zip(placed, xs, strict=True):
        rect = info[5]
        if rect is _UNPACKED:
            # packed into the atlas on first use, in the order labels first use them
            rect = glyph_rect(font, info[6])
            metrics[(font, info[6].id, scale)] = (*info[:5], rect, info[6])
        if rect is None:
            continue  # a space: advances but draws nothing
        px = gx - indent + shift_x
        half = info[0] / 2
        x1 = info[1] - half + px + half + ox
        y1 = info[2] + py + oy
        cx = 0.0
        if along:
            cx = px + half
            rows.append((x1 - cx, y1, x1 + info[3] - cx, y1 + info[4], *rect, cx))
        else:
            rows.append((x1, y1, x1 + info[3], y1 + info[4], *rect, cx))
    if not rows:
        return None
    arr = np.array(rows, np.float64)  # one array; quads, atlas rects and centres are views of it
    return (arr[:, 0:4], arr[:, 4:8], arr[:, 8], [sec.color] * len(rows), box)


_UNPACKED: Any = object()  # a glyph whose atlas rect has not been asked for yet
