"""The style document as a web map client can use it, and the local assets it points to.

A configured style names its tiles, glyphs and sprite with paths on this machine (``mbtiles://../x``,
``../glyphs/{fontstack}/{range}.pbf``), which mean nothing to a browser. ``GET /styles/v1/{owner}/{id}``
therefore returns the style with every local URL rewritten to an absolute URL of this server:

    vector/raster sources  {base}/styles/v1/{owner}/{id}/sources/{source}/{z}/{x}/{y}.{ext}
    GeoJSON data files     {base}/styles/v1/{owner}/{id}/sources/{source}.geojson
    glyphs                 {base}/styles/v1/{owner}/{id}/glyphs/{fontstack}/{range}.pbf
    sprite                 {base}/styles/v1/{owner}/{id}/sprite  (+ .json, .png, @2x.json, @2x.png)

URLs that are already http(s) (or mapbox://) are left as they are. When the request carried an
``access_token``, the rewritten URLs carry it too, so a client of a token-protected server can fetch
them. Tiles are read in the server process (sources are small read-only files), not in the render
workers.
"""

from __future__ import annotations

import copy
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from glrender.errors import GlrenderError
from glrender.tiles.sources import TileSource, open_source, resolve_url
from server.errors import ApiError

_RANGE = re.compile(r"^\d{1,5}-\d{1,5}$")
_MEDIA = {"pbf": "application/x-protobuf", "mvt": "application/x-protobuf", "png": "image/png",
          "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
_TILED = ("vector", "raster", "raster-dem")


def _remote(url: Any) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://", "mapbox://"))


def _with_token(url: str, token: str | None) -> str:
    return f"{url}?access_token={quote(token, safe='')}" if token else url


def public_style(doc: dict[str, Any], base: str, owner: str, style_id: str, token: str | None,
                 tiled: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``doc`` whose local source, glyph and sprite URLs point at this server (``base`` is
    the server's own origin, e.g. ``http://127.0.0.1:8080``). ``tiled`` gives each tiled local
    source's tile extension (``ext``) and the TileJSON keys its archive knows (zoom range, bounds)."""
    out = copy.deepcopy(doc)
    root = f"{base.rstrip('/')}/styles/v1/{owner}/{style_id}"
    for sid, src in (out.get("sources") or {}).items():
        if not isinstance(src, dict):
            continue
        kind = src.get("type")
        if kind in _TILED and sid in tiled:
            # Tiles inline (no TileJSON round trip); the archive's zoom range and bounds come along, so
            # clients overzoom past maxzoom instead of asking for tiles that do not exist.
            url = f"{root}/sources/{quote(sid, safe='')}/{{z}}/{{x}}/{{y}}.{tiled[sid]['ext']}"
            src.pop("url", None)
            for key, value in tiled[sid].items():
                if key != "ext":
                    src.setdefault(key, value)
            src["tiles"] = [_with_token(url, token)]
        elif kind == "geojson" and isinstance(src.get("data"), str) and not _remote(src["data"]):
            src["data"] = _with_token(f"{root}/sources/{quote(sid, safe='')}.geojson", token)
    glyphs = out.get("glyphs")
    if isinstance(glyphs, str) and not _remote(glyphs):
        out["glyphs"] = _with_token(f"{root}/glyphs/{{fontstack}}/{{range}}.pbf", token)
    sprite = out.get("sprite")
    if isinstance(sprite, str) and not _remote(sprite):
        # A sprite URL is a base the client appends "@2x.png" etc. to, so a token cannot follow it.
        out["sprite"] = f"{root}/sprite"
    elif isinstance(sprite, list):
        for entry in sprite:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str) and not _remote(entry["url"]):
                entry["url"] = f"{root}/sprite/{quote(str(entry.get('id')), safe='')}"
    return out


class StyleAssets:
    """The local tiles, GeoJSON files, glyphs and sprite of one configured style."""

    def __init__(self, doc: dict[str, Any], style_path: Path) -> None:
        self.doc = doc
        self.base_dir = str(style_path.parent)
        self._sources: dict[str, TileSource] = {}
        self._lock = threading.Lock()
        self.tiled: dict[str, dict[str, Any]] = {}
        for sid, src in (doc.get("sources") or {}).items():
            if isinstance(src, dict) and src.get("type") in _TILED and self._local_tiled(src):
                try:
                    opened = self._source(sid)
                except (GlrenderError, ApiError):
                    continue  # not servable here: the client keeps the style's own URL
                meta: dict[str, Any] = {"ext": opened.format or ("pbf" if src["type"] == "vector" else "png"),
                                        "minzoom": opened.minzoom, "maxzoom": opened.maxzoom}
                if opened.bounds is not None:
                    meta["bounds"] = list(opened.bounds)
                if src["type"] != "vector":
                    meta["tileSize"] = opened.tile_size
                self.tiled[sid] = meta

    @staticmethod
    def _local_tiled(src: dict[str, Any]) -> bool:
        if "url" in src:
            return not _remote(src["url"])
        tiles = src.get("tiles")
        return isinstance(tiles, list) and bool(tiles) and not all(_remote(t) for t in tiles)

    def _source(self, sid: str) -> TileSource:
        with self._lock:
            if sid not in self._sources:
                spec = (self.doc.get("sources") or {}).get(sid)
                if not isinstance(spec, dict) or spec.get("type") not in _TILED:
                    raise ApiError(404, "Source not found")
                self._sources[sid] = open_source(spec, base_dir=self.base_dir)
            return self._sources[sid]

    def tile(self, sid: str, z: int, x: int, y: int, ext: str) -> tuple[bytes | None, dict[str, str], str]:
        """The stored tile bytes (None when missing), extra headers and media type."""
        if sid not in self.tiled or ext != self.tiled[sid]["ext"]:
            raise ApiError(404, "Tile not found")
        if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            raise ApiError(422, f"Tile {z}/{x}/{y} is outside the tile grid.")
        data = self._source(sid).get_tile(z, x, y)
        headers = {"Content-Encoding": "gzip"} if data is not None and data[:2] == b"\x1f\x8b" else {}
        return data, headers, _MEDIA.get(ext, "application/octet-stream")

    def geojson(self, sid: str) -> bytes:
        src = (self.doc.get("sources") or {}).get(sid)
        if not isinstance(src, dict) or src.get("type") != "geojson" or not isinstance(src.get("data"), str) \
                or _remote(src["data"]):
            raise ApiError(404, "Source not found")
        return self._read(src["data"], "GeoJSON data")

    def glyphs(self, fontstack: str, glyph_range: str) -> bytes:
        template = self.doc.get("glyphs")
        if not isinstance(template, str) or _remote(template):
            raise ApiError(404, "Glyphs not found")
        # The font stack comes from the client: it names a folder, so it must not climb out of one.
        if not fontstack or any(c in fontstack for c in "/\\\0") or ".." in fontstack or len(fontstack) > 256:
            raise ApiError(422, "Invalid font stack.")
        if not _RANGE.match(glyph_range):
            raise ApiError(422, "Invalid glyph range: use {start}-{end}.")
        return self._read(template.replace("{fontstack}", fontstack).replace("{range}", glyph_range), "Glyphs")

    def sprite(self, sprite_id: str | None, suffix: str) -> bytes:
        """``suffix`` is one of .json, .png, @2x.json, @2x.png."""
        if suffix not in (".json", ".png", "@2x.json", "@2x.png"):
            raise ApiError(404, "Sprite not found")
        sprite = self.doc.get("sprite")
        url: Any = None
        if sprite_id is None:
            url = sprite if isinstance(sprite, str) else None
        elif isinstance(sprite, list):
            url = next((e.get("url") for e in sprite if isinstance(e, dict) and str(e.get("id")) == sprite_id), None)
        if not isinstance(url, str) or _remote(url):
            raise ApiError(404, "Sprite not found")
        return self._read(url + suffix, "Sprite")

    def _read(self, url: str, what: str) -> bytes:
        try:
            path = resolve_url(url, self.base_dir)
        except GlrenderError:
            raise ApiError(404, f"{what} not found") from None
        try:
            return Path(path).read_bytes()
        except OSError:
            raise ApiError(404, f"{what} not found") from None

    def close(self) -> None:
        with self._lock:
            for src in self._sources.values():
                src.close()
            self._sources.clear()
