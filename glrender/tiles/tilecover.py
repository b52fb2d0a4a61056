"""Pure tile arithmetic helpers (Web Mercator): tile bounds, lon/lat <-> tile fractions, quadkeys.

Camera covering lives in ``glrender.geo``; these are the small conversions tile I/O and GeoJSON tiling
need. Functions accept scalars or numpy arrays where noted.
"""

from __future__ import annotations

import math

import numpy as np

MAX_LAT = 85.0511287798066  # latitude where Web Mercator's y reaches the square's edge


def lon_to_x(lon: float | np.ndarray) -> float | np.ndarray:
    """Longitude in degrees -> world fraction x in [0, 1] (beyond for |lon| > 180)."""
    return lon / 360.0 + 0.5


def lat_to_y(lat: float | np.ndarray) -> float | np.ndarray:
    """Latitude in degrees -> world fraction y in [0, 1], y down, clamped at the poles like geojson-vt."""
    arr = np.asarray(lat, dtype=np.float64)
    s = np.sin(np.radians(arr))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 0.5 - 0.25 * np.log((1 + s) / (1 - s)) / math.pi
    y = np.clip(np.nan_to_num(y, nan=0.5, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return y if isinstance(lat, np.ndarray) else float(y)


def x_to_lon(x: float | np.ndarray) -> float | np.ndarray:
    return (x - 0.5) * 360.0


def y_to_lat(y: float | np.ndarray) -> float | np.ndarray:
    arr = np.asarray(y, dtype=np.float64)
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1 - 2 * arr))))
    return lat if isinstance(y, np.ndarray) else float(lat)


def lonlat_to_tile_fraction(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile coordinates at zoom ``z`` (integer part = tile x / y)."""
    n = 1 << z
    return float(lon_to_x(lon)) * n, float(lat_to_y(lat)) * n


def tile_fraction_to_lonlat(tx: float, ty: float, z: int) -> tuple[float, float]:
    n = 1 << z
    return float(x_to_lon(tx / n)), float(y_to_lat(ty / n))


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile containing a point (clamped into the zoom's tile range)."""
    fx, fy = lonlat_to_tile_fraction(lon, lat, z)
    n = 1 << z
    return min(max(int(math.floor(fx)), 0), n - 1), min(max(int(math.floor(fy)), 0), n - 1)


def tile_bounds_lonlat(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of XYZ tile z/x/y."""
    w, n = tile_fraction_to_lonlat(x, y, z)
    e, s = tile_fraction_to_lonlat(x + 1, y + 1, z)
    return w, s, e, n


def quadkey(z: int, x: int, y: int) -> str:
    """Bing quadkey of an XYZ tile ('' at zoom 0)."""
    digits = []
    for i in range(z, 0, -1):
        mask = 1 << (i - 1)
        digits.append(str((1 if x & mask else 0) + (2 if y & mask else 0)))
    return "".join(digits)


def quadkey_to_tile(key: str) -> tuple[int, int, int]:
    x = y = 0
    for ch in key:
        if ch not in "0123":
            raise ValueError(f"invalid quadkey digit {ch!r} in {key!r}")
        d = int(ch)
        x = (x << 1) | (d & 1)
        y = (y << 1) | (d >> 1)
    return len(key), x, y


def flip_y(z: int, y: int) -> int:
    """XYZ row <-> TMS row."""
    return (1 << z) - 1 - y
