"""``line-gradient`` ramps (pure): one texture row per tile line, as MapLibre's renderColorRamp with clips.

Each row spans only the part of the whole GeoJSON line that the tile's piece covers (its geojson-vt clip
range), so a line split over many tiles keeps the full texture resolution in every tile. Texel ``i`` of a
row holds the colour at progress ``start + (end - start) * i / (width - 1)``; channels are stored straight
and floored, exactly as MapLibre fills its RGBAImage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.style.expressions import EvalContext

MAX_RESOLUTION = 8192


def is_step(prop: Any) -> bool:
    """MapLibre's ``stepInterpolant``: a step gradient is sampled without filtering, at higher resolution."""
    return type(getattr(prop, "expression", None)).__name__ == "Step"


def ramp_resolution(step: bool, max_line_length: float, extent: float, overzoom: float = 1.0) -> int:
    """256 texels, or for step gradients enough to cover the longest line at 1024 px per tile."""
    if not step:
        return 256
    coverage = max_line_length / extent * 1024.0 * overzoom
    res = 1 << max(0, math.ceil(math.log2(coverage))) if coverage > 1 else 1
    return int(min(max(res, 256), MAX_RESOLUTION))


def gradient_rows(prop: Any, clips: Sequence[tuple[float, float]], width: int) -> np.ndarray:
    """(rows, width, 4) uint8 straight-alpha ramp; identical clip ranges are evaluated once."""
    rows = max(1, len(clips))
    out = np.zeros((rows, width, 4), np.uint8)
    done: dict[tuple[float, float], np.ndarray] = {}
    t = np.arange(width) / (width - 1)
    ctx = EvalContext(zoom=0.0)
    for r, clip in enumerate(clips or [(0.0, 1.0)]):
        row = done.get(clip)
        if row is None:
            start, end = clip
            row = np.zeros((width, 4), np.uint8)
            for i, p in enumerate(start * (1 - t) + end * t):
                ctx.line_progress = float(p)
                c = prop.evaluate(0.0, ctx=ctx)
                try:
                    cr, cg, cb, ca = (float(v) for v in c)
                except (TypeError, ValueError):
                    continue
                if ca > 0:
                    row[i, :3] = [max(0, min(255, math.floor(v * 255 / ca))) for v in (cr, cg, cb)]
                row[i, 3] = max(0, min(255, math.floor(ca * 255)))
            done[clip] = row
        out[r] = row
    return out
