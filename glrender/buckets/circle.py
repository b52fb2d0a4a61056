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


def build_circle(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    feats = sort_by_key(layer, list(features), "circle-sort-key", float(tile.overscaled_z))
    # Every point of every feature (all vertices of lines and polygons) in feature order, with its
    # feature's index: gathered in one pass, then filtered with one mask.
    parts: list[np.ndarray] = []
    owners: list[int] = []
    for i, f in enumerate(feats):
        gt = f.geom_type
        if gt == POINT or gt == LINESTRING:
            arrs = f.geometry
        elif gt == POLYGON:
            arrs = [ring for poly in f.geometry for ring in poly]
        else:
            continue
        for a in arrs:
            if len(a):
                parts.append(a)
                owners.append(i)
    if not parts:
        return None
    lens = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    allp = np.concatenate(parts)
    own = np.repeat(np.asarray(owners, dtype=np.int32), lens)
    # Points outside the tile square belong to the neighbouring tile (each is drawn once).
    inside = (allp[:, 0] >= 0) & (allp[:, 0] < extent) & (allp[:, 1] >= 0) & (allp[:, 1] < extent)
    if not inside.all():
        allp, own = allp[inside], own[inside]
    if len(allp) == 0:
        return None
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
