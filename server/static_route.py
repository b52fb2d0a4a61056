"""From a Static Images (or Static Tiles) request to a RenderJob: every check of the spec's error table
that needs only the request and the style document happens here, before any rendering."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.compose import MarkerArt, RenderJob
from server.config import StyleEntry
from server.errors import ApiError
from server.fit import fit_bounds
from server.grammar import (
    AUTO,
    MAX_ZOOM,
    PADDING_WITHOUT_FIT,
    BBox,
    Padding,
    Position,
    default_padding,
    parse_bool,
    parse_format,
    parse_padding,
    parse_static_path,
)
from server.layering import ShapeArt
from server.overlays import Overlays, Shapes, parse_overlays
from server.styleparams import AUTO_NEEDS_OVERLAY, StyleEdit, parse_style_edit

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
NO_FEATURES = "Auto extent cannot be determined when GeoJSON has no features"
AUTO_NEEDS_SOMETHING = "Auto extent cannot be used without an overlay."
_RASTER_SOURCES = frozenset({"raster", "raster-dem"})


@dataclass
class StyleInfo:
    """A configured style as the request side sees it: its document, a version for ETags, whether it is
    a classic (pre-GL) style, and its default output format."""

    entry: StyleEntry
    document: dict[str, Any]
    version: str
    classic: bool = False
    default_format: str = "png"

    @classmethod
    def load(cls, entry: StyleEntry) -> StyleInfo:
        raw = Path(entry.path).read_bytes()
        doc = json.loads(raw)
        version = hashlib.sha256(raw).hexdigest()[:16]
        if not isinstance(doc, dict) or doc.get("version") != 8:
            # Version 8 is the GL style format; anything else is a Studio Classic-era document.
            return cls(entry, doc if isinstance(doc, dict) else {}, version, classic=True)
        return cls(entry, doc, version, default_format=default_format(doc))


def default_format(doc: dict[str, Any]) -> str:
    """PNG for styles with vector layers, JPEG for raster-only styles (the spec's rule)."""
    sources = doc.get("sources") or {}
    kinds = {(sources.get(layer.get("source")) or {}).get("type") for layer in doc.get("layers", [])
             if isinstance(layer, dict) and layer.get("source")}
    return "jpeg" if kinds and kinds <= _RASTER_SOURCES else "png"


@dataclass
class PreparedRequest:
    job: RenderJob
    media_type: str
    cache_key: str


def request_key(info: StyleInfo, raw_path: str, query: list[tuple[str, str]]) -> str:
    """A strong validator for the response: the request (less its token) and the style's version."""
    kept = sorted((k, v) for k, v in query if k != "access_token")
    text = json.dumps([info.entry.key, info.version, raw_path, kept])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def prepare_static(info: StyleInfo, raw_rest: str, query: dict[str, list[str]], cache_key: str) -> PreparedRequest:
    """Check a static image request (``raw_rest`` is the raw path after ``/static/``)."""
    parsed = parse_static_path(raw_rest)
    if parsed is None:
        raise ApiError(404, "Not Found")
    size = parsed.size
    fmt = size.fmt or (parse_format(q) if (q := _first(query, "format")) is not None else info.default_format)
    for flag in ("attribution", "logo"):
        # Accepted and checked; glrender draws neither a watermark nor a logo.
        if (value := _first(query, flag)) is not None:
            parse_bool(flag, value)
    edit = parse_style_edit(info.document, query.get("addlayer", []), query.get("setfilter", []),
                            query.get("layer_id", []), query.get("before_layer", []))
    overlays = parse_overlays(parsed.overlay) if parsed.overlay else Overlays()
    pad_text = _first(query, "padding")
    position = parsed.position
    if pad_text is not None and isinstance(position, Position):
        raise ApiError(422, PADDING_WITHOUT_FIT)
    padding = parse_padding(pad_text, size) if pad_text is not None else default_padding(size)
    if position is AUTO:
        camera = _auto_camera(overlays, edit, size.width, size.height, padding)
    elif isinstance(position, BBox):
        lon, lat, zoom = fit_bounds(position.west, position.south, position.east, position.north,
                                    size.width, size.height, padding)
        camera = {"center": (lon, lat), "zoom": zoom, "bearing": 0.0, "pitch": 0.0}
    else:
        assert isinstance(position, Position)
        camera = {"center": (position.lon, position.lat), "zoom": position.zoom, "bearing": position.bearing,
                  "pitch": position.pitch}
    camera.update(width=size.width, height=size.height, scale=size.scale)
    art = tuple(ShapeArt(item.features) if isinstance(item, Shapes)
                else MarkerArt(item.kind, item.lon, item.lat, item.label, item.color, url=item.url)
                for item in overlays.items)
    job = RenderJob(style_key=info.entry.key, camera=camera, fmt=fmt, edit=edit, overlays=art)
    return PreparedRequest(job=job, media_type=MEDIA_TYPES[fmt], cache_key=cache_key)


def _auto_camera(overlays: Overlays, edit: StyleEdit, width: int, height: int, padding: Padding) -> dict[str, Any]:
    if not overlays.items and overlays.geojson_count == 0:
        raise ApiError(422, AUTO_NEEDS_OVERLAY if edit.changes_style else AUTO_NEEDS_SOMETHING)
    coords = overlays.coordinates()
    if not coords:
        raise ApiError(422, NO_FEATURES)
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    lon, lat, zoom = fit_bounds(min(lons), min(lats), max(lons), max(lats), width, height, padding)
    return {"center": (lon, lat), "zoom": zoom, "bearing": 0.0, "pitch": 0.0}


def prepare_tile(info: StyleInfo, raw_rest: str, query: dict[str, list[str]], cache_key: str,
                 margin: int = 0) -> PreparedRequest:
    """``[{tilesize}/]{z}/{x}/{y}[@2x][.ext]`` of the Static Tiles API (512 px tiles unless 256 is asked).

    With ``margin`` the tile is drawn with that many CSS px around it, which are cut off again: labels
    anchored in the neighbouring tiles are then placed here too, so they are not cut at the seam."""
    parts = raw_rest.split("/")
    if len(parts) == 3:
        parts.insert(0, "512")
    if len(parts) != 4:
        raise ApiError(404, "Not Found")
    tilesize, z_text, x_text, last = parts
    scale = 1
    ext = None
    if "." in last:
        last, ext = last.split(".", 1)
    if last.endswith("@2x"):
        last, scale = last[:-3], 2
    if tilesize not in ("256", "512"):
        raise ApiError(422, "Tile size must be 256 or 512.")
    if not all(t.isascii() and t.isdecimal() and len(t) < 9 for t in (z_text, x_text, last)):
        raise ApiError(422, "Tile coordinates must be whole numbers.")
    z, x, y = int(z_text), int(x_text), int(last)
    if z > MAX_ZOOM:
        raise ApiError(422, "Zoom level must be between 0-20.")
    if x >= 2**z or y >= 2**z:
        raise ApiError(422, f"Tile {z}/{x}/{y} is outside the {2**z}x{2**z} grid of zoom {z}.")
    fmt = parse_format(ext) if ext else (parse_format(q) if (q := _first(query, "format")) else info.default_format)
    n = 2.0**z
    lon = (x + 0.5) / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    camera: dict[str, Any]
    crop = 0
    if tilesize == "512":
        camera = {"zoom": float(z), "width": 512 + 2 * margin, "height": 512 + 2 * margin, "scale": scale}
        crop = margin * scale
    elif z > 0:
        camera = {"zoom": z - 1.0, "width": 256 + 2 * margin, "height": 256 + 2 * margin, "scale": scale}
        crop = margin * scale
    else:
        # A 256 px tile of zoom 0 is the world at map zoom -1: draw zoom 0 at half the pixel density
        # (the whole world: no neighbours to take labels from).
        camera = {"zoom": 0.0, "width": 512, "height": 512, "scale": scale / 2}
    camera.update(center=(lon, lat), bearing=0.0, pitch=0.0)
    job = RenderJob(style_key=info.entry.key, camera=camera, fmt=fmt, crop=crop)
    return PreparedRequest(job=job, media_type=MEDIA_TYPES[fmt], cache_key=cache_key)
