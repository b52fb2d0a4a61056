"""One object the renderer asks for decoded layers, over a tile source or a GeoJSON source."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from glrender.errors import GlrenderError, SourceError, TileError
from glrender.tiles.features import TileLayer
from glrender.tiles.geojson import GeoJSONSource
from glrender.tiles.mvt import decode_tile
from glrender.tiles.sources import TileSource, open_source

log = logging.getLogger("glrender.tiles")


class VectorTileProvider:
    """``get_layers(z, x, y)`` over a vector :class:`TileSource` (decoded, LRU-cached) or a GeoJSON source.

    Returns ``None`` for a missing tile. A tile that cannot be read or decoded is logged and treated as
    missing, so one bad tile never fails a render. Safe to share between threads: a tile requested by
    two threads at once may be decoded twice, but the cache stays consistent.
    """

    def __init__(self, source: TileSource | GeoJSONSource, *, cache_size: int = 256) -> None:
        if isinstance(source, GeoJSONSource):
            self.minzoom, self.maxzoom, self.tile_size = 0, source.maxzoom, 512
            self.bounds = source.bounds
        else:
            if source.kind != "vector":
                raise SourceError(f"VectorTileProvider needs a vector source, got kind {source.kind!r}")
            self.minzoom, self.maxzoom, self.tile_size = source.minzoom, source.maxzoom, source.tile_size
            self.bounds = source.bounds
        self.source = source
        self._cache: OrderedDict[tuple[int, int, int], dict[str, TileLayer] | None] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, base_dir: str | None = None,
                  aliases: Mapping[str, str] | None = None, cache_size: int = 256) -> VectorTileProvider:
        """Open a style source of type ``vector`` or ``geojson``."""
        kind = spec.get("type")
        if kind == "geojson":
            geo = GeoJSONSource.from_spec(spec, base_dir=base_dir, aliases=aliases)
            return cls(geo, cache_size=cache_size)
        if kind == "vector":
            return cls(open_source(spec, base_dir=base_dir, aliases=aliases), cache_size=cache_size)
        raise SourceError(f"not a vector source type: {kind!r}")

    def get_layers(self, z: int, x: int, y: int) -> dict[str, TileLayer] | None:
        if isinstance(self.source, GeoJSONSource):
            return self.source.get_layers(z, x, y)  # has its own cache
        key = (z, x, y)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        layers = self._load(z, x, y)
        with self._lock:
            self._cache[key] = layers
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return layers

    def _load(self, z: int, x: int, y: int) -> dict[str, TileLayer] | None:
        assert not isinstance(self.source, GeoJSONSource)
        try:
            data = self.source.get_tile(z, x, y)
        except GlrenderError as exc:
            log.warning("tile %d/%d/%d unavailable: %s", z, x, y, exc)
            return None
        if not data:
            return None
        try:
            return decode_tile(data)
        except TileError as exc:
            log.warning("tile %d/%d/%d is corrupt: %s", z, x, y, exc)
            return None

    def close(self) -> None:
        if not isinstance(self.source, GeoJSONSource):
            self.source.close()
        with self._lock:
            self._cache.clear()
