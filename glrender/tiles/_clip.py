"""Axis-aligned clipping of points, lines and rings (numpy, vectorised per ring or line).

Semantics follow geojson-vt's ``clip``: a vertex on the boundary is inside; an edge gets an intersection
point only when it crosses strictly; lines split into pieces where they leave the box; rings are clipped
Sutherland-Hodgman style and stay one ring. Arrays may carry extra columns (e.g. distance along a line),
which are interpolated like the coordinates.
"""

from __future__ import annotations

import numpy as np


def clip_points(pts: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    m = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    return pts[m]


def _emit(p: np.ndarray, axis: int, k: float, keep_ge: bool, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of ``p`` kept by the half-plane, interleaved with edge intersections.

    Returns (points, exit_flags): exit_flags marks intersections where the path leaves the half-plane.
    """
    v = p[:, axis]
    inside = v >= k if keep_ge else v <= k
    q = np.roll(p, -1, axis=0)
    qv = q[:, axis]
    q_out = qv < k if keep_ge else qv > k
    q_in_strict = qv > k if keep_ge else qv < k
    leave = inside & q_out
    enter = ~inside & q_in_strict
    if not closed:
        leave[-1] = enter[-1] = False  # no edge after the last vertex of a line
    cross = leave | enter
    n, dim = p.shape
    ip = np.zeros_like(p)
    if cross.any():
        c = np.flatnonzero(cross)
        t = (k - v[c]) / (qv[c] - v[c])
        ip[c] = p[c] + t[:, None] * (q[c] - p[c])
        ip[c, axis] = k  # exact on the boundary
    slots = np.empty((n, 2, dim), dtype=p.dtype)
    slots[:, 0] = p
    slots[:, 1] = ip
    keep = np.stack((inside, cross), axis=1).reshape(-1)
    flags = np.stack((np.zeros(n, dtype=bool), leave), axis=1).reshape(-1)
    return slots.reshape(-1, dim)[keep], flags[keep]


def clip_ring(ring: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray | None:
    """Clip an open ring to the box; ``None`` when fewer than 3 vertices remain."""
    out = ring
    for axis, k, ge in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        v = out[:, axis]
        if (v >= k).all() if ge else (v <= k).all():
            continue
        out, _ = _emit(out, axis, k, ge, closed=True)
        if len(out) < 3:
            return None
    return out


def clip_line(line: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> list[np.ndarray]:
    """Clip a line to the box, splitting it where it leaves; pieces with fewer than 2 vertices dropped."""
    pieces = [line]
    for axis, k, ge in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        nxt: list[np.ndarray] = []
        for p in pieces:
            v = p[:, axis]
            if (v >= k).all() if ge else (v <= k).all():
                nxt.append(p)
                continue
            pts, leave = _emit(p, axis, k, ge, closed=False)
            if len(pts) < 2:
                continue
            cuts = np.flatnonzero(leave[:-1]) + 1  # a piece ends at each exit point
            nxt.extend(s for s in np.split(pts, cuts) if len(s) >= 2)
        pieces = nxt
        if not pieces:
            break
    return pieces
