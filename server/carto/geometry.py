"""CARTO's static-image geometry (cartonik preview): 256-px tiles, integer zooms, bbox fitting."""

from __future__ import annotations

import math
from dataclasses import dataclass

from server.carto.datasource import EARTH_HALF, Extent3857, lonlat_to_mercator

MAX_SIZE = 8192
MAX_BBOX_ZOOM = 18


@dataclass(frozen=True)
class View:
    """A static image: CARTO zoom (256-px tiles), centre and pixel size."""

    zoom: int
    lon: float
    lat: float
    width: int
    height: int

    def extent(self) -> Extent3857:
        px = 2 * EARTH_HALF / (256 * 2 ** self.zoom)
        x, y = lonlat_to_mercator(self.lon, self.lat)
        return Extent3857(x - px * self.width / 2, y - px * self.height / 2, x + px * self.width / 2,
                          y + px * self.height / 2, px)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """Image pixel of a lon/lat (the y axis points down)."""
        px = 2 * EARTH_HALF / (256 * 2 ** self.zoom)
        cx, cy = lonlat_to_mercator(self.lon, self.lat)
        x, y = lonlat_to_mercator(lon, lat)
        return (x - cx) / px + self.width / 2, (cy - y) / px + self.height / 2


def _world_px(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    scale = 256 * 2 ** zoom
    lat = max(-85.0511287798066, min(85.0511287798066, lat))
    x = (lon + 180) / 360 * scale
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
    return x, y


def bbox_view(west: float, south: float, east: float, north: float, width: int, height: int) -> View:
    """The largest zoom (<= 18) at which the box fits, centred on the arithmetic mean of the degrees."""
    zoom = 0
    for z in range(1, MAX_BBOX_ZOOM + 1):
        x0, y0 = _world_px(west, north, z)
        x1, y1 = _world_px(east, south, z)
        if abs(x1 - x0) > width or abs(y1 - y0) > height:
            break
        zoom = z
    lon = west + abs(west - east) / 2
    lat = south + abs(south - north) / 2
    return View(zoom, lon, lat, width, height)
