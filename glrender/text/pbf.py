"""Decode SDF glyph ranges in the PBF format of MapLibre's ``glyphs`` URLs (256 code points each).

The message is ``glyphs { stacks { name, range, glyphs { id, bitmap, width, height, left, top,
advance } } }``; every bitmap carries a 3-pixel SDF border around the glyph's ``width x height`` box.
"""

from __future__ import annotations

import numpy as np

from glrender._record import record
from glrender.errors import GlrenderError

BORDER = 3  # SDF border around each glyph bitmap, in pixels (at 24 px per em)


@record(frozen=True, slots=True)
class Glyph:
    """One glyph's metrics (pixels at a 24 px em) and its SDF bitmap (height+6, width+6), uint8."""

    id: int
    width: int
    height: int
    left: float
    top: float
    advance: float
    bitmap: np.ndarray | None


class GlyphDecodeError(GlrenderError):
    pass


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise GlyphDecodeError("truncated varint in glyph PBF")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise GlyphDecodeError("varint too long in glyph PBF")


def _skip(buf: bytes, pos: int, end: int, wt: int) -> tuple[int, int, int]:
    """Read a field's value: (value or payload start, payload end or -1, next position)."""
    if wt == 0:
        v, pos = _varint(buf, pos, end)
        return v, -1, pos
    if wt == 2:
        ln, pos = _varint(buf, pos, end)
        if pos + ln > end:
            raise GlyphDecodeError("truncated field in glyph PBF")
        return pos, pos + ln, pos + ln
    if wt == 5:
        return 0, -1, pos + 4
    if wt == 1:
        return 0, -1, pos + 8
    raise GlyphDecodeError(f"unsupported wire type {wt} in glyph PBF")


def _zigzag(v: int) -> int:
    return (v >> 1) ^ -(v & 1)


def _glyph(buf: bytes, pos: int, end: int) -> Glyph | None:
    """The glyph message in ``buf[pos:end]``, its fields read in place (no slices of the buffer).
    Only glyphs a label uses are decoded (GlyphRange), so this is not the hot loop; _messages, which
    walks every glyph of a range, reads one-byte keys and lengths inline."""
    gid = width = height = advance = left = top = 0
    bm_start = bm_end = 0
    seen_id = False
    while pos < end:
        key, pos = _varint(buf, pos, end)
        num, wt = key >> 3, key & 7
        v, stop, pos = _skip(buf, pos, end, wt)
        if wt != 0:
            if num == 2 and wt == 2:
                bm_start, bm_end = v, stop
            continue
        if num == 1:
            if not seen_id:  # the first id counts (GlyphRange reads only that one)
                gid, seen_id = v, True
        elif num == 3:
            width = v
        elif num == 4:
            height = v
        elif num == 5:
            left = _zigzag(v)
        elif num == 6:
            top = _zigzag(v)
        elif num == 7:
            advance = v
    if pos > end:
        raise GlyphDecodeError("truncated field in glyph PBF")
    bm: np.ndarray | None = None
    if width > 0 and height > 0:
        w, h = width + 2 * BORDER, height + 2 * BORDER
        if bm_end - bm_start < w * h:
            return None  # malformed: skip this glyph, keep the rest of the range
        bm = np.frombuffer(buf, dtype=np.uint8, count=w * h, offset=bm_start).reshape(h, w)
    return Glyph(gid, width, height, float(left), float(top), float(advance), bm)


def _messages(buf: bytes, pos: int, end: int, want: int) -> list[tuple[int, int]]:
    """(start, end) of every length-delimited field ``want`` in ``buf[pos:end]``."""
    out: list[tuple[int, int]] = []
    append = out.append
    while pos < end:
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint(buf, pos, end)
        if key & 7 == 2:  # length-delimited, the common case: read the length inline
            ln = buf[pos] if pos < end else 0x80
            if ln < 0x80:
                pos += 1
            else:
                ln, pos = _varint(buf, pos, end)
            stop = pos + ln
            if stop > end:
                raise GlyphDecodeError("truncated field in glyph PBF")
            if key >> 3 == want:
                append((pos, stop))
            pos = stop
        else:
            _v, _stop, pos = _skip(buf, pos, end, key & 7)
    if pos > end:
        raise GlyphDecodeError("truncated field in glyph PBF")
    return out


def decode_glyphs(data: bytes) -> dict[int, Glyph]:
    """All glyphs of a range file by code point (the first stack wins on duplicates)."""
    buf = bytes(data)  # bitmaps are views into it: it must not change
    out: dict[int, Glyph] = {}
    for s0, s1 in _messages(buf, 0, len(buf), 1):
        for g0, g1 in _messages(buf, s0, s1, 3):
            glyph = _glyph(buf, g0, g1)
            if glyph is not None and glyph.id not in out:
                out[glyph.id] = glyph
    return out


class GlyphRange:
    """A range file's glyphs, decoded one at a time when first asked for.

    Labels use a few dozen of a range's 256 glyphs, so only each glyph's id is read up front (the
    structure is checked then too); its metrics and bitmap are read on first ``get``. A glyph whose
    own fields turn out to be broken is missing, like one with a short bitmap.
    """

    def __init__(self, data: bytes) -> None:
        self._buf = buf = bytes(data)
        self._where: dict[int, tuple[int, int]] = {}
        self._done: dict[int, Glyph | None] = {}
        for s0, s1 in _messages(buf, 0, len(buf), 1):
            for g0, g1 in _messages(buf, s0, s1, 3):
                gid = _glyph_id(buf, g0, g1)
                if gid is not None and gid not in self._where:  # the first stack wins
                    self._where[gid] = (g0, g1)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, cp: object) -> bool:
        return cp in self._where

    def get(self, cp: int) -> Glyph | None:
        try:
            return self._done[cp]
        except KeyError:
            pass
        where = self._where.get(cp)
        g: Glyph | None = None
        if where is not None:
            try:
                g = _glyph(self._buf, *where)
            except GlyphDecodeError:
                g = None
        self._done[cp] = g
        return g


def _glyph_id(buf: bytes, pos: int, end: int) -> int | None:
    """Field 1 (id) of the glyph message in ``buf[pos:end]`` (the first one, as in _glyph), or None.
    Glyph writers put the id first; reading just that is what makes the scan cheap."""
    if pos + 1 < end and buf[pos] == 0x08 and buf[pos + 1] < 0x80:
        return buf[pos + 1]
    if pos + 2 < end and buf[pos] == 0x08 and buf[pos + 2] < 0x80:
        return (buf[pos + 1] & 0x7F) | (buf[pos + 2] << 7)
    while pos < end:
        key, pos = _varint(buf, pos, end)
        v, _stop, pos = _skip(buf, pos, end, key & 7)
        if key == 0x08:
            return v
    return None
