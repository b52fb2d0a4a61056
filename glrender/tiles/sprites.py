"""Sprite sheets: the style's ``sprite`` (one URL prefix, or an array of ``{id, url}``) to named images.

A sprite is a pair ``<prefix>.json`` (name -> rectangle and metadata) and ``<prefix>.png`` (the sheet).
With a pixel ratio above 1 MapLibre asks for ``<prefix>@2x.json/png`` (GL JS tests ``devicePixelRatio >
1``); we do the same and fall back to the 1x files when the @2x pair is missing, so a style that ships only
one resolution still draws. In an array, images are named ``id:name`` except those of the ``default`` id.

A missing or broken sprite is never an error (DESIGN.md section 3): it logs a warning and gives an empty
atlas, so layers that use its images simply draw without them.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.errors import SourceError
from glrender.tiles.urls import fetch_bytes, is_http, resolve_url

log = logging.getLogger("glrender.sprites")

SPRITE_TIMEOUT = 10.0
_Stretch = tuple[tuple[float, float], ...]


@record(frozen=True, eq=False)
class SpriteImage:
    """One sprite image: straight-alpha RGBA pixels plus the metadata of its sprite JSON entry.

    ``pixel_ratio`` is the image's own ratio (pixels per CSS pixel): a 2x image of 40 px is 20 CSS px.
    """

    name: str
    rgba: np.ndarray  # (h, w, 4) uint8, straight alpha
    pixel_ratio: float = 1.0
    sdf: bool = False
    stretch_x: _Stretch | None = None
    stretch_y: _Stretch | None = None
    content: tuple[float, float, float, float] | None = None
    text_fit_width: str | None = None
    text_fit_height: str | None = None

    @property
    def width(self) -> int:
        return int(self.rgba.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgba.shape[0])


@record
class SpriteAtlas:
    """All images of a style's sprite(s), by name (``id:name`` for non-default entries of an array)."""

    images: dict[str, SpriteImage] = field(default_factory=dict)

    def get(self, name: str) -> SpriteImage | None:
        return self.images.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.images

    def __len__(self) -> int:
        return len(self.images)


def load_sprites(
    sprite: str | list[dict[str, Any]] | None, *, base_dir: str | None, pixel_ratio: float = 1.0
) -> SpriteAtlas:
    """Load the style's ``sprite`` value. Never raises for missing or unreadable sprites."""
    atlas = SpriteAtlas()
    if not sprite:
        return atlas
    entries: list[tuple[str, str]] = []
    if isinstance(sprite, str):
        entries.append(("default", sprite))
    elif isinstance(sprite, list):
        for item in sprite:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str) and isinstance(item.get("url"), str):
                entries.append((item["id"], item["url"]))
            else:
                log.warning("sprite entry %r ignored: {id, url} expected", item)
    else:
        log.warning("sprite %r ignored: string or array expected", sprite)
    for sid, url in entries:
        prefix = "" if sid == "default" else f"{sid}:"
        for name, img in _load_one(url, base_dir, pixel_ratio).items():
            atlas.images[prefix + name] = img
    return atlas


def sprite_file_url(url: str, suffix: str) -> str:
    """``prefix`` + ``suffix`` (e.g. ``@2x.json``), inserted before a query string as MapLibre does."""
    if is_http(url):
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(parts._replace(path=parts.path + suffix))
    return url + suffix


def _load_one(url: str, base_dir: str | None, pixel_ratio: float) -> dict[str, SpriteImage]:
    ratios = ["@2x", ""] if pixel_ratio > 1 else [""]
    for ratio in ratios:
        try:
            json_url = resolve_url(sprite_file_url(url, f"{ratio}.json"), base_dir)
            png_url = resolve_url(sprite_file_url(url, f"{ratio}.png"), base_dir)
        except SourceError as exc:
            log.warning("sprite %r: %s", url, exc)
            return {}
        meta_bytes = fetch_bytes(json_url, timeout=SPRITE_TIMEOUT, what="sprite json")
        png_bytes = fetch_bytes(png_url, timeout=SPRITE_TIMEOUT, what="sprite png") if meta_bytes else None
        if meta_bytes is None or png_bytes is None:
            continue  # try the 1x pair
        try:
            return parse_sprite(meta_bytes, png_bytes)
        except (ValueError, OSError, TypeError, KeyError) as exc:
            log.warning("sprite %s unreadable: %s", json_url, exc)
            return {}
    log.warning("sprite %r not found", url)
    return {}


def decode_png_rgba(data: bytes) -> np.ndarray:
    """PNG (or any Pillow format) bytes to a straight-alpha (h, w, 4) uint8 array."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        # Sheets are PNG: its plugin alone, since Image.open first imports every common format's
        # plugin (about a third of a cold render's sprite cost)
        from PIL import PngImagePlugin

        try:
            with PngImagePlugin.PngImageFile(io.BytesIO(data)) as png:
                return np.asarray(png.convert("RGBA"), dtype=np.uint8).copy()
        except SyntaxError as exc:  # the plugin's word for a broken file (Image.open makes it OSError)
            raise OSError(f"broken PNG: {exc}") from None
    from PIL import Image  # lazily: only styles with sprites pay for the import

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()


def parse_sprite(meta_bytes: bytes, png_bytes: bytes) -> dict[str, SpriteImage]:
    """Cut a sheet into images following its JSON index. Entries outside the sheet are skipped."""
    meta = json.loads(meta_bytes)
    if not isinstance(meta, dict):
        raise ValueError(f"sprite json must be an object, found {type(meta).__name__}")
    sheet = decode_png_rgba(png_bytes)
    sh, sw = sheet.shape[:2]
    out: dict[str, SpriteImage] = {}
    for name, e in meta.items():
        if not isinstance(e, dict):
            continue
        try:
            x, y, w, h = (int(e[k]) for k in ("x", "y", "width", "height"))
        except (KeyError, TypeError, ValueError):
            log.warning("sprite image %r has no valid rectangle", name)
            continue
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > sw or y + h > sh:
            log.warning("sprite image %r (%d,%d %dx%d) lies outside the %dx%d sheet", name, x, y, w, h, sw, sh)
            continue
        out[name] = SpriteImage(
            name=name,
            rgba=sheet[y : y + h, x : x + w].copy(),
            pixel_ratio=float(e.get("pixelRatio", 1) or 1),
            sdf=bool(e.get("sdf", False)),
            stretch_x=_stretch(e.get("stretchX")),
            stretch_y=_stretch(e.get("stretchY")),
            content=_content(e.get("content")),
            text_fit_width=e.get("textFitWidth") if isinstance(e.get("textFitWidth"), str) else None,
            text_fit_height=e.get("textFitHeight") if isinstance(e.get("textFitHeight"), str) else None,
        )
    return out


def _stretch(v: Any) -> _Stretch | None:
    if not isinstance(v, list):
        return None
    try:
        return tuple((float(a), float(b)) for a, b in v)
    except (TypeError, ValueError):
        return None


def _content(v: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(v, list) or len(v) != 4:
        return None
    try:
        a, b, c, d = (float(x) for x in v)
    except (TypeError, ValueError):
        return None
    return (a, b, c, d)
