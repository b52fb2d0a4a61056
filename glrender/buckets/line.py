"""Line buckets: MapLibre-style extruded line geometry (joins, caps, distance along the line)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, PropTable, sort_by_key
from glrender.geo.camera import TileID
from glrender.style.feature_inputs import combined_inputs, evaluate_rows
from glrender.tessellate.line import (
    LINE_DISTANCE_SCALE,
    MAPLIBRE_EXTENT,
    MAX_LINE_DISTANCE,
    LineMesh,
    tessellate_lines,
)
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
    else:
        def layout_key(f: Feature) -> tuple[Any, ...]:
            return (
                _layout(layer, "line-join", zoom, f) or "miter",
                _layout(layer, "line-cap", zoom, f) or "butt",
                float(_layout(layer, "line-miter-limit", zoom, f) or 2.0),
                float(_layout(layer, "line-round-limit", zoom, f) or 1.05),
            )

        # Once per distinct combination of the feature inputs the four values read.
        inputs = combined_inputs(layer.layout.get(n) for n in names)
        for i, key in enumerate(evaluate_rows(inputs, feats, layout_key)):
            groups.setdefault(key, []).append(i)
    # line-gradient needs MapLibre's line metrics: distance never restarts, and every line gets its own
    # row (with the geojson clip range of its feature) in the gradient texture.
    grad_prop = layer.paint.get("line-gradient")
    gradient = grad_prop is not None and not (grad_prop.is_constant and grad_prop.constant_value is None)
    # Lines of a lineMetrics source (geojson-vt's clip range on every piece) measure their distance as
    # progress along the whole line, as MapLibre's LineBucket does whenever it has line clips.
    metrics = gradient or any("mapbox_clip_start" in (f.properties or {}) for f in feats)
    parts = []
    clips: list[tuple[float, float]] = []
    has_polygons = any(f.geom_type == POLYGON for f in feats)
    for (join, cap, miter, round_limit), idxs in groups.items():
        lines, closed, owner = _lines_of(feats, idxs, has_polygons)
        if not lines:
            continue
        # Extrusions and distances as MapLibre's packed attributes hold them (lines with clips pack
        # their progress instead, see progress_distance; their gradient wants the true distance).
        mesh = tessellate_lines(lines, closed=closed, join=str(join), cap=str(cap), miter_limit=miter,
                                round_limit=round_limit, extent=extent, reset_distance=not metrics,
                                overscaling=2.0 ** (tile.overscaled_z - tile.z), quantize=True,
                                quantize_distance=not metrics)
        if len(mesh.indices) == 0:
            continue
        row0 = len(clips)
        line_clips = [_clip_range(feats[i]) for i in owner.tolist()] if metrics else []
        if gradient:
            clips.extend(line_clips)
        parts.append((mesh, owner, row0, line_clips))
    if not parts:
        return None
    if len(parts) == 1:
        # The usual case (one layout for the whole bucket): the mesh arrays are the attributes.
        mesh, owner_arr, row0, line_clips = parts[0]
        arrays = {
            "a_pos": mesh.pos,
            "a_extrude": mesh.extrude,
            "a_normal": mesh.normal,
            "a_direction": mesh.direction.reshape(-1, 1),
            "a_linesofar": _linesofar(mesh, line_clips, metrics, extent),
        }
        uv = [line_uv(mesh.linesofar, mesh.line_lengths, mesh.line_index, row0)] if gradient else []
        indices = mesh.indices
        fidx = owner_arr[mesh.line_index]
    else:
        offset = 0
        pos, ext, nor, dirs, sofar, fidxs, idx, uv = [], [], [], [], [], [], [], []
        for mesh, owner_arr, row0, line_clips in parts:
            if gradient:
                uv.append(line_uv(mesh.linesofar, mesh.line_lengths, mesh.line_index, row0))
            sofar.append(_linesofar(mesh, line_clips, metrics, extent))
            pos.append(mesh.pos)
            ext.append(mesh.extrude)
            nor.append(mesh.normal)
            dirs.append(mesh.direction.reshape(-1, 1))
            fidxs.append(owner_arr[mesh.line_index])
            idx.append(mesh.indices + np.uint32(offset))
            offset += len(mesh.pos)
        arrays = {
            "a_pos": np.concatenate(pos),
            "a_extrude": np.concatenate(ext),
            "a_normal": np.concatenate(nor),
            "a_direction": np.concatenate(dirs),
            "a_linesofar": np.concatenate(sofar),
        }
        indices = np.concatenate(idx)
        fidx = np.concatenate(fidxs)
    extra: dict[str, Any] = {}
    if gradient:
        arrays["a_uv"] = np.concatenate(uv).astype(np.float32)
        extra["line_clips"] = clips
        extra["max_line_length"] = max(float(p[0].line_lengths.max(initial=0.0)) for p in parts)
    return Bucket(
        layer_type="line",
        tile=tile,
        extent=extent,
        features=feats,
        arrays=arrays,
        indices=indices,
        feature_index=fidx,
        extra=extra,
    )


def _lines_of(feats: list[Feature], idxs: list[int],
              has_polygons: bool) -> tuple[list[np.ndarray], bool | list[bool], np.ndarray]:
    """The lines of features ``idxs`` (polygon rings closed), and the feature of every line (int32)."""
    if not has_polygons:
        geoms = [feats[i].geometry for i in idxs]
        owner = np.repeat(np.asarray(idxs, np.int32), [len(g) for g in geoms])
        return list(chain.from_iterable(geoms)), False, owner
    lines: list[np.ndarray] = []
    closed: list[bool] = []
    owners: list[int] = []
    for i in idxs:
        f = feats[i]
        if f.geom_type == LINESTRING:
            lines.extend(f.geometry)
            closed.extend([False] * len(f.geometry))
            owners.extend([i] * len(f.geometry))
        else:
            for poly in f.geometry:
                lines.extend(poly)
                closed.extend([True] * len(poly))
                owners.extend([i] * len(poly))
    return lines, closed, np.asarray(owners, dtype=np.int32)


def _linesofar(mesh: LineMesh, line_clips: list[tuple[float, float]], metrics: bool, extent: int) -> np.ndarray:
    """(N, 1) float32 a_linesofar: the distance, or for lines with clips the packed progress."""
    if metrics:
        return progress_distance(mesh.linesofar, mesh.line_lengths, mesh.line_index, line_clips,
                                 extent).reshape(-1, 1)
    return mesh.linesofar.reshape(-1, 1)


def _clip_range(f: Feature) -> tuple[float, float]:
    """The part of the whole GeoJSON line this tile's piece covers (geojson-vt's lineMetrics clip)."""
    props = f.properties or {}
    try:
        return float(props["mapbox_clip_start"]), float(props["mapbox_clip_end"])
    except (KeyError, TypeError, ValueError):
        return 0.0, 1.0


def progress_distance(linesofar: np.ndarray, lengths: np.ndarray, line_index: np.ndarray,
                      clips: Sequence[tuple[float, float]], extent: int) -> np.ndarray:
    """MapLibre's linesofar for lines with clips: the progress along the whole line times the largest
    distance its packed attribute holds, truncated to that attribute's 2-unit step (8192-unit tile),
    in our tile units. Dash patterns are laid out along this, not along the true distance."""
    total = lengths[line_index].astype(np.float64)
    frac = np.divide(linesofar.astype(np.float64), total, out=np.zeros(len(total)), where=total > 0)
    ranges = np.asarray(clips, np.float64).reshape(-1, 2)[line_index]
    progress = ranges[:, 0] + (ranges[:, 1] - ranges[:, 0]) * frac
    packed = np.floor(progress * (MAX_LINE_DISTANCE - 1) * LINE_DISTANCE_SCALE)
    return (packed / LINE_DISTANCE_SCALE * (extent / MAPLIBRE_EXTENT)).astype(np.float32)


def line_uv(linesofar: np.ndarray, lengths: np.ndarray, line_index: np.ndarray, row0: int) -> np.ndarray:
    """(N, 2): fraction of its tile piece a vertex lies at (MapLibre's a_uv_x) and its gradient row."""
    total = lengths[line_index].astype(np.float64)
    frac = np.divide(linesofar.astype(np.float64), total, out=np.zeros(len(total)), where=total > 0)
    return np.stack([frac, (line_index + row0).astype(np.float64)], axis=1)
