"""Fill-extrusion buckets: roofs and walls of polygon features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, PropTable
from glrender.geo.camera import TileID
from glrender.tessellate.extrusion import tessellate_extrusions
from glrender.tessellate.round_corners import round_polygon_corners
from glrender.tiles.features import POLYGON, Feature

EXTRUSION_PROPS: PropTable = {
    "color": ("fill-extrusion-color", "vec4"),
    "base": ("fill-extrusion-base", "float"),
    "height": ("fill-extrusion-height", "float"),
}


def build_extrusion(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    feats = [f for f in features if f.geom_type == POLYGON]
    polygons: list[Sequence[np.ndarray]] = []
    owner: list[int] = []
    rounded = layer.layout.get("fill-extrusion-rounded-corner-distance")
    corner_m = float(rounded.evaluate(float(tile.overscaled_z))) if rounded is not None else 0.0
    for i, f in enumerate(feats):
        for poly in f.geometry:
            if corner_m > 0:
                poly = round_polygon_corners(list(poly), corner_m, tile.z, tile.y, extent)
            polygons.append(poly)
            owner.append(i)
    if not polygons:
        return None
    mesh = tessellate_extrusions(polygons, extent=extent)
    if len(mesh.indices) == 0:
        return None
    owner_arr = np.asarray(owner, dtype=np.int32)
    return Bucket(
        layer_type="fill-extrusion",
        tile=tile,
        extent=extent,
        features=feats,
        arrays={
            "a_pos": mesh.pos,
            "a_normal": mesh.normal,
            "a_top": mesh.top.reshape(-1, 1),
            "a_edge": mesh.edge_distance.reshape(-1, 1),
        },
        indices=mesh.indices,
        feature_index=owner_arr[mesh.polygon_index],
    )
