"""Raster-dem tiles for hillshading (pure numpy): decode heights, border them with their neighbours'
edges and compute MapLibre's per-pixel slope texture (its hillshade "prepare" pass, done on the CPU).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

# dot(RGB * 255, factors) - shift gives metres (MapLibre's DEMData unpack vectors)
UNPACK: dict[str, tuple[float, float, float, float]] = {
    "mapbox": (6553.6, 25.6, 0.1, 10000.0),
    "terrarium": (256.0, 1.0, 1.0 / 256.0, 32768.0),
}


def unpack_vector(spec: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """The source's encoding as (red, green, blue factors, base shift); ``custom`` reads its factors."""
    enc = spec.get("encoding") or "mapbox"
    if enc == "custom":
        return (float(spec.get("redFactor", 1.0)), float(spec.get("greenFactor", 1.0)),
                float(spec.get("blueFactor", 1.0)), float(spec.get("baseShift", 0.0)))
    return UNPACK.get(str(enc), UNPACK["mapbox"])


def elevations(rgba: np.ndarray, unpack: tuple[float, float, float, float]) -> np.ndarray:
    """Heights in metres (float32, h x w) from an encoded RGBA tile."""
    rgb = rgba[..., :3].astype(np.float64)
    r, g, b, shift = unpack
    return (rgb[..., 0] * r + rgb[..., 1] * g + rgb[..., 2] * b - shift).astype(np.float32)


def bordered(elev: np.ndarray) -> np.ndarray:
    """A one-pixel border around the heights, first filled with the tile's own edge values (MapLibre
    does this so a tile whose neighbour is missing has no seam of bogus slopes)."""
    return np.pad(elev, 1, mode="edge")


def backfill(dem: np.ndarray, neighbour: np.ndarray, dx: int, dy: int) -> None:
    """Copy the edge of the neighbour at offset (dx, dy) (each -1, 0 or 1) into ``dem``'s border, in place.

    ``dem`` is bordered (n+2 square); ``neighbour`` is the neighbour's unbordered heights (n square).
    """
    n = neighbour.shape[0]
    if dem.shape[0] != n + 2:
        return  # tiles of different sizes do not share edges pixel for pixel
    xs = slice(1, n + 1) if dx == 0 else (slice(0, 1) if dx < 0 else slice(n + 1, n + 2))
    ys = slice(1, n + 1) if dy == 0 else (slice(0, 1) if dy < 0 else slice(n + 1, n + 2))
    nxs = slice(0, n) if dx == 0 else (slice(n - 1, n) if dx < 0 else slice(0, 1))
    nys = slice(0, n) if dy == 0 else (slice(n - 1, n) if dy < 0 else slice(0, 1))
    dem[ys, xs] = neighbour[nys, nxs]


def slope_texture(dem: np.ndarray, zoom: float) -> np.ndarray:
    """MapLibre's hillshade prepare pass: Sobel slopes of a bordered DEM, scaled to metres per pixel
    at the tile's zoom (exaggerated below z15), stored as RG = slope / 2 + 0.5 in 8 bits, B = A = 1."""
    d = dem.astype(np.float32)
    n = d.shape[0] - 2
    a, b, c = d[:-2, :-2], d[:-2, 1:-1], d[:-2, 2:]
    l, r = d[1:-1, :-2], d[1:-1, 2:]
    g, h, i = d[2:, :-2], d[2:, 1:-1], d[2:, 2:]
    factor = 0.4 if zoom < 2.0 else 0.35 if zoom < 4.5 else 0.3
    exaggeration = (zoom - 15.0) * factor if zoom < 15.0 else 0.0
    scale = n / math.pow(2.0, exaggeration + (28.2562 - zoom))
    dx = ((c + r + r + i) - (a + l + l + g)) * scale
    dy = ((g + h + h + i) - (a + b + b + c)) * scale
    out = np.empty((n, n, 4), dtype=np.uint8)
    # float -> unorm8 conversion rounds to nearest, as a GL framebuffer write does
    out[..., 0] = np.round(np.clip(dx / 2 + 0.5, 0, 1) * 255)
    out[..., 1] = np.round(np.clip(dy / 2 + 0.5, 0, 1) * 255)
    out[..., 2:] = 255
    return out


def tile_lat_range(z: int, y: int) -> tuple[float, float]:
    """Latitudes of a tile's north and south edges (the shader scales slopes by cos(latitude))."""
    def lat(yy: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / 2**z))))
    return lat(y), lat(y + 1)


def color_ramp(evaluate: Any, size: int = 256) -> np.ndarray:
    """A size x 1 straight-alpha RGBA ramp of ``evaluate(t)`` (a premultiplied style Color) for
    t = i / size, quantised as MapLibre's renderColorRamp does (floor of unpremultiplied channels)."""
    out = np.zeros((1, size, 4), dtype=np.uint8)
    for k in range(size):
        try:
            r, g, b, a = (float(v) for v in evaluate(k / size))
        except (TypeError, ValueError):
            continue
        if a > 0:
            out[0, k, :3] = [max(0, min(255, math.floor(v * 255 / a))) for v in (r, g, b)]
        out[0, k, 3] = max(0, min(255, math.floor(a * 255)))
    return out
