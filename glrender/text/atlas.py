"""A growing single-channel atlas for SDF glyphs (and SDF-free images later): simple shelf packing.

Entries are never removed, so positions stay valid across renders and the GPU copy is re-uploaded
only when ``version`` changes.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

PADDING = 1  # empty pixels around every entry so linear filtering never reads a neighbour


class Atlas:
    def __init__(self, width: int = 1024, height: int = 256, channels: int = 1) -> None:
        self.width = width
        self.channels = channels
        self.data = np.zeros((height, width, channels) if channels > 1 else (height, width), np.uint8)
        self.version = 0
        self._pos: dict[Hashable, tuple[int, int, int, int]] = {}
        self._shelves: list[list[int]] = []  # [y, height, next free x]

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    def get(self, key: Hashable) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of an entry INCLUDING its padding."""
        return self._pos.get(key)

    def add(self, key: Hashable, image: np.ndarray) -> tuple[int, int, int, int]:
        hit = self._pos.get(key)
        if hit is not None:
            return hit
        h, w = image.shape[:2]
        pw, ph = w + 2 * PADDING, h + 2 * PADDING
        x, y = self._place(pw, ph)
        self.data[y + PADDING:y + PADDING + h, x + PADDING:x + PADDING + w] = image
        rect = (x, y, pw, ph)
        self._pos[key] = rect
        self.version += 1
        return rect

    def _place(self, w: int, h: int) -> tuple[int, int]:
        if w > self.width:
            self._grow_width(w)
        for shelf in self._shelves:
            if shelf[1] >= h and shelf[1] <= h + 8 and shelf[2] + w <= self.width:
                x = shelf[2]
                shelf[2] += w
                return x, shelf[0]
        y = self._shelves[-1][0] + self._shelves[-1][1] if self._shelves else 0
        while y + h > self.height:
            self._grow_height()
        self._shelves.append([y, h, w])
        return 0, y

    def _grow_height(self) -> None:
        extra = np.zeros_like(self.data)
        self.data = np.concatenate([self.data, extra], axis=0)

    def _grow_width(self, w: int) -> None:
        new_w = max(self.width * 2, w)
        pad = [(0, 0), (0, new_w - self.width)] + ([(0, 0)] if self.channels > 1 else [])
        self.data = np.pad(self.data, pad)
        self.width = new_w
