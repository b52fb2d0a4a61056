"""Heatmap buckets: MapLibre's heatmap bucket is its circle bucket (a quad per point)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glrender._record import replace
from glrender.buckets.base import Bucket, PropTable
from glrender.buckets.circle import build_circle
from glrender.geo.camera import TileID
from glrender.tiles.features import Feature

HEATMAP_PROPS: PropTable = {
    "weight": ("heatmap-weight", "float"),
    "radius": ("heatmap-radius", "float"),
}


def build_heatmap(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    b = build_circle(layer, features, tile, extent)
    return None if b is None else replace(b, layer_type="heatmap")
