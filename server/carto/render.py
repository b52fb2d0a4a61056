"""Draw a static image of a map: layers ─▶ one MapLibre style ─▶ glrender, on one GL thread.

The whole image is drawn in one piece of the camera (the core splits big images into framebuffer
pieces itself). CARTO zoom z is MapLibre zoom z − 1 at the same scale; for z = 0 (MapLibre −1, which
the camera does not allow) the image is drawn at zoom 0 with half-size device pixels and doubled
style sizes, which gives the same picture.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from server.carto.cartocss import parse as parse_css
from server.carto.cartocss.colors import css as css_color
from server.carto.cartocss.colors import named, parse_hex
from server.carto.cartocss.evaluate import at_zoom, evaluate
from server.carto.datasource import Database
from server.carto.errors import CartoError
from server.carto.geometry import View
from server.carto.mapconfig import MapLayer
from server.carto.translate import Collisions, build


def glyphs_url() -> str:
    from server.config import demo_data_dir

    return (demo_data_dir() / "glyphs").resolve().as_uri() + "/{fontstack}/{range}.pbf"


def in_zoom_range(layer: MapLayer, zoom: int) -> bool:
    lo, hi = layer.options.get("minzoom", 0), layer.options.get("maxzoom", 30)
    return (not isinstance(lo, int | float) or zoom >= lo) and (not isinstance(hi, int | float) or zoom <= hi)


def plain_color(value: Any) -> str | None:
    if isinstance(value, str):
        c = parse_hex(value) if value.startswith("#") else named(value)
        return css_color(c) if c is not None else None
    if isinstance(value, list) and len(value) in (3, 4) and all(isinstance(v, int | float) for v in value):
        a = value[3] / 255 if len(value) == 4 else 1.0
        return css_color((value[0], value[1], value[2], a))
    return None


def http_allowed(template: str, allowlist: tuple[str, ...]) -> bool:
    """Hosts (``tiles.example.com``, ``*.example.com``) or folders (``/srv/tiles``) may serve http layers."""
    if template.startswith(("http://", "https://")):
        host = urllib.parse.urlsplit(template.replace("{s}", "a")).hostname or ""
        for entry in allowlist:
            if entry.startswith("*.") and (host.endswith(entry[1:]) or host == entry[2:]):
                return True
            if host == entry:
                return True
        return False
    path = template[7:] if template.startswith("file://") else template
    if not path.startswith("/") or ".." in Path(path).parts:
        return False
    return any(entry.startswith("/") and Path(path).is_relative_to(Path(entry)) for entry in allowlist)


def http_source(opts: dict[str, Any]) -> dict[str, Any]:
    template = str(opts["urlTemplate"])
    subdomains = opts.get("subdomains")
    if subdomains is None:
        subdomains = ["a", "b", "c"] if "{s}" in template else []
    if isinstance(subdomains, str):
        subdomains = list(subdomains)
    # The core picks tiles[(x + y) % n], which is CARTO's abs(x + y) % n subdomain choice.
    tiles = [template.replace("{s}", str(s)) for s in subdomains] if "{s}" in template and subdomains else [template]
    return {"type": "raster", "tiles": tiles, "tileSize": 256, "scheme": "tms" if opts.get("tms") else "xyz",
            "maxzoom": 30}


class StyleBuilder:
    """Builds the MapLibre style of a static view (SQL runs here, so call it off the event loop)."""

    def __init__(self, db: Database, allowlist: tuple[str, ...]) -> None:
        from server.carto.patterns import PatternStore

        self.db = db
        self.allowlist = allowlist
        self._css_cache: dict[str, Any] = {}
        self.patterns = PatternStore(lambda url: http_allowed(url, allowlist))

    def close(self) -> None:
        self.patterns.close()

    def stylesheet(self, text: str) -> Any:
        sheet = self._css_cache.get(text)
        if sheet is None:
            sheet = parse_css(text)
            if len(self._css_cache) > 512:
                self._css_cache.clear()
            self._css_cache[text] = sheet
        return sheet

    def style(self, layers: list[MapLayer], view: View, px: float) -> tuple[dict[str, Any], list[str]]:
        sources: dict[str, Any] = {}
        sprites: list[dict[str, str]] = []
        out: list[dict[str, Any]] = []
        warnings: list[str] = []
        collisions = Collisions()
        background_done = False
        for layer in layers:
            opts = layer.options
            prefix = f"l{layer.index}"
            if layer.type == "plain":
                color = plain_color(opts.get("color"))  # CARTO: color wins over imageUrl
                if color is not None:
                    out.append({"id": prefix, "type": "background", "paint": {"background-color": color}})
                    continue
                sprite = self.patterns.sprite(str(opts.get("imageUrl")))
                if sprite is None:
                    warnings.append(f"plain layer {layer.index}: imageUrl could not be read")
                    continue
                sprites.append({"id": prefix, "url": sprite})
                out.append({"id": prefix, "type": "background", "paint": {"background-pattern": f"{prefix}:pattern"}})
            elif layer.type == "http":
                if not http_allowed(str(opts["urlTemplate"]), self.allowlist):
                    warnings.append(f"http layer {layer.index}: urlTemplate is not on the allowlist")
                    continue
                sources[prefix] = http_source(opts)
                out.append({"id": prefix, "type": "raster", "source": prefix})
            elif layer.type == "mapnik" and in_zoom_range(layer, view.zoom) and "cartocss" in opts:
                sheet = self.stylesheet(opts["cartocss"])
                resolved = at_zoom(sheet, view.zoom, str(opts.get("cartocss_version", "2.3.0")))
                warnings.extend(resolved.warnings)
                if not background_done:
                    bg = _background(sheet)
                    if bg is not None:
                        out.append({"id": f"{prefix}-bg", "type": "background", "paint": {"background-color": bg}})
                        background_done = True
                if not resolved.rules:
                    continue
                geom = str(opts.get("geom_column") or "the_geom_webmercator")
                features = self.db.query(opts["sql"], geom, view.extent())
                built = build(resolved, features, prefix, px, view.project, collisions)
                sources[prefix] = built.source
                out.extend(built.layers)
        style = {"version": 8, "sources": sources, "layers": out, "glyphs": glyphs_url()}
        if sprites:
            style["sprite"] = sprites
        return style, warnings


def _background(sheet: Any) -> str | None:
    value = None
    for prop, expr in sheet.map_decls:
        if prop == "background-color":
            value = evaluate(expr, {}, sheet.variables)
    return css_color(value) if isinstance(value, tuple) else None


def render_kwargs(view: View) -> tuple[dict[str, Any], float]:
    if view.zoom >= 1:
        return {"center": (view.lon, view.lat), "zoom": view.zoom - 1, "width": view.width,
                "height": view.height}, 1.0
    return {"center": (view.lon, view.lat), "zoom": 0, "width": view.width * 2, "height": view.height * 2,
            "scale": 0.5}, 2.0


class RenderThread:
    """The one thread that owns GL: every CARTO render runs here, one at a time."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carto-render")

    def _render(self, style: dict[str, Any], kwargs: dict[str, Any]) -> np.ndarray:
        from glrender.api import Renderer
        from glrender.errors import GlrenderError

        try:
            with Renderer(style) as renderer:
                return renderer.render(**kwargs).array
        except GlrenderError as exc:
            raise CartoError(f"Render failed: {exc}", 400, type="unknown") from None

    async def render(self, style: dict[str, Any], kwargs: dict[str, Any]) -> np.ndarray:
        return await asyncio.wrap_future(self._executor.submit(self._render, style, kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def encode(array: np.ndarray, fmt: str) -> bytes:
    """PNG keeps alpha; JPEG (quality 85) drops it onto black as CARTO's does."""
    from glrender.encode import encode as encode_image

    if fmt == "png":
        return encode_image(array, "png")
    # Composite over black in bands: an 8192² float copy would cost gigabytes.
    for y in range(0, array.shape[0], 512):
        band = array[y:y + 512]
        alpha = band[..., 3:4].astype(np.uint16)
        band[..., :3] = (band[..., :3].astype(np.uint16) * alpha + 127) // 255
        band[..., 3] = 255
    return encode_image(array, "jpeg", quality=85)


_FORMATS = re.compile(r"^(png|jpg)$")


def check_format(fmt: str) -> str:
    if not _FORMATS.match(fmt):
        raise CartoError(f'Unsupported image format "{fmt}"', 400, type="unknown")
    return fmt
