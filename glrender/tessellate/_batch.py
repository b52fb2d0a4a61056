"""Helpers shared by the tessellators: flatten a batch of point arrays into one array.

Every tessellator works on one flat (N, 2) float64 array plus an owner index per point, so the heavy
lifting is a handful of numpy operations over the whole batch rather than one Python call per item.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def js_round(x: np.ndarray) -> np.ndarray:
    """JavaScript ``Math.round``: halves round towards +infinity (numpy rounds halves to even)."""
    return np.floor(x + 0.5)


def flatten(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate (n_i, 2) arrays; return the points (float64) and each array's length (int64)."""
    n = len(arrays)
    if n == 0:
        return np.zeros((0, 2), np.float64), np.zeros(0, np.int64)
    counts = np.fromiter(map(len, arrays), dtype=np.int64, count=n)
    try:
        # Fast path: (n, 2) arrays concatenate directly (numpy converts the dtype on the way).
        pts = np.concatenate(arrays, axis=0, dtype=np.float64)
    except (ValueError, TypeError):
        pts = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1, 2) for a in arrays], axis=0)
    if pts.ndim != 2 or pts.shape[1] != 2:
        pts = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1, 2) for a in arrays], axis=0)
    return pts, counts


def starts_of(counts: np.ndarray) -> np.ndarray:
    """Offset of each group's first element in the flat array."""
    starts = np.zeros(len(counts), np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    return starts


def close_rings(pts: np.ndarray, counts: np.ndarray, closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Append each closed group's first point after its last one unless the group already ends on it.

    MapLibre receives rings from vector tiles with the closing point repeated; our decoders keep rings
    open, so this restores the MapLibre input before anything position-dependent happens.
    """
    starts = starts_of(counts)
    ends = starts + counts - 1
    need = closed & (counts >= 2)
    if need.any():
        s, e = starts[need], ends[need]
        need[need] = np.any(pts[s] != pts[e], axis=1)
    if not need.any():
        return pts, counts
    pts = np.insert(pts, (starts + counts)[need], pts[starts[need]], axis=0)
    return pts, counts + need


def drop_repeats(pts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove consecutive equal points inside each group (the last of a run survives, as in MapLibre)."""
    pts, counts, _ = drop_repeats_owned(pts, counts)
    return pts, counts


def drop_repeats_owned(pts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """drop_repeats, also returning the group of every remaining point (callers need it next)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    if len(pts) < 2:
        return pts, counts, owner
    x, y = pts[:, 0], pts[:, 1]
    same = (x[1:] == x[:-1]) & (y[1:] == y[:-1]) & (owner[1:] == owner[:-1])
    if not same.any():
        return pts, counts, owner
    keep = np.ones(len(pts), bool)
    keep[:-1] = ~same
    owner = owner[keep]
    counts = np.bincount(owner, minlength=len(counts)).astype(np.int64)
    return pts[keep], counts, owner


def as_flags(value: Sequence[bool] | bool | np.ndarray, n: int, name: str) -> np.ndarray:
    """Broadcast a scalar or per-item boolean setting to an (n,) bool array."""
    arr = np.asarray(value, dtype=bool)
    if arr.ndim == 0:
        return np.full(n, bool(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a bool or have one entry per item, got shape {arr.shape!r}")
    return arr
