"""Dash patterns as signed-distance rows (pure numpy), following MapLibre's LineAtlas.

Every dash array gets one row (or 2n+1 rows for round caps, n = 7) of a 256-texel wide single-channel
texture. A texel holds the signed distance to the nearest dash edge in atlas pixels, plus 128: the
fragment shader thresholds it at 0.5 with a smoothstep whose width follows the line's floored width,
which is how MapLibre antialiases dashes and draws round dash ends. The rows of a round-cap entry are
slices across the line, so the distance grows towards the line's edges and the dash ends come out as
half discs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender._record import record

WIDTH = 256
HEIGHT = 512  # MapLibre's size; we grow past it instead of dropping dashes (see LineAtlas._add)
MAX_HEIGHT = 16384
ROUND_N = 7


@record(frozen=True)
class DashEntry:
    """Where a dash array lives: its centre row, its height in rows (0 or 2n) and its length in
    line widths (the sum of the array, the period of the pattern)."""

    y: float
    height: float
    length: float


@record
class _Range:
    left: float
    right: float
    dash: bool
    zero: bool


class LineAtlas:
    """Rows of dash patterns, added on demand and kept for the life of the atlas.

    ``version`` changes when rows are written (re-upload the texture); ``epoch`` changes when the atlas
    was cleared because it reached MAX_HEIGHT, so per-vertex row numbers computed before are stale.
    """

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, max_height: int = MAX_HEIGHT) -> None:
        self.width = width
        self.max_height = max(height, max_height)
        self.data = np.zeros((height, width), np.uint8)
        self.next_row = 0
        self.version = 0
        self.epoch = 0
        self._entries: dict[tuple[tuple[float, ...], bool], DashEntry] = {}

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    def get_dash(self, dasharray: Sequence[float], round_cap: bool) -> DashEntry:
        key = (tuple(float(v) for v in dasharray), bool(round_cap))
        entry = self._entries.get(key)
        if entry is None:
            entry = self._add(list(key[0]), key[1])
            self._entries[key] = entry
        return entry

    def _add(self, dasharray: list[float], round_cap: bool) -> DashEntry:
        n = ROUND_N if round_cap else 0
        rows = 2 * n + 1
        if self.next_row + rows > self.height:
            # MapLibre gives up when its 512 rows are full; a long-lived renderer grows the texture
            # instead, and only starts over (a new epoch) at a size no style reasonably reaches.
            if self.next_row + rows > self.max_height:
                self.data[:] = 0
                self.next_row = 0
                self.epoch += 1
                self._entries.clear()
            else:
                grown = np.zeros((min(self.height * 2, self.max_height), self.width), np.uint8)
                grown[: self.height] = self.data
                self.data = grown
        length = float(sum(dasharray))
        if length > 0:
            stretch = self.width / length
            ranges = dash_ranges(dasharray, stretch)
            if round_cap:
                block = round_rows(ranges, stretch, n, self.width)
            else:
                block = regular_row(ranges, self.width)[None, :]
            self.data[self.next_row : self.next_row + rows] = block
        entry = DashEntry(float(self.next_row + n), float(2 * n), length)
        self.next_row += rows
        self.version += 1
        return entry


def cross_fade_zooms(zoom: float) -> tuple[float, float]:
    """(to, from) zooms of a cross-faded property for a camera that arrived at ``zoom`` directly."""
    z = float(math.floor(zoom))
    # MapLibre's zoom history starts at floor(zoom): a fractional zoom came from below, else from above.
    return z, (z - 1.0 if zoom > z else z + 1.0)


def usable(dasharray: Any) -> list[float] | None:
    """A dash array as floats, or None when it draws no dashes (unset, empty, not numbers, zero sum)."""
    try:
        vals = [max(0.0, float(v)) for v in dasharray]
    except (TypeError, ValueError):
        return None
    return vals if vals and sum(vals) > 0 else None


def dash_value(atlas: LineAtlas, to: Any, from_: Any, round_cap: bool) -> tuple[float, float, float, float]:
    """The shader's ``dash`` vec4 for one feature: the "to" array's row, its height and length, and the
    shorter of the two cross-faded lengths (MapLibre's sdfgamma uses min(from.w, to.w)). A feature
    without a usable array gets a solid pattern (one dash as long as the period)."""
    to_vals = usable(to) or [1.0]
    entry = atlas.get_dash(to_vals, round_cap)
    from_vals = usable(from_)
    from_len = float(sum(from_vals)) if from_vals else entry.length
    return entry.y, entry.height, entry.length, min(entry.length, from_len)


def dash_ranges(dasharray: Sequence[float], stretch: float) -> list[_Range]:
    """Dash and gap parts in atlas pixels; an odd array starts with its last part (two dashes meet)."""
    odd = len(dasharray) % 2 == 1
    left = -dasharray[-1] * stretch if odd else 0.0
    ranges = [_Range(left, dasharray[0] * stretch, True, dasharray[0] == 0)]
    total = dasharray[0]
    is_dash = True
    for d in dasharray[1:]:
        is_dash = not is_dash
        left = total * stretch
        total += d
        ranges.append(_Range(left, total * stretch, is_dash, d == 0))
    return ranges


def _range_per_x(ranges: list[_Range], width: int) -> np.ndarray:
    """The part each texel column measures against. As in MapLibre the walk advances at most one part
    per column (once x / right > 1: x / 0 is infinite for x > 0, never past a negative right), so a
    zero-length dot still gets a column of its own."""
    idx = np.zeros(width, np.int64)
    cur = 0
    for x in range(width):
        right = ranges[cur].right
        past = x > right if right > 0 else (x > 0 and right == 0)
        if past and cur < len(ranges) - 1:
            cur += 1
        idx[x] = cur
    return idx


def _distances(ranges: list[_Range], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column: distance to the nearer edge of its part, and whether that part is a dash."""
    idx = _range_per_x(ranges, width)
    x = np.arange(width, dtype=np.float64)
    left = np.array([r.left for r in ranges])[idx]
    right = np.array([r.right for r in ranges])[idx]
    dash = np.array([r.dash for r in ranges])[idx]
    return np.minimum(np.abs(x - left), np.abs(x - right)), dash


def _to_bytes(signed: np.ndarray) -> np.ndarray:
    # Uint8Array assignment in MapLibre truncates towards zero after clamping.
    return np.clip(signed + 128, 0, 255).astype(np.uint8)


def regular_row(ranges: list[_Range], width: int) -> np.ndarray:
    parts = [_Range(r.left, r.right, r.dash, r.zero) for r in ranges]
    # Drop zero-length parts and merge neighbours of the same kind (walking backwards, as MapLibre).
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if part.zero:
            del parts[i]
        elif nxt is not None and nxt.dash == part.dash:
            nxt.left = part.left
            del parts[i]
    if not parts:
        return np.full(width, 128, np.uint8)
    first, last = parts[0], parts[-1]
    if first.dash == last.dash:
        # The pattern repeats: the first and last parts are one part across the seam.
        first.left = last.left - width
        last.right = first.right + width
    d, dash = _distances(parts, width)
    return _to_bytes(np.where(dash, d, -d))


def round_rows(ranges: list[_Range], stretch: float, n: int, width: int) -> np.ndarray:
    """2n+1 rows across the line: distances to a dash drawn with half-disc ends of the line's width
    (one line width is ``stretch`` atlas pixels)."""
    half = stretch / 2
    d, dash = _distances(ranges, width)
    out = np.zeros((2 * n + 1, width), np.uint8)
    for k, y in enumerate(range(-n, n + 1)):
        mid = y / n * (half + 1)
        edge = half - abs(mid)
        inside = np.sqrt(d * d + edge * edge)
        outside = half - np.sqrt(d * d + mid * mid)
        out[k] = _to_bytes(np.where(dash, inside, outside))
    return out
