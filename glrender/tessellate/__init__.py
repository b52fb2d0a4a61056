"""Pure numpy (+ mapbox_earcut) tessellation of batches of geometries into vertex/index arrays.

Every function takes a batch and returns, per vertex, the index of the input item it came from, so
callers expand per-feature values with fancy indexing.
"""

from __future__ import annotations

from .extrusion import ExtrusionMesh, pack_normal_ed, tessellate_extrusions
from .line import LineMesh, tessellate_lines
from .point import QuadMesh, tessellate_points
from .polygon import PolygonMesh, tessellate_polygons

__all__ = [
    "ExtrusionMesh",
    "LineMesh",
    "PolygonMesh",
    "QuadMesh",
    "pack_normal_ed",
    "tessellate_extrusions",
    "tessellate_lines",
    "tessellate_points",
    "tessellate_polygons",
]
