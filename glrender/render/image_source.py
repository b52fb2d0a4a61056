"""Image sources: one picture pinned to four lon/lat corners, drawn inside the tile that holds them."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from glrender.errors import SourceError
from glrender.geo import mercator
from glrender.geo.camera import Camera, TileID
from glrender.tiles.urls import fetch_bytes, resolve_url

log = logging.getLogger("glrender.render")

EXTENT = 8192


def corner_tile(coords: list[tuple[float, float]]) -> tuple[int, int, int]:
    """MapLibre's tile for an image: the zoom whose tile size is just above the corners' extent,
    at the corners' centre (so the corners sit near that tile, maybe outside it)."""
    xs = [float(mercator.lon_to_x(lon)) for lon, _ in coords]
    ys = [float(mercator.lat_to_y(lat)) for _, lat in coords]
    d = max(max(xs) - min(xs), max(ys) - min(ys))
    z = 0 if d <= 0 else max(0, math.floor(-math.log2(d)))
    n = 2**z
    return z, math.floor((min(xs) + max(xs)) / 2 * n), math.floor((min(ys) + max(ys)) / 2 * n)


def corner_tile_coords(coords: list[tuple[float, float]], tile: tuple[int, int, int]) -> list[tuple[float, float]]:
    """Corners in tile units (0..8192 inside the tile), rounded to integers as MapLibre stores them."""
    z, x, y = tile
    n = 2**z
    out = []
    for lon, lat in coords:
        tx = (float(mercator.lon_to_x(lon)) * n - x) * EXTENT
        ty = (float(mercator.lat_to_y(lat)) * n - y) * EXTENT
        # JS Math.round: halves go up
        out.append((float(math.floor(tx + 0.5)), float(math.floor(ty + 0.5))))
    return out


def _parse_coords(value: Any, sid: str) -> list[tuple[float, float]]:
    try:
        pts = [(float(p[0]), float(p[1])) for p in value]
    except (TypeError, ValueError, IndexError) as exc:
        raise SourceError(f"image source {sid!r}: coordinates must be four [lon, lat] pairs, got {value!r}") from exc
    if len(pts) != 4:
        raise SourceError(f"image source {sid!r}: coordinates must be four [lon, lat] pairs, got {value!r}")
    return pts


class ImageSource:
    """The picture and where it goes; decoded once, drawn at every visible world copy."""

    def __init__(self, sid: str, spec: Mapping[str, Any], base_dir: str | None) -> None:
        self.id = sid
        url = spec.get("url")
        if not isinstance(url, str):
            raise SourceError(f"image source {sid!r}: url must be a string, got {url!r}")
        self.url = resolve_url(url, base_dir)
        self.coords = _parse_coords(spec.get("coordinates"), sid)
        self.tile = corner_tile(self.coords)
        self.corners = corner_tile_coords(self.coords, self.tile)
        self._raster: Any = None
        self._loaded = False

    def cover(self, camera: Camera) -> list[TileID]:
        z, x, y = self.tile
        # Enough world copies for a wide low-zoom view; the drawer culls the invisible ones.
        half = int(math.ceil(max(camera.width, camera.height) / camera.world_size)) + 1
        return [TileID(z, x, y, z, w) for w in range(-half, half + 1)]

    def raster(self) -> Any:
        if not self._loaded:
            self._loaded = True
            self._raster = self._load()
        return self._raster

    def _load(self) -> Any:
        from PIL import Image  # lazily, as for raster tiles

        from glrender.render.sources import RasterTile

        data = fetch_bytes(self.url, what="image")
        if not data:
            log.warning("image source %r: %s not found", self.id, self.url)
            return None
        try:
            with Image.open(io.BytesIO(data)) as im:
                rgba = np.asarray(im.convert("RGBA"))
        except Exception as exc:
            log.warning("image source %r: %s is not a readable image: %s", self.id, self.url, exc)
            return None
        return RasterTile(("image", self.id, self.url), rgba, corners=tuple(self.corners), mipmaps=False)


# A warp's foreshortening (largest over smallest homogeneous denominator on the quad) up to which
# MapLibre keeps it purely projective, and from which it is purely bilinear.
PROJECTIVE_FORESHORTENING = 4.0
BILINEAR_FORESHORTENING = 512.0
BILINEAR_WARP = (0.0, 0.0, 1.0)


def is_parallelogram(c: list[tuple[float, float]]) -> bool:
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = c
    return tlx + brx == trx + blx and tly + bry == try_ + bly


def image_warp(corners: list[tuple[float, float]]) -> tuple[float, float, float]:
    """How MapLibre maps an image onto four corners (TL, TR, BR, BL): (px, py, blend), where px, py
    are the perspective terms of the projective map from the unit square (Heckbert's square-to-quad)
    and blend moves it towards the bilinear map as the quad stops looking like a perspective view."""
    if is_parallelogram(corners):
        return BILINEAR_WARP
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = corners
    sx = tlx - trx + brx - blx
    sy = tly - try_ + bry - bly
    rx, ry = trx - brx, try_ - bry
    dx, dy = blx - brx, bly - bry
    det = rx * dy - dx * ry
    if det == 0:
        return BILINEAR_WARP
    px = (sx * dy - dx * sy) / det
    py = (rx * sy - sx * ry) / det
    dens = [1.0, 1.0 + px, 1.0 + px + py, 1.0 + py]
    lo, hi = min(dens), max(dens)
    if lo <= 0:
        return BILINEAR_WARP
    fore = hi / lo
    ramp = (1 - PROJECTIVE_FORESHORTENING / fore) / (1 - PROJECTIVE_FORESHORTENING / BILINEAR_FORESHORTENING)
    blend = max(0.0, ramp)
    if not (1 <= fore <= BILINEAR_FORESHORTENING) or blend >= 1:
        return BILINEAR_WARP
    return (px, py, blend)
