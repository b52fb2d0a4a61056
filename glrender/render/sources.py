"""Runtime sources: a style's sources opened once, answering decoded tiles for the planner."""

from __future__ import annotations

import io
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from glrender._record import record
from glrender.errors import GlrenderError, SourceError, TileError
from glrender.geo.camera import Camera, TileID
from glrender.geo.cover import covering_tiles, tile_in_bounds
from glrender.render.dem import unpack_vector
from glrender.render.image_source import ImageSource
from glrender.style.expressions import EvalContext
from glrender.style.filters import compile_filter
from glrender.tiles.features import TileLayer
from glrender.tiles.mvt import decode_tile
from glrender.tiles.sources import TileSource, open_source

if TYPE_CHECKING:
    from glrender.tiles.geojson import GeoJSONSource

log = logging.getLogger("glrender.render")


@record
class RasterTile:
    key: Any
    rgba: np.ndarray  # straight alpha uint8 (h, w, 4)
    # An image source's four corners (TL, TR, BR, BL) in tile units of the tile it is drawn in;
    # None for a tile of a tiled source, which fills its tile square.
    corners: tuple[tuple[float, float], ...] | None = None
    mipmaps: bool = True  # MapLibre mipmaps raster tiles, not image sources
    dem_unpack: tuple[float, float, float, float] | None = None  # raster-dem: how RGB encodes metres


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def get_or(self, key: Any, make: Any) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        val = make()
        self[key] = val
        if len(self) > self.limit:
            self.popitem(last=False)
        return val


def _feature_filter(sid: str, value: Any) -> Any:
    """The source ``filter``: evaluated once per feature at zoom 0, before tiling or clustering."""
    flt = compile_filter(value, path=f"sources.{sid}.filter")

    def keep(feature: Any) -> bool:
        try:
            return bool(flt.evaluate(EvalContext(zoom=0.0, feature=feature)))
        except Exception:  # a filter that cannot evaluate drops the feature, as layer filters do
            return False

    return keep


def _open_geojson(sid: str, spec: Mapping[str, Any], base_dir: str | None) -> GeoJSONSource:
    from glrender.tiles.geojson import GeoJSONSource  # GeoJSON tiling and clustering load when used

    kwargs: dict[str, Any] = {
        "base_dir": base_dir,
        "maxzoom": int(spec.get("maxzoom", 18)),
        "buffer": int(spec.get("buffer", 128)),
        "tolerance": float(spec.get("tolerance", 0.375)),
        "line_metrics": bool(spec.get("lineMetrics", False)),
    }
    flt = spec.get("filter")
    if flt is not None:
        kwargs["feature_filter"] = _feature_filter(sid, flt)
    if spec.get("cluster"):
        # MapLibre's defaults: radius 50 px, clustering up to one zoom below the source maxzoom
        kwargs["cluster"] = {
            "radius": float(spec.get("clusterRadius", 50)),
            "max_zoom": int(spec.get("clusterMaxZoom", kwargs["maxzoom"] - 1)),
            "min_points": int(spec.get("clusterMinPoints", 2)),
        }
    try:
        return GeoJSONSource(spec.get("data"), **kwargs)
    except SourceError as exc:
        # MapLibre reports bad GeoJSON data as an error event and draws the source as empty while the
        # rest of the map renders; do the same rather than fail the whole image.
        log.warning("source %r: GeoJSON data unusable, drawing it empty: %s", sid, exc)
        return GeoJSONSource({"type": "FeatureCollection", "features": []}, **kwargs)


class _Decoded:
    """A vector tile's layers decoded so far, and which were asked for (absent ones included)."""

    __slots__ = ("layers", "done", "all")

    def __init__(self) -> None:
        self.layers: dict[str, TileLayer] = {}
        self.done: frozenset[str] = frozenset()
        self.all = False


class RuntimeSource:
    """One style source: tile cover parameters plus decoded-tile access with a bounded cache."""

    def __init__(self, sid: str, spec: Mapping[str, Any], base_dir: str | None, cache_size: int = 512,
                 source_layers: frozenset[str] | None = None) -> None:
        self.id = sid
        self.type = str(spec.get("type"))
        self.spec = spec
        self.tiles: TileSource | None = None
        self.geojson: GeoJSONSource | None = None
        self.image: ImageSource | None = None
        self.bounds: tuple[float, float, float, float] | None = None
        self._cache = _LRU(cache_size)
        self._lock = threading.Lock()
        # Only the source layers the style draws are decoded (labels-only layers of a tile can be
        # half of its features).
        self.source_layers = source_layers
        if self.type == "geojson":
            self.geojson = _open_geojson(sid, spec, base_dir)
            self.minzoom, self.maxzoom, self.tile_size = 0, int(spec.get("maxzoom", 18)), 512
        elif self.type in ("vector", "raster", "raster-dem"):
            self.tiles = open_source(spec, base_dir=base_dir)
            self.minzoom = int(self.tiles.minzoom)
            self.maxzoom = int(self.tiles.maxzoom)
            self.tile_size = int(self.tiles.tile_size)
            self.bounds = getattr(self.tiles, "bounds", None)
        elif self.type == "image":
            self.image = ImageSource(sid, spec, base_dir)
            self.minzoom, self.maxzoom, self.tile_size = 0, 22, 512
        else:
            raise SourceError(f"source {sid!r}: unsupported type {self.type!r}")

    def cover(self, camera: Camera) -> list[TileID]:
        if self.image is not None:
            return self.image.cover(camera)
        tiles = covering_tiles(
            camera,
            tile_size=self.tile_size,
            minzoom=self.minzoom,
            maxzoom=self.maxzoom,
            round_zoom=self.type != "vector" and self.type != "geojson",
        )
        if self.bounds is not None:
            tiles = [t for t in tiles if tile_in_bounds(t.z, t.x, t.y, self.bounds)]
        return tiles

    def raster_items(self, tiles: list[TileID], zoom: float) -> list[tuple[TileID, RasterTile]]:
        """Raster tiles to draw for a cover: a missing tile is stood in for by its nearest ancestor
        that exists (MapLibre retains loaded parents), down to ten zooms up or the source minzoom."""
        if self.image is not None:
            img = self.image.raster()
            return [] if img is None else [(t, img) for t in tiles]
        items: list[tuple[TileID, RasterTile]] = []
        seen: set[TileID] = set()
        lowest = max(int(math.floor(zoom)) - 10, self.minzoom)
        for t in tiles:
            r = self.raster(t)
            if r is not None:
                items.append((t, r))
                continue
            for z in range(t.z - 1, lowest - 1, -1):
                parent = TileID(z, t.x >> (t.z - z), t.y >> (t.z - z), z, t.wrap)
                if parent in seen:
                    break
                seen.add(parent)
                if not tile_in_bounds(parent.z, parent.x, parent.y, self.bounds):
                    continue
                r = self.raster(parent)
                if r is not None:
                    items.append((parent, r))
                    break
        return items

    def layers(self, tile: TileID, wanted: frozenset[str] | None = None) -> dict[str, TileLayer]:
        """The tile's decoded source layers: at least ``wanted`` (default: every one the style draws).

        A vector tile's layers are decoded when first wanted: a view at zoom 14 does not decode the
        house numbers its style shows from zoom 16 (a fifth of a dense tile's features), and a later
        view that wants them decodes only those. The mapping returned only ever gains layers.
        """
        key = tile.canonical
        with self._lock:
            if self.geojson is not None:
                return self._cache.get_or(  # type: ignore[no-any-return]
                    key, lambda: self.geojson.get_layers(tile.z, tile.x, tile.y))  # type: ignore[union-attr]
            got: _Decoded = self._cache.get_or(key, _Decoded)
            names = self.source_layers if wanted is None else (
                wanted if self.source_layers is None else wanted & self.source_layers)
            if got.all or (names is not None and names <= got.done):
                return got.layers
            missing = None if names is None else names - got.done
            got.layers.update((k, v) for k, v in self._decode(tile, missing).items() if k not in got.layers)
            if missing is None:
                got.all = True
            else:
                got.done |= missing
            return got.layers

    def _decode(self, tile: TileID, names: frozenset[str] | None) -> dict[str, TileLayer]:
        assert self.tiles is not None
        try:
            data = self.tiles.get_tile(tile.z, tile.x, tile.y)
        except GlrenderError as exc:
            log.warning("source %r: tile %s unavailable: %s", self.id, tile.canonical, exc)
            return {}
        if not data:
            return {}
        try:
            return decode_tile(data, names)
        except TileError as exc:
            # A missing tile draws empty, but a corrupt one is bad input: say which, don't guess.
            raise TileError(f"source {self.id!r}: tile {tile.canonical} is corrupt: {exc}") from exc

    def rasters_cached(self, tiles: list[TileID]) -> bool:
        """Are all these tiles' rasters loaded already?"""
        with self._lock:
            return all((self.id, t.canonical) in self._cache for t in tiles)

    def raster(self, tile: TileID) -> RasterTile | None:
        key = (self.id, tile.canonical)
        with self._lock:
            return self._cache.get_or(key, lambda: self._load_raster(tile, key))  # type: ignore[no-any-return]

    def _load_raster(self, tile: TileID, key: Any) -> RasterTile | None:
        assert self.tiles is not None
        try:
            data = self.tiles.get_tile(tile.z, tile.x, tile.y)
        except GlrenderError as exc:
            log.warning("source %r: tile %s unavailable: %s", self.id, tile.canonical, exc)
            return None
        if not data:
            return None
        from PIL import Image  # imported lazily: only raster styles need it on this path

        try:
            with Image.open(io.BytesIO(data)) as im:
                rgba = np.asarray(im.convert("RGBA"))
        except Exception as exc:
            log.warning("source %r: tile %s is not a readable image: %s", self.id, tile.canonical, exc)
            return None
        unpack = unpack_vector(self.spec) if self.type == "raster-dem" else None
        return RasterTile(key, rgba, dem_unpack=unpack)

    def close(self) -> None:
        if self.tiles is not None:
            self.tiles.close()


class SourceSet:
    """All sources of a style, opened lazily (a style may name sources no visible layer uses)."""

    def __init__(self, specs: Mapping[str, Mapping[str, Any]], base_dir: str | None,
                 used_layers: Mapping[str, frozenset[str]] | None = None) -> None:
        self.specs = specs
        self.used_layers = used_layers
        self.base_dir = base_dir
        self._open: dict[str, RuntimeSource | None] = {}
        self._errors: dict[str, GlrenderError] = {}

    def get(self, sid: str) -> RuntimeSource | None:
        if sid not in self._open:
            spec = self.specs.get(sid)
            if spec is None:
                self._open[sid] = None
            else:
                try:
                    used = None if self.used_layers is None else self.used_layers.get(sid, frozenset())
                    self._open[sid] = RuntimeSource(sid, spec, self.base_dir, source_layers=used)
                except GlrenderError as exc:
                    self._errors[sid] = exc
                    raise
        return self._open[sid]

    def close(self) -> None:
        for src in self._open.values():
            if src is not None:
                src.close()
        self._open.clear()
