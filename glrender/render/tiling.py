"""Big outputs: split the device-pixel image into framebuffer pieces of one camera (pure)."""

from __future__ import annotations

import numpy as np


def pieces(width: int, height: int, limit: int) -> list[tuple[int, int, int, int]]:
    """(x0, y0, w, h) rectangles of at most limit x limit covering width x height, row by row."""
    if limit < 1:
        raise ValueError(f"piece size limit must be positive, got {limit!r}")
    out = []
    for y0 in range(0, height, limit):
        for x0 in range(0, width, limit):
            out.append((x0, y0, min(limit, width - x0), min(limit, height - y0)))
    return out


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied to straight alpha, rounding like a GPU readback would (in place when possible)."""
    a = rgba[..., 3]
    if a.min() == 255:  # an opaque map (any style with a background): nothing to divide, one pass
        return rgba
    mask = (a > 0) & (a < 255)
    if not mask.any():
        if (a == 0).any():
            rgba[a == 0] = 0
        return rgba
    sel = rgba[mask].astype(np.uint32)
    alpha = sel[:, 3:4]
    sel[:, :3] = np.minimum(255, (sel[:, :3] * 255 + alpha // 2) // alpha)
    rgba[mask] = sel.astype(np.uint8)
    rgba[a == 0] = 0
    return rgba
