"""Rounded footprint corners for ``fill-extrusion-rounded-corner-distance`` (MapLibre Native 2026).

The property is a distance in metres, measured from each corner along both edges that meet there. The
corner is cut at those two points and replaced by the circular arc tangent to both edges. When an edge
is shorter than twice the distance, the cut points meet in its middle instead, so neighbouring arcs
never overlap. Arc points are snapped to MapLibre's integer tile grid (8192 units per tile) and
repeated points dropped, as the renderer's vertex buffers hold integers: points between grid positions
would merge later and rewire the roof triangulation.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_CIRCUMFERENCE = 2 * math.pi * 6378137.0
MAPLIBRE_EXTENT = 8192
ARC_STEP = math.radians(10.0)  # one arc segment per 10 degrees of turn
CLAMP_DIVISOR = 4.0  # a cut never takes more than a quarter of an edge
MIN_TURN = math.radians(1.0)  # straighter corners stay as they are


def units_per_meter(z: int, y: int, extent: int) -> float:
    """Tile units per metre at the middle latitude of canonical tile z/y (Web Mercator scale)."""
    n = math.pi - 2 * math.pi * (y + 0.5) / (2**z)
    lat = math.atan(math.sinh(n))
    meters_per_tile = EARTH_CIRCUMFERENCE * math.cos(lat) / (2**z)
    return extent / meters_per_tile


def _round_ring(ring: np.ndarray, d: float, grid: float, extent: int) -> np.ndarray:
    closed = len(ring) > 1 and bool(np.all(ring[0] == ring[-1]))
    pts = np.asarray(ring[:-1] if closed else ring, dtype=np.float64)
    n = len(pts)
    if n < 3:
        return ring
    out: list[tuple[float, float]] = []
    for i in range(n):
        v = pts[i]
        if not (0 <= v[0] <= extent and 0 <= v[1] <= extent):
            # A corner in the tile's buffer is where tiling cut the polygon, or it belongs to the
            # neighbouring tile, which rounds it itself; rounding it here would bite into this tile.
            out.append((v[0], v[1]))
            continue
        to_prev = pts[i - 1] - v
        to_next = pts[(i + 1) % n] - v
        lp = math.hypot(*to_prev)
        ln = math.hypot(*to_next)
        if lp == 0 or ln == 0:
            out.append((v[0], v[1]))
            continue
        u = to_prev / lp
        w = to_next / ln
        interior = math.acos(max(-1.0, min(1.0, float(u @ w))))
        turn = math.pi - interior
        if turn < MIN_TURN or interior < 1e-6:
            out.append((v[0], v[1]))
            continue
        t = min(d, lp / CLAMP_DIVISOR, ln / CLAMP_DIVISOR)
        a = v + u * t
        b = v + w * t
        steps = max(1, math.ceil(turn / ARC_STEP))
        for k in range(steps + 1):
            f = k / steps
            # Quadratic Bezier from one cut point to the other with the corner as control point.
            p = (1 - f) ** 2 * a + 2 * f * (1 - f) * v + f**2 * b
            out.append((p[0], p[1]))
    arr = np.round(np.asarray(out) / grid) * grid
    keep = np.ones(len(arr), bool)
    keep[1:] = np.any(arr[1:] != arr[:-1], axis=1)
    arr = arr[keep]
    if len(arr) > 1 and np.all(arr[0] == arr[-1]):
        arr = arr[:-1]
    if len(arr) < 3:
        return ring
    return np.vstack([arr, arr[:1]]) if closed else arr


def round_polygon_corners(polygon: list[np.ndarray], distance_m: float, z: int, y: int,
                          extent: int) -> list[np.ndarray]:
    """Every ring of one polygon (tile coordinates) with its corners rounded."""
    if distance_m <= 0:
        return polygon
    d = distance_m * units_per_meter(z, y, extent)
    grid = extent / MAPLIBRE_EXTENT
    return [_round_ring(r, d, grid, extent) for r in polygon]
