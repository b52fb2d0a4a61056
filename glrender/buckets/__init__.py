"""Bucket builders by layer type: the dispatch table the renderer uses (DESIGN habit 3)."""

from __future__ import annotations

from glrender.buckets.base import Bucket, BuildFn
from glrender.buckets.circle import build_circle
from glrender.buckets.extrusion import build_extrusion
from glrender.buckets.fill import build_fill
from glrender.buckets.heatmap import build_heatmap
from glrender.buckets.line import build_line

BUILDERS: dict[str, BuildFn] = {
    "fill": build_fill,
    "line": build_line,
    "circle": build_circle,
    "fill-extrusion": build_extrusion,
    "heatmap": build_heatmap,
}

__all__ = ["BUILDERS", "Bucket"]
