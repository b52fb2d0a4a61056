"""Web Mercator helpers on numpy arrays (pure).

Units follow MapLibre: "mercator" coordinates are fractions of the world square, x from 0 at -180 deg
to 1 at +180 deg and y from 0 at the north edge (85.0511 deg) to 1 at the south edge.
"""

from __future__ import annotations

import math

import numpy as np

TILE_SIZE = 512  # MapLibre's world tile size in CSS pixels
EARTH_RADIUS = 6371008.8  # metres, the mean radius MapLibre uses
EARTH_CIRCUMFERENCE = 2 * math.pi * EARTH_RADIUS
MAX_LAT = 85.051128779806604


def lon_to_x(lon: float | np.ndarray) -> float | np.ndarray:
    return (np.asarray(lon, dtype=np.float64) + 180.0) / 360.0 if isinstance(lon, np.ndarray) else (
        (lon + 180.0) / 360.0
    )


def lat_to_y(lat: float | np.ndarray) -> float | np.ndarray:
    if isinstance(lat, np.ndarray):
        lat = np.clip(lat, -MAX_LAT, MAX_LAT)
        return (180.0 - np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))) / 360.0
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    return (180.0 - math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))) / 360.0


def x_to_lon(x: float) -> float:
    return x * 360.0 - 180.0


def y_to_lat(y: float) -> float:
    y2 = 180.0 - y * 360.0
    return 360.0 / math.pi * math.atan(math.exp(math.radians(y2))) - 90.0


def meters_per_world_unit(lat: float) -> float:
    """Metres on the ground per unit of mercator x at this latitude (the world square is 1 unit)."""
    return EARTH_CIRCUMFERENCE * math.cos(math.radians(lat))


def zoom_for_bbox(
    west: float, south: float, east: float, north: float, width: float, height: float, padding: float = 0.0
) -> tuple[float, float, float]:
    """Centre (lon, lat) and the largest zoom at which the box fits into width x height CSS pixels."""
    if east < west:  # crosses the antimeridian
        east += 360.0
    x0, x1 = lon_to_x(west), lon_to_x(east)
    y0, y1 = lat_to_y(north), lat_to_y(south)
    avail_w = max(1e-9, width - 2 * padding)
    avail_h = max(1e-9, height - 2 * padding)
    dx = max(1e-12, float(x1 - x0))
    dy = max(1e-12, float(y1 - y0))
    zoom = math.log2(min(avail_w / (dx * TILE_SIZE), avail_h / (dy * TILE_SIZE)))
    cx = (float(x0) + float(x1)) / 2
    cy = (float(y0) + float(y1)) / 2
    lon = x_to_lon(cx)
    if lon > 180:
        lon -= 360
    return lon, y_to_lat(cy), zoom
