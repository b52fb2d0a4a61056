"""Decode SDF glyph ranges in the PBF format of MapLibre's ``glyphs`` URLs (256 code points each).

The message is ``glyphs { stacks { name, range, glyphs { id, bitmap, width, height, left, top,
advance } } }``; every bitmap carries a 3-pixel SDF border around the glyph's ``width x height`` box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glrender.errors import GlrenderError

BORDER = 3  # SDF border around each glyph bitmap, in pixels (at 24 px per em)


@dataclass(frozen=True, slots=True)
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


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise GlyphDecodeError("truncated varint in glyph PBF")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise GlyphDecodeError("varint too long in glyph PBF")


def _fields(buf: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for every field of one message."""
    out: list[tuple[int, int, int | bytes]] = []
    pos = 0
    n = len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = _varint(buf, pos)
            out.append((num, wt, v))
        elif wt == 2:
            ln, pos = _varint(buf, pos)
            if pos + ln > n:
                raise GlyphDecodeError("truncated field in glyph PBF")
            out.append((num, wt, buf[pos:pos + ln]))
            pos += ln
        elif wt == 5:
            pos += 4
        elif wt == 1:
            pos += 8
        else:
            raise GlyphDecodeError(f"unsupported wire type {wt} in glyph PBF")
    return out


def _zigzag(v: int) -> int:
    return (v >> 1) ^ -(v & 1)


def _glyph(buf: bytes) -> Glyph | None:
    gid = width = height = advance = 0
    left = top = 0
    bitmap = b""
    for num, _wt, v in _fields(buf):
        if num == 1:
            gid = int(v)  # type: ignore[arg-type]
        elif num == 2:
            bitmap = bytes(v)  # type: ignore[arg-type]
        elif num == 3:
            width = int(v)  # type: ignore[arg-type]
        elif num == 4:
            height = int(v)  # type: ignore[arg-type]
        elif num == 5:
            left = _zigzag(int(v))  # type: ignore[arg-type]
        elif num == 6:
            top = _zigzag(int(v))  # type: ignore[arg-type]
        elif num == 7:
            advance = int(v)  # type: ignore[arg-type]
    bm: np.ndarray | None = None
    if width > 0 and height > 0:
        w, h = width + 2 * BORDER, height + 2 * BORDER
        if len(bitmap) < w * h:
            return None  # malformed: skip this glyph, keep the rest of the range
        bm = np.frombuffer(bitmap, dtype=np.uint8, count=w * h).reshape(h, w)
    return Glyph(gid, width, height, float(left), float(top), float(advance), bm)


def decode_glyphs(data: bytes) -> dict[int, Glyph]:
    """All glyphs of a range file by code point (the first stack wins on duplicates)."""
    out: dict[int, Glyph] = {}
    for num, wt, stack in _fields(data):
        if num != 1 or wt != 2:
            continue
        for snum, swt, g in _fields(stack):  # type: ignore[arg-type]
            if snum == 3 and swt == 2:
                glyph = _glyph(g)  # type: ignore[arg-type]
                if glyph is not None and glyph.id not in out:
                    out[glyph.id] = glyph
    return out
