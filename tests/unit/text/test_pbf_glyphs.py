"""Glyph PBF decoding and the glyph manager's fallback through the font stack."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.text.atlas import Atlas
from glrender.text.glyphs import GlyphManager, range_url
from glrender.text.pbf import GlyphDecodeError, GlyphRange, decode_glyphs


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(num << 3) + _varint(payload)
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _zz(v: int) -> int:
    return (v << 1) ^ (v >> 63)


def make_range(name: str, glyphs: list[tuple[int, int, int]]) -> bytes:
    """A PBF range with glyphs (id, width, height)."""
    stack = _field(1, name.encode()) + _field(2, b"0-255")
    for gid, w, h in glyphs:
        bm = bytes((w + 6) * (h + 6)) if w and h else b""
        g = _field(1, gid) + (_field(2, bm) if bm else b"") + _field(3, w) + _field(4, h)
        g += _field(5, _zz(1)) + _field(6, _zz(-9)) + _field(7, w + 2)
        stack += _field(3, g)
    return _field(1, stack)


def test_decode_glyph_metrics_and_bitmap() -> None:
    got = decode_glyphs(make_range("A", [(65, 10, 12), (32, 0, 0)]))
    a = got[65]
    assert (a.width, a.height, a.left, a.top, a.advance) == (10, 12, 1.0, -9.0, 12.0)
    assert a.bitmap is not None and a.bitmap.shape == (18, 16)
    assert got[32].bitmap is None


def test_lazy_range_matches_the_eager_decode() -> None:
    data = make_range("A", [(65, 10, 12), (32, 0, 0), (300, 3, 5), (65, 2, 2)])  # 65 twice: first wins
    eager = decode_glyphs(data)
    lazy = GlyphRange(data)
    assert len(lazy) == len(eager) == 3
    for cp in (65, 32, 300, 66):
        e, g = eager.get(cp), lazy.get(cp)
        if e is None:
            assert g is None and cp not in lazy
            continue
        assert g is not None and cp in lazy
        assert (g.id, g.width, g.height, g.left, g.top, g.advance) == (e.id, e.width, e.height, e.left, e.top,
                                                                        e.advance)
        assert (g.bitmap is None) == (e.bitmap is None)
        if g.bitmap is not None and e.bitmap is not None:
            assert np.array_equal(g.bitmap, e.bitmap)
    assert lazy.get(65) is lazy.get(65)  # decoded once
    assert (eager[65].width, eager[65].height) == (10, 12)


def test_lazy_range_a_broken_glyph_is_missing_the_rest_are_not() -> None:
    good = _field(1, 66) + _field(3, 0) + _field(4, 0) + _field(7, 5)
    broken = _field(1, 65) + bytes([0x18])  # field 3 (width) with its value cut off
    data = _field(1, _field(1, b"A") + _field(3, broken) + _field(3, good))
    lazy = GlyphRange(data)
    assert 65 in lazy and lazy.get(65) is None
    g = lazy.get(66)
    assert g is not None and g.advance == 5.0
    with pytest.raises(GlyphDecodeError):
        decode_glyphs(data)  # the eager decode refuses the range


def test_truncated_range_is_refused() -> None:
    data = make_range("A", [(65, 4, 4)])
    with pytest.raises(GlyphDecodeError):
        GlyphRange(data[:-7])


def test_range_url_escapes_only_http() -> None:
    assert range_url("/g/{fontstack}/{range}.pbf", "A B,C", 256) == "/g/A B,C/256-511.pbf"
    assert range_url("https://x/{fontstack}/{range}.pbf", "A B", 0) == "https://x/A%20B/0-255.pbf"


def test_stack_falls_back_to_single_fonts_and_caches() -> None:
    files = {"/g/Second/0-255.pbf": make_range("Second", [(66, 4, 4)]),
             "/g/First/0-255.pbf": make_range("First", [(65, 4, 4)])}
    calls: list[str] = []

    def fetch(url: str) -> bytes | None:
        calls.append(url)
        return files.get(url)

    gm = GlyphManager("/g/{fontstack}/{range}.pbf", fetch=fetch)
    got = gm.glyphs("First,Second", [65, 66, 67])
    assert sorted(got) == [65, 66]
    n = len(calls)
    gm.glyphs("First,Second", [65, 66])
    assert len(calls) == n  # ranges are cached, misses included


def test_no_glyphs_url_uses_the_rasteriser() -> None:
    from glrender.text.pbf import Glyph

    made = Glyph(65, 1, 1, 0, 0, 5, np.zeros((7, 7), np.uint8))
    gm = GlyphManager(None, rasterise=lambda stack, cp: made if cp == 65 else None)
    assert gm.glyphs("Any", [65, 66]) == {65: made}


def test_atlas_packs_without_overlap_and_grows() -> None:
    at = Atlas(width=64, height=16)
    rects = [at.add(i, np.full((10, 20), i + 1, np.uint8)) for i in range(12)]
    assert at.add(3, np.zeros((1, 1), np.uint8)) == rects[3]
    for i, (x, y, w, h) in enumerate(rects):
        assert (w, h) == (22, 12)
        assert np.all(at.data[y + 1:y + 11, x + 1:x + 21] == i + 1)
    assert at.height >= 48
