"""Decoded vector-tile data shared by decoders, GeoJSON tiling, expressions and buckets.

Geometry is kept as numpy arrays in tile coordinates (0..extent, y down) so tessellation can be
vectorised. Layout by ``geom_type``:

* 1 (point):   ``geometry`` is ``[pts]`` with ``pts`` an (N, 2) float64 array (all points of a multipoint)
* 2 (line):    ``geometry`` is a list of (N, 2) float64 arrays, one per line string
* 3 (polygon): ``geometry`` is a list of polygons; each polygon is a list of rings, (N, 2) float64
               arrays, the first the exterior and the rest holes. Rings are open (last != first).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender._record import field, record

POINT = 1
LINESTRING = 2
POLYGON = 3


@record(slots=True)
class Feature:
    geom_type: int
    geometry: list[Any]
    properties: dict[str, Any] = field(default_factory=dict)
    id: int | str | None = None

    def type_name(self) -> str:
        """GeoJSON type name as MapLibre's ``geometry-type`` expression reports it."""
        if self.geom_type == POINT:
            n = sum(len(p) for p in self.geometry)
            return "MultiPoint" if n > 1 else "Point"
        if self.geom_type == LINESTRING:
            return "MultiLineString" if len(self.geometry) > 1 else "LineString"
        if self.geom_type == POLYGON:
            return "MultiPolygon" if len(self.geometry) > 1 else "Polygon"
        return "Unknown"


@record(slots=True)
class TileLayer:
    name: str
    extent: int
    features: list[Feature]


def empty_points() -> np.ndarray:
    return np.zeros((0, 2), dtype=np.float64)
