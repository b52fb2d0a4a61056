"""Circle buckets: one quad per point (every vertex of lines and polygons too, as MapLibre does)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, PropTable, sort_by_key
from glrender.geo.camera import TileID
from glrender.tessellate.point import tessellate_points
from glrender.tiles.features import LINESTRING, POINT, POLYGON, Feature

CIRCLE_PROPS: PropTable = {
    "color": ("circle-color", "vec4"),
    "radius": ("circle-radius", "float"),
    "blur": ("circle-blur", "float"),
    "opacity": ("circle-opacity", "float"),
    "stroke_color": ("circle-stroke-color", "vec4"),
    "stroke_width": ("circle-stroke-width", "float"),
    "stroke_opacity": ("circle-stroke-opacity", "float"),
}


def _points(f: Feature) -> np.ndarray:
    if f.geom_type == POINT:
        arrs = list(f.geometry)
    elif f.geom_type == LINESTRING:
        arrs = list(f.geometry)
    elif f.geom_type == POLYGON:
        arrs = [ring for poly in f.geometry for ring in poly]
    else:
        arrs = []
    arrs = [a for a in arrs if len(a)]
    return np.concatenate(arrs) if arrs else np.zeros((0, 2))


def build_circle(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    feats = sort_by_key(layer, list(features), "circle-sort-key", float(tile.overscaled_z))
    pts: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    for i, f in enumerate(feats):
        p = _points(f)
        if len(p) == 0:
            continue
        # Points outside the tile square belong to the neighbouring tile (each is drawn once).
        inside = (p[:, 0] >= 0) & (p[:, 0] < extent) & (p[:, 1] >= 0) & (p[:, 1] < extent)
        p = p[inside]
        if len(p):
            pts.append(p)
            owner.append(np.full(len(p), i, dtype=np.int32))
    if not pts:
        return None
    allp = np.concatenate(pts)
    own = np.concatenate(owner)
    mesh = tessellate_points(allp)
    return Bucket(
        layer_type="circle",
        tile=tile,
        extent=extent,
        features=feats,
        arrays={"a_pos": mesh.pos, "a_corner": mesh.corner},
        indices=mesh.indices,
        feature_index=own[mesh.point_index],
    )
