"""Fill buckets: polygon triangles (earcut) and the outline edges MapLibre draws as 2-px GL lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, PropTable, sort_by_key
from glrender.geo.camera import TileID
from glrender.tessellate.polygon import tessellate_polygons
from glrender.tiles.features import POLYGON, Feature

FILL_PROPS: PropTable = {"color": ("fill-color", "vec4"), "opacity": ("fill-opacity", "float")}
OUTLINE_PROPS: PropTable = {"outline_color": ("fill-outline-color", "vec4"), "opacity": ("fill-opacity", "float")}


def build_fill(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    feats = [f for f in features if f.geom_type == POLYGON]
    feats = sort_by_key(layer, feats, "fill-sort-key", float(tile.overscaled_z))
    polygons: list[Sequence[np.ndarray]] = []
    owner: list[int] = []
    for i, f in enumerate(feats):
        for poly in f.geometry:
            polygons.append(poly)
            owner.append(i)
    if not polygons:
        return None
    mesh = tessellate_polygons(polygons)
    owner_arr = np.asarray(owner, dtype=np.int32)
    return Bucket(
        layer_type="fill",
        tile=tile,
        extent=extent,
        features=feats,
        arrays={"a_pos": mesh.pos},
        indices=mesh.triangles,
        feature_index=owner_arr[mesh.polygon_index],
        extra={"outlines": mesh.outlines},
    )
