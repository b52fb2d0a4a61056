"""Plan a frame on the CPU: which tiles each layer needs and their buckets (cached across renders)."""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from glrender._memo import kept
from glrender.buckets import BUILDERS, Bucket
from glrender.buckets.base import filter_features
from glrender.geo.camera import Camera, TileID
from glrender.render.context import LayerWork
from glrender.render.sources import SourceSet
from glrender.style.vectorize import Columns

log = logging.getLogger("glrender.render")

DRAWN_TYPES = frozenset({"background", "fill", "line", "circle", "fill-extrusion", "raster", "symbol", "hillshade",
                         "heatmap"})


class BucketCache:
    """Least-recently-used buckets keyed by (source, tile, drawn zoom, layer)."""

    def __init__(self, limit: int = 8192) -> None:
        self.limit = limit
        self._d: OrderedDict[Any, Bucket | None] = OrderedDict()

    def get(self, key: Any) -> tuple[bool, Bucket | None]:
        if key in self._d:
            self._d.move_to_end(key)
            return True, self._d[key]
        return False, None

    def has(self, key: Any) -> bool:
        return key in self._d

    def put(self, key: Any, bucket: Bucket | None) -> None:
        self._d[key] = bucket
        if len(self._d) > self.limit:
            self._d.popitem(last=False)

    def clear(self) -> None:
        self._d.clear()


def layer_visible(layer: Any, zoom: float) -> bool:
    if not layer.visible:
        return False
    # A minzoom of 0 (the default) hides nothing, even at the negative zooms MapLibre allows.
    return (not layer.minzoom or layer.minzoom <= zoom) and zoom < layer.maxzoom


def plan_frame(style: Any, camera: Camera, sources: SourceSet, buckets: BucketCache,
               global_state: Any = None, symbols: Any = None) -> list[LayerWork]:
    """Every drawn layer's work for this camera, in style order."""
    return list(plan_layers(style, camera, sources, buckets, global_state, symbols))


def _drawn_layers(style: Any, camera: Camera, sources: SourceSet, covers: dict[str, list[TileID]],
                  labels: bool) -> Iterator[tuple[Any, Any, list[TileID], str]]:
    """(layer, its source or None for a background, the source's tiles for this camera, how it is
    planned: "background", "raster" or "vector") of every layer drawn at the camera's zoom, in style
    order; symbol layers only with ``labels``. Tile covers are computed once per source. The one place
    that decides which layers a frame plans (plan_layers and cached_plan both walk it)."""
    for layer in _visible_layers(style, camera.zoom):
        if layer.type == "background":
            yield layer, None, [], "background"
            continue
        src = sources.get(layer.source) if layer.source else None
        if src is None:
            continue
        if layer.type in ("raster", "hillshade"):
            wanted = ("raster-dem",) if layer.type == "hillshade" else ("raster", "raster-dem", "image")
            kind = "raster" if src.type in wanted else ""
        else:
            kind = "vector" if src.type in ("vector", "geojson") and (labels or layer.type != "symbol") else ""
        if not kind:
            continue  # nothing to draw from this source
        tiles = covers.get(src.id)
        if tiles is None:
            tiles = covers[src.id] = src.cover(camera)
        yield layer, src, tiles, kind


_VISIBLE_KEPT = 64
_visible_memo: dict[tuple[int, float], tuple[Any, tuple[Any, ...]]] = {}


def _visible_layers(style: Any, zoom: float) -> tuple[Any, ...]:
    """The style's layers drawn at ``zoom``, in style order. A style and its layers are frozen, so the
    answer is kept per (style object, zoom): a render asks three times, and a warm one at a zoom it
    has drawn before walks no layer list."""
    return kept(_visible_memo, _VISIBLE_KEPT, style, (id(style), zoom),
                lambda: tuple(ly for ly in style.layers if ly.type in DRAWN_TYPES and layer_visible(ly, zoom)))


def _wanted_source_layers(style: Any, zoom: float, labels: bool) -> dict[str, frozenset[str]]:
    """Per source, the source layers this frame's vector layers read: only these are decoded."""
    out: dict[str, set[str]] = {}
    for layer in _visible_layers(style, zoom):
        if (layer.type not in ("background", "raster", "hillshade") and (labels or layer.type != "symbol")
                and layer.source):
            out.setdefault(layer.source, set()).add(layer.source_layer or "")
    return {k: frozenset(v) for k, v in out.items()}


def plan_is_cached(style: Any, camera: Camera, sources: SourceSet, buckets: BucketCache,
                   covers: dict[str, list[TileID]]) -> bool:
    """Would :func:`plan_layers` find every bucket and raster tile of this camera in the caches?
    ``covers`` receives the tiles of each source looked at, for plan_layers to reuse."""
    return cached_plan(style, camera, sources, buckets, covers) is not None


def cached_plan(style: Any, camera: Camera, sources: SourceSet, buckets: BucketCache,
                covers: dict[str, list[TileID]], labels: bool = True) -> list[LayerWork] | None:
    """What :func:`plan_layers` yields (with ``symbols`` given when ``labels``) when every bucket and
    raster tile of this camera is in the caches, else None. A render that has nothing to decode or
    tessellate gains nothing from the planner thread, and its plan is then these lookups, done once.
    ``covers`` receives the tiles of each source looked at, for plan_layers to reuse."""
    zoom = camera.zoom
    out: list[LayerWork] = []
    for layer, src, tiles, kind in _drawn_layers(style, camera, sources, covers, labels):
        if kind == "background":
            out.append(LayerWork(layer, []))
            continue
        if kind == "raster":
            if not src.rasters_cached(tiles):
                return None
            out.append(LayerWork(layer, src.raster_items(tiles, zoom)))
            continue
        items: list[tuple[TileID, Any]] = []
        for t in tiles:
            hit, bucket = buckets.get((src.id, t.canonical, t.overscaled_z, layer.id))
            if not hit:
                return None
            if bucket is not None and not bucket.empty:
                items.append((t, bucket))
        out.append(LayerWork(layer, items))
    return out


def plan_layers(style: Any, camera: Camera, sources: SourceSet, buckets: BucketCache,
                global_state: Any = None, symbols: Any = None,
                covers: dict[str, list[TileID]] | None = None) -> Iterator[LayerWork]:
    """``plan_frame`` one layer at a time: a cold render draws each layer while the next is being
    decoded and tessellated. ``covers`` may hold tile covers already computed for this camera."""
    zoom = camera.zoom
    # Property columns per decoded tile layer, shared by every style layer filtering it this frame.
    columns: dict[int, tuple[Any, Columns]] = {}
    to_decode = _wanted_source_layers(style, zoom, symbols is not None)
    covers = {} if covers is None else covers
    for layer, src, tiles, kind in _drawn_layers(style, camera, sources, covers, symbols is not None):
        if kind == "background":
            yield LayerWork(layer, [])
            continue
        if kind == "raster":
            yield LayerWork(layer, src.raster_items(tiles, zoom))
            continue
        items: list[tuple[TileID, Any]] = []
        source_layer = layer.source_layer if src.type == "vector" else "_geojson"
        if layer.type == "symbol":
            # Symbol layout needs glyphs (and atlas space): bind the renderer's symbol resources.
            # Imported here: styles without labels never load the text stack.
            from glrender.symbol.bucket import build_symbol

            build: Callable[..., Any] = functools.partial(build_symbol, res=symbols)
        else:
            build = BUILDERS[layer.type]
        for t in tiles:
            key = (src.id, t.canonical, t.overscaled_z, layer.id)
            hit, bucket = buckets.get(key)
            if not hit:
                tl = src.layers(t, to_decode.get(src.id)).get(source_layer or "")
                bucket = None
                if tl is not None and tl.features:
                    hit_cols = columns.get(id(tl))
                    if hit_cols is None or hit_cols[0] is not tl:
                        hit_cols = columns[id(tl)] = (tl, Columns(tl.features))
                    feats = filter_features(layer, tl, t, global_state, hit_cols[1])
                    if feats:
                        bucket = build(layer, feats, t, tl.extent)
                buckets.put(key, bucket)
            if bucket is not None and not bucket.empty:
                # The same data tile may be drawn at several wraps: draw it with this tile's id.
                items.append((t, bucket))
        yield LayerWork(layer, items)
