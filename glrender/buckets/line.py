"""Line buckets: MapLibre-style extruded line geometry (joins, caps, distance along the line)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, PropTable, sort_by_key
from glrender.geo.camera import TileID
from glrender.tessellate.line import tessellate_lines
from glrender.tiles.features import LINESTRING, POLYGON, Feature

LINE_PROPS: PropTable = {
    "color": ("line-color", "vec4"),
    "opacity": ("line-opacity", "float"),
    "width": ("line-width", "float"),
    "gapwidth": ("line-gap-width", "float"),
    "offset": ("line-offset", "float"),
    "blur": ("line-blur", "float"),
}


def _layout(layer: Any, name: str, zoom: float, feature: Feature | None = None) -> Any:
    prop = layer.layout.get(name)
    return None if prop is None else prop.evaluate(zoom, feature)


def build_line(layer: Any, features: Sequence[Feature], tile: TileID, extent: int) -> Bucket | None:
    zoom = float(tile.overscaled_z)
    feats = [f for f in features if f.geom_type in (LINESTRING, POLYGON)]
    feats = sort_by_key(layer, feats, "line-sort-key", zoom)
    if not feats:
        return None
    # Layout values may be data driven (line-join, line-cap...): tessellate each group with its own.
    groups: dict[tuple[Any, ...], list[int]] = {}
    names = ("line-join", "line-cap", "line-miter-limit", "line-round-limit")
    if all(layer.layout.get(n) is None or layer.layout[n].is_feature_constant for n in names):
        # The usual case: one tessellation for the whole bucket, no per-feature layout evaluation.
        key = (
            _layout(layer, "line-join", zoom) or "miter",
            _layout(layer, "line-cap", zoom) or "butt",
            float(_layout(layer, "line-miter-limit", zoom) or 2.0),
            float(_layout(layer, "line-round-limit", zoom) or 1.05),
        )
        groups[key] = list(range(len(feats)))
    for i, f in enumerate(feats if not groups else ()):
        key = (
            _layout(layer, "line-join", zoom, f) or "miter",
            _layout(layer, "line-cap", zoom, f) or "butt",
            float(_layout(layer, "line-miter-limit", zoom, f) or 2.0),
            float(_layout(layer, "line-round-limit", zoom, f) or 1.05),
        )
        groups.setdefault(key, []).append(i)
    parts = []
    for (join, cap, miter, round_limit), idxs in groups.items():
        lines: list[np.ndarray] = []
        closed: list[bool] = []
        owner: list[int] = []
        for i in idxs:
            f = feats[i]
            if f.geom_type == LINESTRING:
                for ln in f.geometry:
                    lines.append(ln)
                    closed.append(False)
                    owner.append(i)
            else:
                for poly in f.geometry:
                    for ring in poly:
                        lines.append(ring)
                        closed.append(True)
                        owner.append(i)
        if not lines:
            continue
        mesh = tessellate_lines(lines, closed=closed, join=str(join), cap=str(cap), miter_limit=miter,
                                round_limit=round_limit, extent=extent)
        if len(mesh.indices) == 0:
            continue
        parts.append((mesh, np.asarray(owner, dtype=np.int32)))
    if not parts:
        return None
    offset = 0
    pos, ext, nor, dirs, sofar, fidx, idx = [], [], [], [], [], [], []
    for mesh, owner_arr in parts:
        pos.append(mesh.pos)
        ext.append(mesh.extrude)
        nor.append(mesh.normal)
        dirs.append(mesh.direction.reshape(-1, 1))
        sofar.append(mesh.linesofar.reshape(-1, 1))
        fidx.append(owner_arr[mesh.line_index])
        idx.append(mesh.indices.astype(np.uint32) + np.uint32(offset))
        offset += len(mesh.pos)
    return Bucket(
        layer_type="line",
        tile=tile,
        extent=extent,
        features=feats,
        arrays={
            "a_pos": np.concatenate(pos).astype(np.float32),
            "a_extrude": np.concatenate(ext).astype(np.float32),
            "a_normal": np.concatenate(nor).astype(np.float32),
            "a_direction": np.concatenate(dirs).astype(np.float32),
            "a_linesofar": np.concatenate(sofar).astype(np.float32),
        },
        indices=np.concatenate(idx),
        feature_index=np.concatenate(fidx).astype(np.int32),
    )
