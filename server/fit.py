"""Fitting a camera to a box in Web Mercator: ``bbox`` requests and the ``auto`` extent.

The zoom is the most detailed one at which the box fits inside the image less its padding (floored to
two decimals, so rounding never pushes the box past the padding), clamped to the spec's 0-20. Padding
may differ per side, so the centre moves to keep the box in the middle of the padded area.
"""

from __future__ import annotations

import math

from server.grammar import MAX_LAT, MAX_ZOOM, Padding

TILE = 512.0  # world size in CSS pixels at zoom 0, as in the renderer
SINGLE_POINT_ZOOM = 16.0  # an extent with no area (one marker) has no "most detailed fit": use street level


def _x(lon: float) -> float:
    return (lon + 180.0) / 360.0


def _y(lat: float) -> float:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    s = math.sin(math.radians(lat))
    return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def _lon(x: float) -> float:
    return x * 360.0 - 180.0


def _lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


def fit_bounds(west: float, south: float, east: float, north: float, width: int, height: int,
               padding: Padding) -> tuple[float, float, float]:
    """(lon, lat, zoom) showing the box inside ``width`` x ``height`` CSS pixels less ``padding``."""
    x0, x1 = _x(west), _x(east)
    y0, y1 = _y(north), _y(south)
    room_w = width - padding.left - padding.right
    room_h = height - padding.top - padding.bottom
    dx, dy = x1 - x0, y1 - y0
    if dx <= 1e-12 and dy <= 1e-12:
        zoom = SINGLE_POINT_ZOOM
    else:
        scales = [room_w / (dx * TILE)] if dx > 1e-12 else []
        if dy > 1e-12:
            scales.append(room_h / (dy * TILE))
        zoom = math.floor(math.log2(min(scales)) * 100) / 100
    zoom = max(0.0, min(MAX_ZOOM, zoom))
    world = TILE * 2.0**zoom
    # Shift the centre by half the padding difference so the box sits in the middle of the padded area.
    cx = (x0 + x1) / 2 + (padding.right - padding.left) / 2 / world
    cy = (y0 + y1) / 2 + (padding.bottom - padding.top) / 2 / world
    lat = max(-MAX_LAT, min(MAX_LAT, _lat(min(max(cy, 0.0), 1.0))))
    return _lon(cx), lat, zoom
