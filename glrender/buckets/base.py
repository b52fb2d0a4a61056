"""CPU-side buckets: the features of one tile and one layer, tessellated, plus their paint values.

A bucket's geometry depends on the tile and the layer's layout at the tile's zoom and is cached; its
data-driven paint values depend on the camera zoom and are computed (and cached per zoom) on demand,
per feature then expanded to vertices with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.geo.camera import TileID
from glrender.style import PropertyValue
from glrender.style.expressions import EvalContext
from glrender.style.feature_inputs import combined_inputs, evaluate_rows, property_inputs
from glrender.style.vectorize import Columns, filter_mask
from glrender.style.vectorized import compile_paint
from glrender.tiles.features import Feature, TileLayer

# shader property name -> (style property, GLSL kind)
PropTable = dict[str, tuple[str, str]]


@record
class Bucket:
    layer_type: str
    tile: TileID
    extent: int
    features: list[Feature]
    arrays: dict[str, np.ndarray]            # static per-vertex attributes (float32, 1-4 components)
    indices: np.ndarray                      # uint32 (M, 3) triangles or (K, 2) lines
    feature_index: np.ndarray                # (N,) int32: vertex -> index into features
    extra: dict[str, Any] = field(default_factory=dict)
    _paint_cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _columns: Columns | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return len(self.indices) == 0

    @property
    def vertex_count(self) -> int:
        return len(self.feature_index)

    def columns(self) -> Columns:
        """Property columns of the bucket's features (built per key on demand, shared by its paint
        properties so a column read by several of them is converted once)."""
        if self._columns is None:
            self._columns = Columns(self.features)
        return self._columns


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
    ctx = tile_context(tile, tlayer.extent, global_state=global_state)
    if columns is not None:
        mask = filter_mask(flt, columns, ctx)
        if mask is not None:
            return [f for f, keep in zip(tlayer.features, mask.tolist(), strict=True) if keep]
    out = []
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


_MISSING = object()


def paint_values(bucket: Bucket, layer: Any, table: PropTable, zoom: float,
                 global_state: Any = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Split a layer's shader properties into uniforms (feature-constant) and per-vertex arrays."""
    uniforms: dict[str, Any] = {}
    attrs: dict[str, np.ndarray] = {}
    for name, (style_name, kind) in table.items():
        prop = layer.paint.get(style_name) or layer.layout.get(style_name)
        if prop is None:
            continue
        cache = bucket._paint_cache
        if prop.is_feature_constant:
            # kept with the bucket too: a warm render asks again for every tile of every layer
            ukey = (name, zoom, kind)
            u = cache.get(ukey, _MISSING)
            if u is _MISSING:
                u = value_for_shader(prop.evaluate(zoom), kind)
                if len(cache) > 32:
                    cache.clear()
                cache[ukey] = u
            uniforms[name] = u
            continue
        key = (name, zoom)
        arr = cache.get(key)
        if arr is None:
            per_feature = _per_feature(bucket, prop, kind, zoom, global_state)
            arr = per_feature[bucket.feature_index] if len(bucket.feature_index) else per_feature[:0]
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            if len(cache) > 32:
                cache.clear()
            cache[key] = arr
        attrs[name] = arr
    return uniforms, attrs


_VECTORIZE_MIN = 64  # features


def _per_feature(bucket: Bucket, prop: PropertyValue, kind: str, zoom: float,
                 global_state: Any) -> np.ndarray:
    """One float32 row (1 or 4 components) of shader values per feature of the bucket."""
    width = 4 if kind == "vec4" else 1
    features = bucket.features
    ctx = tile_context(bucket.tile, bucket.extent, zoom=zoom, global_state=global_state)
    row = _shader_row(prop, zoom, ctx, kind)
    # Small buckets stay on the memo path: a few dozen numpy calls cost more than a handful of
    # memoized evaluations (Berlin p60: 28-feature fill buckets took 0.16 ms vectorized, 0.06 ms memoized).
    vectorized = compile_paint(prop, kind) if len(features) >= _VECTORIZE_MIN else None
    if vectorized is not None:
        # The whole column at once in numpy (values over id-like properties defeat the memo below);
        # rows it cannot reproduce exactly are evaluated per feature.
        values, bad = vectorized(bucket.columns(), ctx.zoom)
        out = values.astype(np.float32).reshape(-1, width)
        redo = np.flatnonzero(bad)
        if len(redo):
            rows = evaluate_rows(property_inputs(prop), [features[i] for i in redo.tolist()], row)
            out[redo] = np.array(rows, dtype=np.float32).reshape(-1, width)
        return out
    # Memoized by the feature inputs the value reads: thousands of features, few distinct inputs.
    rows = evaluate_rows(property_inputs(prop), features, row)
    per_feature = np.array(rows, dtype=np.float32)
    if len(per_feature) == 0:
        return np.zeros((0, width), np.float32)
    return per_feature.reshape(-1, width)


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
