"""Variable text anchors: the candidate (anchor, offset) list of a point label, as MapLibre builds it.

A label with ``text-variable-anchor`` (or the newer ``text-variable-anchor-offset``) is laid out once
per candidate anchor; placement then tries them in order and keeps the first that does not collide.
Offsets here are in layout pixels (a 24 px em). Vertical offsets of top and bottom anchors are moved
by MapLibre's baseline shift (7 px): glyph boxes start at the baseline, not at the top of the em, so
the visible gap between the anchor and the text is the same in every direction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from glrender.text.shaping import ONE_EM

BASELINE_SHIFT = 7.0


def _from_text_offset(anchor: str, dx: float, dy: float) -> tuple[float, float]:
    dx, dy = abs(dx), abs(dy)
    x = y = 0.0
    if anchor.startswith("top"):
        y = dy - BASELINE_SHIFT
    elif anchor.startswith("bottom"):
        y = -dy + BASELINE_SHIFT
    if anchor.endswith("right"):
        x = -dx
    elif anchor.endswith("left"):
        x = dx
    return x, y


def _from_radial_offset(anchor: str, r: float) -> tuple[float, float]:
    r = max(r, 0.0)
    # On the diagonals both components share the radius: d^2 + d^2 = r^2.
    d = r / math.sqrt(2.0)
    x = y = 0.0
    if anchor in ("top-left", "top-right"):
        y = d - BASELINE_SHIFT
    elif anchor in ("bottom-left", "bottom-right"):
        y = -d + BASELINE_SHIFT
    elif anchor == "top":
        y = r - BASELINE_SHIFT
    elif anchor == "bottom":
        y = -r + BASELINE_SHIFT
    if anchor in ("top-left", "bottom-left"):
        x = d
    elif anchor in ("top-right", "bottom-right"):
        x = -d
    elif anchor == "left":
        x = r
    elif anchor == "right":
        x = -r
    return x, y


def candidate_anchors(anchor_offsets: Any, anchors: Sequence[str] | None, radial: float,
                      text_offset: Sequence[float]) -> list[tuple[str, tuple[float, float]]]:
    """(anchor, offset in layout px) candidates, or [] when the label has a fixed anchor.

    ``anchor_offsets`` is the evaluated ``text-variable-anchor-offset`` (pairs of anchor and offset in
    ems); it wins over ``text-variable-anchor``, whose offsets come from ``text-radial-offset`` when it
    is given and from ``text-offset`` (absolute values, pointing away from the anchor) otherwise.
    """
    pairs = getattr(anchor_offsets, "values", None)
    if pairs:
        out = []
        for a, (ox, oy) in pairs:
            x, y = float(ox) * ONE_EM, float(oy) * ONE_EM
            if a.startswith("top"):
                y -= BASELINE_SHIFT
            elif a.startswith("bottom"):
                y += BASELINE_SHIFT
            out.append((str(a), (x, y)))
        return out
    if not anchors:
        return []
    tx, ty = (float(text_offset[0]), float(text_offset[1])) if text_offset else (0.0, 0.0)
    use_radial = radial != 0 or (tx == 0 and ty == 0)
    return [(str(a), _from_radial_offset(str(a), radial * ONE_EM) if use_radial
             else _from_text_offset(str(a), tx * ONE_EM, ty * ONE_EM)) for a in anchors]


def justify_for(anchor: str, justify: str) -> str:
    """``text-justify: auto`` follows the anchor's side; any other value is kept."""
    if justify != "auto":
        return justify
    return "right" if anchor.endswith("right") else "left" if anchor.endswith("left") else "center"
