"""Pattern images for ``*-pattern`` properties: an atlas of sprite images and MapLibre's pattern math.

Pure numpy (no GL): the draw modules upload :attr:`PatternAtlas.data` when :attr:`PatternAtlas.version`
changes. Each image is packed with a one-pixel border copied from the opposite edge, so linear filtering
at a tile edge blends with the pattern's next repetition instead of its neighbour in the atlas (MapLibre
pads its pattern atlas the same way).

Patterns are anchored to world pixels at the integer ("tile") zoom, as MapLibre does: a pattern keeps its
place when the map pans, and between integer zooms it scales with the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.geo.camera import Camera, TileID

PAD = 1
_MAX_SIDE = 8192


class PatternAtlas:
    """Sprite images packed on shelves; positions never move once given (the atlas only grows)."""

    def __init__(self, sprites: Any, width: int = 512) -> None:
        self.sprites = sprites
        self.width = width
        self.data = np.zeros((0, width, 4), np.uint8)  # straight alpha
        self.version = 0
        self._pos: dict[str, tuple[float, float, float, float, float] | None] = {}
        self._shelf_x = 0
        self._shelf_y = 0
        self._shelf_h = 0

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the texture: at least 1 px high so an empty atlas still uploads."""
        return self.width, max(1, self.data.shape[0])

    def position(self, name: Any) -> tuple[float, float, float, float, float] | None:
        """(tl_x, tl_y, br_x, br_y, pixel_ratio) of an image in atlas pixels; None when it is missing."""
        key = _image_name(name)
        if key is None:
            return None
        if key in self._pos:
            return self._pos[key]
        img = self.sprites.get(key) if self.sprites is not None else None
        pos = None if img is None else self._add(img.rgba, float(img.pixel_ratio))
        self._pos[key] = pos
        return pos

    def _add(self, rgba: np.ndarray, pixel_ratio: float) -> tuple[float, float, float, float, float] | None:
        h, w = rgba.shape[:2]
        pw, ph = w + 2 * PAD, h + 2 * PAD
        if pw > _MAX_SIDE or ph > _MAX_SIDE or w == 0 or h == 0:
            return None
        if pw > self.width:
            self._widen(pw)
        if self._shelf_x + pw > self.width:
            self._shelf_y += self._shelf_h
            self._shelf_x = 0
            self._shelf_h = 0
        x, y = self._shelf_x, self._shelf_y
        self._shelf_x += pw
        self._shelf_h = max(self._shelf_h, ph)
        need = y + ph
        if need > self.data.shape[0]:
            rows = max(need, 2 * self.data.shape[0])
            grown = np.zeros((rows, self.width, 4), np.uint8)
            grown[: self.data.shape[0]] = self.data
            self.data = grown
        self.data[y : y + ph, x : x + pw] = wrap_pad(rgba, PAD)
        self.version += 1
        return (float(x + PAD), float(y + PAD), float(x + PAD + w), float(y + PAD + h), pixel_ratio)

    def _widen(self, width: int) -> None:
        # Widening keeps every existing position: columns are only appended on the right.
        new_w = 1 << (width - 1).bit_length()
        grown = np.zeros((self.data.shape[0], new_w, 4), np.uint8)
        grown[:, : self.width] = self.data
        self.data = grown
        self.width = new_w


def wrap_pad(rgba: np.ndarray, pad: int) -> np.ndarray:
    """The image with a border of ``pad`` pixels taken from the opposite edges (a repeating tile)."""
    return np.pad(rgba, ((pad, pad), (pad, pad), (0, 0)), mode="wrap")


def _image_name(value: Any) -> str | None:
    name = getattr(value, "name", value)
    if isinstance(name, str) and name:
        return name
    return None


def premultiply(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.uint16)
    out = rgba.copy()
    out[..., :3] = ((rgba[..., :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)
    return out


def tile_zoom(camera: Camera) -> int:
    """MapLibre's ``transform.tileZoom``: the integer zoom patterns are measured at."""
    return max(0, int(math.floor(camera.zoom)))


def pattern_tile_uniforms(camera: Camera, tile: TileID, extent: float) -> dict[str, Any]:
    """Where a tile sits in world pixels at the tile zoom, split in 16-bit halves for float precision."""
    tz = tile_zoom(camera)
    tile_px = 512.0 * 2.0 ** (tz - tile.z)  # size of this tile in pixels at the tile zoom
    n = 2**tile.z
    px = int(round(tile_px * (tile.x + tile.wrap * n)))
    py = int(round(tile_px * tile.y))
    return {
        "u_tile_units_to_pixels": tile_px / float(extent),
        "u_pixel_coord_upper": (float(px >> 16), float(py >> 16)),
        "u_pixel_coord_lower": (float(px & 0xFFFF), float(py & 0xFFFF)),
    }


def pattern_values(atlas: PatternAtlas, names: Sequence[Any]) -> np.ndarray:
    """(N, 5) float32 rows (tl_x, tl_y, br_x, br_y, pixel_ratio); zeros (drawn as nothing) when missing."""
    out = np.zeros((len(names), 5), np.float32)
    for i, name in enumerate(names):
        pos = atlas.position(name)
        if pos is not None:
            out[i] = pos
    return out
