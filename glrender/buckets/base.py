"""CPU-side buckets: the features of one tile and one layer, tessellated, plus their paint values.

A bucket's geometry depends on the tile and the layer's layout at the tile's zoom and is cached; its
data-driven paint values depend on the camera zoom and are computed (and cached per zoom) on demand,
per feature then expanded to vertices with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glrender.geo.camera import TileID
from glrender.style import PropertyValue
from glrender.style.expressions import EvalContext
from glrender.style.feature_inputs import combined_inputs, evaluate_rows, property_inputs
from glrender.style.vectorize import Columns, filter_mask
from glrender.tiles.features import Feature, TileLayer

# shader property name -> (style property, GLSL kind)
PropTable = dict[str, tuple[str, str]]


@dataclass
class Bucket:
    layer_type: str
    tile: TileID
    extent: int
    features: list[Feature]
    arrays: dict[str, np.ndarray]            # static per-vertex attributes (float32, 1-4 components)
    indices: np.ndarray                      # uint32 (M, 3) triangles or (K, 2) lines
    feature_index: np.ndarray                # (N,) int32: vertex -> index into features
    extra: dict[str, Any] = field(default_factory=dict)
    _paint_cache: dict[Any, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        return len(self.indices) == 0

    @property
    def vertex_count(self) -> int:
        return len(self.feature_index)


def tile_context(tile: TileID, extent: int, feature: Feature | None = None, zoom: float | None = None,
                 global_state: Any = None) -> EvalContext:
    return EvalContext(
        zoom=float(tile.overscaled_z if zoom is None else zoom),
        feature=feature,
        canonical=(tile.z, tile.x, tile.y),
        extent=extent,
        global_state=global_state,
    )


def filter_features(layer: Any, tlayer: TileLayer, tile: TileID, global_state: Any = None,
                    columns: Columns | None = None) -> list[Feature]:
    """Features of the tile layer that pass the layer filter, evaluated at the tile's zoom."""
    flt = layer.filter
    if columns is not None:
        mask = filter_mask(flt, columns)
        if mask is not None:
            return [f for f, keep in zip(tlayer.features, mask.tolist(), strict=True) if keep]
    out = []
    ctx = tile_context(tile, tlayer.extent, global_state=global_state)
    for f in tlayer.features:
        ctx.feature = f
        try:
            if flt.evaluate(ctx):
                out.append(f)
        except Exception:  # a filter that cannot evaluate excludes the feature, as in MapLibre
            continue
    return out


def sort_by_key(layer: Any, features: list[Feature], key_prop: str, zoom: float) -> list[Feature]:
    """Stable sort by a layout sort key (``line-sort-key`` / ``fill-sort-key`` / ``circle-sort-key``)."""
    try:
        prop = layer.layout[key_prop]
    except KeyError:
        return features
    if prop.is_constant:
        return features
    keys = evaluate_rows(property_inputs(prop), features, lambda f: _num(prop.evaluate(zoom, f)))
    order = sorted(range(len(features)), key=lambda i: keys[i])
    return [features[i] for i in order]


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def as_vec4(c: Any) -> tuple[float, float, float, float]:
    """A style Color (premultiplied r, g, b, a) as four floats; anything else as transparent."""
    try:
        r, g, b, a = c
        return (float(r), float(g), float(b), float(a))
    except (TypeError, ValueError):
        return (0.0, 0.0, 0.0, 0.0)


def value_for_shader(v: Any, kind: str) -> Any:
    if kind == "vec4":
        return as_vec4(v)
    return _num(v)


def paint_values(bucket: Bucket, layer: Any, table: PropTable, zoom: float,
                 global_state: Any = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Split a layer's shader properties into uniforms (feature-constant) and per-vertex arrays."""
    uniforms: dict[str, Any] = {}
    attrs: dict[str, np.ndarray] = {}
    for name, (style_name, kind) in table.items():
        prop = layer.paint.get(style_name) or layer.layout.get(style_name)
        if prop is None:
            continue
        if prop.is_feature_constant:
            uniforms[name] = value_for_shader(prop.evaluate(zoom), kind)
            continue
        key = (name, zoom)
        arr = bucket._paint_cache.get(key)
        if arr is None:
            ctx = tile_context(bucket.tile, bucket.extent, zoom=zoom, global_state=global_state)
            # Memoized by the feature inputs the value reads: thousands of features, few distinct inputs.
            rows = evaluate_rows(property_inputs(prop), bucket.features, _shader_row(prop, zoom, ctx, kind))
            per_feature = np.array(rows, dtype=np.float32)
            if kind != "vec4":
                per_feature = per_feature.reshape(-1, 1)
            if len(per_feature) == 0:
                per_feature = np.zeros((0, 4 if kind == "vec4" else 1), np.float32)
            arr = per_feature[bucket.feature_index] if len(bucket.feature_index) else per_feature[:0]
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            if len(bucket._paint_cache) > 16:
                bucket._paint_cache.clear()
            bucket._paint_cache[key] = arr
        attrs[name] = arr
    return uniforms, attrs


def _shader_row(prop: PropertyValue, zoom: float, ctx: EvalContext, kind: str) -> Callable[[Feature], Any]:
    def row(f: Feature) -> Any:
        return value_for_shader(prop.evaluate(zoom, f, ctx=_with(ctx, f)), kind)

    return row


def cached_feature_attr(bucket: Bucket, key: Any, zoom: float, global_state: Any,
                        row: Callable[[EvalContext, Feature], Any],
                        to_array: Callable[[list[Any]], np.ndarray],
                        reads: Sequence[PropertyValue | None] | None = None) -> np.ndarray:
    """A per-vertex attribute made from one value per feature (``row``, evaluated with the feature in
    ``ctx``), expanded to the bucket's vertices and kept in its paint cache under ``key``.

    ``reads``: the property values ``row`` evaluates and the only way it depends on the feature; with
    it, ``row`` runs once per distinct combination of the feature inputs they read."""
    cached = bucket._paint_cache.get(key)
    if cached is None:
        ctx = tile_context(bucket.tile, bucket.extent, zoom=zoom, global_state=global_state)
        inputs = combined_inputs(reads) if reads is not None else None
        rows = evaluate_rows(inputs, bucket.features, lambda f: row(_with(ctx, f), f))
        per_feature = to_array(rows)
        cached = np.ascontiguousarray(per_feature[bucket.feature_index], dtype=np.float32)
        bucket._paint_cache[key] = cached
    return cached


def _with(ctx: EvalContext, f: Feature) -> EvalContext:
    ctx.feature = f
    return ctx


BuildFn = Callable[[Any, Sequence[Feature], TileID, int], Bucket | None]
