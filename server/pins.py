"""Marker art: ``pin-s``/``pin-m``/``pin-l`` bodies with a letter, number or Maki icon, drawn at the
output's device scale (so @2x pins are drawn at twice the resolution, not upscaled), and the straight-
alpha compositing of markers onto a rendered image at projected pixel positions.

Pins are composited into the overlay stack in URL order (layering.py), at the position the camera
projects their coordinate to, so they follow bearing and pitch but stay upright, like Mapbox's markers.
The Maki icons (CC0) live in server/maki/.
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from server.raster import fill_coverage, path_polygons

MAKI_DIR = Path(__file__).parent / "maki" / "icons"
# CSS-pixel size (width, height) of each pin body, tip at the bottom centre.
PIN_SIZES = {"pin-s": (20, 28), "pin-m": (28, 38), "pin-l": (36, 48)}
ICON_PX = {"pin-s": 10, "pin-m": 13, "pin-l": 16}
TEXT_PX = {"pin-s": 11, "pin-m": 14, "pin-l": 17}
_D_ATTR = re.compile(r'\sd="([^"]+)"')


@lru_cache(maxsize=1)
def maki_names() -> frozenset[str]:
    return frozenset(p.stem for p in MAKI_DIR.glob("*.svg"))


@lru_cache(maxsize=256)
def _maki_polygons(name: str) -> tuple[np.ndarray, ...]:
    text = (MAKI_DIR / f"{name}.svg").read_text(encoding="utf-8")
    polys: list[np.ndarray] = []
    for d in _D_ATTR.findall(text):
        # A few files wrap their path data with XML character references for newline and tab.
        polys.extend(path_polygons(html.unescape(d)))
    return tuple(polys)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _body_polygon(w: float, h: float, inset: float) -> np.ndarray:
    """A round head of diameter ``w`` tapering to a tip at (w/2, h), shrunk by ``inset``."""
    r = w / 2 - inset
    cx, cy = w / 2, w / 2
    tip_y = h - (inset - 0.5) * 1.6  # the outer outline ends exactly at the bottom edge
    dist = tip_y - cy
    beta = math.acos(min(1.0, r / dist))  # angle at the centre between the tip direction and a tangent point
    angles = np.linspace(math.pi / 2 + beta, 2.5 * math.pi - beta, 48)
    arc = np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)])
    return np.vstack([arc, [[cx, tip_y]]])


@lru_cache(maxsize=512)
def pin_image(kind: str, label: str | None, color: str, scale: float) -> np.ndarray:
    """RGBA (straight alpha) of a pin at ``scale``; its tip is the bottom-centre pixel."""
    w_css, h_css = PIN_SIZES[kind]
    w, h = math.ceil(w_css * scale), math.ceil(h_css * scale)
    rgb = np.array(_hex_rgb(color), dtype=np.float32)
    outline = rgb * 0.7
    outer = fill_coverage([_body_polygon(w_css, h_css, 0.5)], w, h, (scale, 0, 0))
    inner = fill_coverage([_body_polygon(w_css, h_css, 0.5 + 1.0)], w, h, (scale, 0, 0))
    colors = outline[None, None, :] * (1 - inner[..., None]) + rgb[None, None, :] * inner[..., None]
    alpha = outer
    if label:
        # Light pins get a dark label, dark pins a white one (relative luminance of the pin colour).
        lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255
        ink = np.array((51, 51, 51) if lum > 0.6 else (255, 255, 255), dtype=np.float32)
        mask = _label_mask(kind, label, scale, w, h)
        colors = colors * (1 - mask[..., None]) + ink[None, None, :] * mask[..., None]
    out = np.dstack([colors, alpha * 255]).round().clip(0, 255).astype(np.uint8)
    out.flags.writeable = False  # shared through the cache
    return out


def _label_mask(kind: str, label: str, scale: float, w: int, h: int) -> np.ndarray:
    w_css = PIN_SIZES[kind][0]
    centre = (w_css / 2 * scale, w_css / 2 * scale)
    if label in maki_names():
        size = ICON_PX[kind] * scale
        s = size / 15.0  # Maki icons are drawn on a 15x15 grid
        return fill_coverage(list(_maki_polygons(label)), w, h,
                             (s, centre[0] - 7.5 * s, centre[1] - 7.5 * s))
    img = Image.new("L", (w, h), 0)
    font = ImageFont.load_default(size=max(6, round(TEXT_PX[kind] * scale)))
    ImageDraw.Draw(img).text(centre, label.upper(), fill=255, font=font, anchor="mm")
    return np.asarray(img, dtype=np.float32) / 255


def composite(base: np.ndarray, sprite: np.ndarray, x: float, y: float) -> None:
    """Draw ``sprite`` (straight-alpha RGBA) over ``base`` (same, modified in place) with its top-left
    corner at device pixel (x, y), rounded to whole pixels so the art stays crisp."""
    x0, y0 = int(round(x)), int(round(y))
    h, w = sprite.shape[:2]
    bh, bw = base.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    sx1, sy1 = min(w, bw - x0), min(h, bh - y0)
    if sx0 >= sx1 or sy0 >= sy1:
        return
    src = sprite[sy0:sy1, sx0:sx1].astype(np.float32) / 255
    region = base[y0 + sy0:y0 + sy1, x0 + sx0:x0 + sx1]
    dst = region.astype(np.float32) / 255
    sa, da = src[..., 3:4], dst[..., 3:4]
    out_a = sa + da * (1 - sa)
    with np.errstate(invalid="ignore", divide="ignore"):
        out_rgb = np.where(out_a > 0, (src[..., :3] * sa + dst[..., :3] * da * (1 - sa)) / out_a, 0)
    region[...] = (np.dstack([out_rgb, out_a]) * 255).round().clip(0, 255).astype(np.uint8)


def composite_layer(base: np.ndarray, layer: np.ndarray) -> None:
    """``layer`` over ``base``, both full-size straight-alpha RGBA (``base`` modified in place)."""
    composite(base, layer, 0, 0)
