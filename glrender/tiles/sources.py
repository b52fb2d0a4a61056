"""Tile sources behind one protocol, and ``open_source`` which builds one from a style source dict.

Every source answers ``get_tile(z, x, y)`` in XYZ addressing (TMS sources flip ``y`` inside) and returns
the stored bytes (possibly gzip-compressed MVT) or ``None`` when the tile is missing.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from glrender.errors import SourceError
from glrender.tiles.pmtiles import PMTilesSource
from glrender.tiles.tilecover import quadkey
from glrender.tiles.urls import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, fetch_bytes, is_http, resolve_url

__all__ = ["TileSource", "MBTilesSource", "PMTilesSource", "TemplateSource", "open_source", "load_tilejson",
           "resolve_url", "TILED_KINDS"]

log = logging.getLogger("glrender.tiles")

TILED_KINDS = ("vector", "raster", "raster-dem")
_WEB_MERCATOR_HALF = 20037508.342789244
_FORMAT_ALIASES = {"jpeg": "jpg", "mvt": "pbf", "application/x-protobuf": "pbf", "image/png": "png",
                   "image/jpeg": "jpg", "image/webp": "webp"}


@runtime_checkable
class TileSource(Protocol):
    kind: str  # 'vector' | 'raster' | 'raster-dem'
    minzoom: int
    maxzoom: int
    tile_size: int
    scheme: str  # 'xyz' or 'tms'
    bounds: tuple[float, float, float, float] | None  # lon/lat W, S, E, N
    attribution: str | None
    format: str | None  # 'pbf', 'png', 'jpg', 'webp'

    def get_tile(self, z: int, x: int, y: int) -> bytes | None: ...

    def close(self) -> None: ...


def _parse_bounds(value: Any, where: str) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    try:
        w, s, e, n = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{where}: invalid bounds {value!r}") from exc
    return (w, s, e, n)


def _in_range(z: int, x: int, y: int) -> bool:
    return z >= 0 and 0 <= x < (1 << z) and 0 <= y < (1 << z)


class MBTilesSource:
    """An MBTiles (SQLite) file, opened read-only with one connection per thread."""

    def __init__(self, path: str, *, kind: str = "vector", tile_size: int = 512) -> None:
        if not os.path.isfile(path):
            raise SourceError(f"MBTiles file not found: {path!r}")
        self.path = path
        self.kind = kind
        self.tile_size = tile_size
        self.scheme = "xyz"  # callers use XYZ; the TMS row flip is internal
        self._uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            rows = self._conn().execute("SELECT name, value FROM metadata").fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"{path!r} is not a readable MBTiles file: {exc}") from exc
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in rows if k is not None and v is not None}
        md = self.metadata
        fmt = md.get("format", "").strip().lower()
        self.format: str | None = _FORMAT_ALIASES.get(fmt, fmt) or ("pbf" if kind == "vector" else None)
        self.attribution: str | None = md.get("attribution")
        self.bounds = _parse_bounds(md.get("bounds") or None, f"MBTiles {path!r} metadata")
        try:
            minz = int(float(md["minzoom"])) if "minzoom" in md else None
            maxz = int(float(md["maxzoom"])) if "maxzoom" in md else None
        except ValueError as exc:
            raise SourceError(f"MBTiles {path!r}: invalid zoom metadata {exc}") from exc
        if minz is None or maxz is None:
            # metadata without zooms: ask the tiles themselves
            lo, hi = self._conn().execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            minz = minz if minz is not None else int(lo or 0)
            maxz = maxz if maxz is not None else int(hi if hi is not None else 22)
        self.minzoom: int = minz
        self.maxzoom: int = maxz
        try:
            self.json: dict[str, Any] = json.loads(md["json"]) if "json" in md else {}
        except ValueError:
            self.json = {}

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # check_same_thread=False only so close() may close every thread's connection
                conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                raise SourceError(f"cannot open MBTiles {self.path!r}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def get_tile(self, z: int, x: int, y: int) -> bytes | None:
        if not _in_range(z, x, y):
            return None
        row = (1 << z) - 1 - y  # MBTiles stores TMS rows
        try:
            found = self._conn().execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", (z, x, row)
            ).fetchone()
        except sqlite3.Error as exc:
            raise SourceError(f"MBTiles {self.path!r}: reading tile {z}/{x}/{y} failed: {exc}") from exc
        return bytes(found[0]) if found and found[0] is not None else None

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()


def expand_template(template: str, z: int, x: int, y: int, *, scheme: str = "xyz") -> str:
    """Fill ``{z} {x} {y} {quadkey} {prefix} {bbox-epsg-3857} {ratio}`` for an XYZ tile, as MapLibre does."""
    yy = (1 << z) - 1 - y if scheme == "tms" else y
    out = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(yy))
    if "{" not in out:
        return out
    if "{quadkey}" in out:
        out = out.replace("{quadkey}", quadkey(z, x, y))
    if "{prefix}" in out:
        out = out.replace("{prefix}", f"{x % 16:x}{y % 16:x}")
    if "{bbox-epsg-3857}" in out:
        size = 2 * _WEB_MERCATOR_HALF / (1 << z)
        minx = -_WEB_MERCATOR_HALF + x * size
        maxy = _WEB_MERCATOR_HALF - y * size
        out = out.replace("{bbox-epsg-3857}", f"{minx!r},{maxy - size!r},{minx + size!r},{maxy!r}")
    return out.replace("{ratio}", "").replace("{r}", "")


class TemplateSource:
    """Tiles from ``{z}/{x}/{y}`` URL or path templates (``tiles`` of a style source or TileJSON)."""

    def __init__(self, templates: Sequence[str], *, kind: str = "vector", minzoom: int = 0, maxzoom: int = 22,
                 tile_size: int = 512, scheme: str = "xyz",
                 bounds: tuple[float, float, float, float] | None = None, attribution: str | None = None,
                 format: str | None = None, base_dir: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, aliases: Mapping[str, str] | None = None) -> None:
        if isinstance(templates, str) or not templates or not all(isinstance(t, str) for t in templates):
            raise SourceError(f"tiles must be a non-empty list of URL templates, got {templates!r}")
        if scheme not in ("xyz", "tms"):
            raise SourceError(f"unknown tile scheme {scheme!r} (expected 'xyz' or 'tms')")
        self.templates = [resolve_url(t, base_dir, aliases) for t in templates]
        self.kind = kind
        self.minzoom, self.maxzoom, self.tile_size = minzoom, maxzoom, tile_size
        self.scheme = scheme
        self.bounds = bounds
        self.attribution = attribution
        self.format = format or _guess_format(self.templates[0], kind)
        self.timeout, self.max_bytes = timeout, max_bytes

    def url_for(self, z: int, x: int, y: int) -> str:
        # MapLibre spreads requests over the template list by (x + y)
        template = self.templates[(x + y) % len(self.templates)]
        return expand_template(template, z, x, y, scheme=self.scheme)

    def get_tile(self, z: int, x: int, y: int) -> bytes | None:
        if not _in_range(z, x, y):
            return None
        return fetch_bytes(self.url_for(z, x, y), timeout=self.timeout, max_bytes=self.max_bytes, what="tile")

    def close(self) -> None:
        pass


def _guess_format(template: str, kind: str) -> str | None:
    path = urllib.parse.urlsplit(template).path if is_http(template) else template
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext in ("pbf", "mvt"):
        return "pbf"
    if ext in ("png", "webp"):
        return ext
    if ext in ("jpg", "jpeg"):
        return "jpg"
    return "pbf" if kind == "vector" else None


def load_tilejson(url: str, base_dir: str | None = None, aliases: Mapping[str, str] | None = None,
                  timeout: float = DEFAULT_TIMEOUT) -> tuple[dict[str, Any], str | None]:
    """Load a TileJSON document; returns it and the folder its relative tile paths resolve against."""
    resolved = resolve_url(url, base_dir, aliases)
    data = fetch_bytes(resolved, timeout=timeout, max_bytes=16 * 1024 * 1024, what="TileJSON")
    if data is None:
        raise SourceError(f"TileJSON not found: {url!r}")
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise SourceError(f"TileJSON {url!r} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise SourceError(f"TileJSON {url!r} is not an object")
    if is_http(resolved):
        folder = resolved.rsplit("/", 1)[0] + "/"
        tiles = doc.get("tiles")
        if isinstance(tiles, list):  # relative tile URLs are relative to the TileJSON URL
            doc["tiles"] = [urllib.parse.urljoin(folder, t) if isinstance(t, str) else t for t in tiles]
        return doc, None
    return doc, os.path.dirname(resolved)


def _int(spec: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceError(f"{where}: {key} must be a number, got {value!r}")
    return int(value)


def open_source(spec: Mapping[str, Any], *, base_dir: str | None = None,
                aliases: Mapping[str, str] | None = None) -> TileSource:
    """Open a style source of type vector, raster or raster-dem.

    ``url`` may be ``mbtiles://``, ``pmtiles://`` or a TileJSON URL/path; otherwise ``tiles`` templates are
    used. Values in the style override the archive's or TileJSON's (MapLibre merges TileJSON first, then
    the style's own keys). ``aliases`` rewrites URL prefixes first (see :func:`resolve_url`).
    """
    if not isinstance(spec, Mapping):
        raise SourceError(f"source must be an object, got {spec!r}")
    kind = spec.get("type")
    if kind not in TILED_KINDS:
        raise SourceError(f"unsupported tile source type {kind!r}")
    where = f"{kind} source"
    default_size = 512  # the style spec default for every tiled source type
    url = spec.get("url")
    src: TileSource
    if url is not None:
        if not isinstance(url, str):
            raise SourceError(f"{where}: url must be a string, got {url!r}")
        resolved = resolve_url(url, base_dir, aliases)
        tile_size = _int(spec, "tileSize", default_size, where)
        if resolved.startswith("mbtiles://") or (not is_http(resolved) and resolved.endswith(".mbtiles")):
            src = MBTilesSource(resolved.removeprefix("mbtiles://"), kind=kind, tile_size=tile_size)
            return _override(src, spec, where)
        if resolved.startswith("pmtiles://") or resolved.split("?")[0].endswith(".pmtiles"):
            src = PMTilesSource(resolved.removeprefix("pmtiles://"), kind=kind, tile_size=tile_size)
            return _override(src, spec, where)
        doc, folder = load_tilejson(url, base_dir, aliases)
        merged = {**doc, **{k: v for k, v in spec.items() if k != "url"}}
        tiles_base = folder
    else:
        merged = dict(spec)
        tiles_base = base_dir
    tiles = merged.get("tiles")
    if tiles is None:
        raise SourceError(f"{where} has neither url nor tiles")
    return TemplateSource(
        tiles, kind=kind, minzoom=_int(merged, "minzoom", 0, where),
        maxzoom=_int(merged, "maxzoom", 22, where),
        tile_size=_int(merged, "tileSize", default_size, where), scheme=str(merged.get("scheme", "xyz")),
        bounds=_parse_bounds(merged.get("bounds"), where), attribution=merged.get("attribution"),
        format=merged.get("format") if isinstance(merged.get("format"), str) else None,
        base_dir=tiles_base, aliases=aliases,
    )


def _override(src: Any, spec: Mapping[str, Any], where: str) -> TileSource:
    """Style keys win over archive metadata, as with TileJSON."""
    if "minzoom" in spec:
        src.minzoom = _int(spec, "minzoom", 0, where)
    if "maxzoom" in spec:
        src.maxzoom = _int(spec, "maxzoom", 22, where)
    if "bounds" in spec:
        src.bounds = _parse_bounds(spec["bounds"], where)
    if "attribution" in spec:
        src.attribution = spec["attribution"]
    return src  # type: ignore[no-any-return]
