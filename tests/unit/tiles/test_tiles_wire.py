"""Vectorised varint readers and the Value fast path, checked against plain references."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from tiles_mvt_encoder import encode_value, key, ld, varint

from glrender.errors import TileError
from glrender.tiles._wire import decode_varints, read_varints, scan_messages
from glrender.tiles.mvt import _scan_values


def test_decode_varints_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    vals = [int(v) for v in rng.integers(0, 2**63, 300)] + [0, 1, 127, 128, 2**64 - 1]
    vals += [int(v) for v in rng.integers(0, 20000, 300)]
    assert decode_varints(b"".join(varint(v) for v in vals)).tolist() == vals
    with pytest.raises(TileError, match="longer than 10"):
        decode_varints(b"\xff" * 10 + b"\x01")


def test_read_varints_values_positions_and_failures():
    vals = [5, 300, 2**35, 2**64 - 1, 1]
    data = b"".join(varint(v) for v in vals)
    pos = np.cumsum([0] + [len(varint(v)) for v in vals])
    buf = np.frombuffer(data + b"\xff" * 12 + b"\x01", dtype=np.uint8)
    n = len(data)
    starts = np.append(pos[:-1], [n, n, pos[2]])
    # 11 bytes long; cut short by its limit; last byte (of 2**35, 6 bytes) just at its limit
    limits = np.array([n] * len(vals) + [n + 13, n + 5, pos[2] + 5])
    val, nxt, ok = read_varints(buf, starts, limits)
    assert ok.tolist() == [True] * len(vals) + [False, False, False]
    assert val[:len(vals)].tolist() == vals and nxt[:len(vals)].tolist() == pos[1:].tolist()


def test_reader_errors_name_truncation_first():
    buf = np.frombuffer(b"\x08\x80\x80", dtype=np.uint8)
    with pytest.raises(TileError, match="truncated varint in things"):
        scan_messages(buf, np.array([0]), np.array([3]), (1,), (), "things")


VALUES = [
    encode_value("héllo"), encode_value(""), encode_value(2**40), encode_value(-7), encode_value(True),
    encode_value(2.5), key(2, 5) + struct.pack("<f", 0.25), key(4, 0) + varint(-3),
    b"",  # empty: no value
    encode_value("a") + encode_value(9),  # two fields: the last wins
    key(9, 0) + varint(1) + encode_value("x"),  # unknown field first
    b"\xa8\x00" + varint(5),  # uint64 under a non-canonical two-byte tag
    key(5, 0) + varint(2**63 + 1),
]


def _split(values: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    stop = np.cumsum([len(v) for v in values])
    return buf, stop - [len(v) for v in values], stop


def test_value_fast_path_equals_the_general_scan():
    buf, start, stop = _split(VALUES)
    vi, rg, last = _scan_values(buf, start, stop)
    vi2, rg2, last2 = scan_messages(buf, start, stop, (4, 5, 6, 7), (1, 2, 3), "tile values")
    assert last.tolist() == last2.tolist() == [1, 1, 5, 6, 7, 3, 2, 4, 0, 5, 1, 5, 5]
    for f in (1, 2, 3):
        m = last == f
        assert rg[f][0][m].tolist() == rg2[f][0][m].tolist() and rg[f][1][m].tolist() == rg2[f][1][m].tolist()
    for f in (4, 5, 6, 7):
        m = last == f
        assert vi[f][1][m].tolist() == vi2[f][1][m].tolist() and vi[f][0][m].all()


@pytest.mark.parametrize("bad", [
    ld(1, b"abc")[:-1],  # string longer than its message
    key(5, 0) + b"\x80",  # varint cut by the end of the message
    key(3, 1) + b"\x00" * 4,  # double cut short
    key(1, 0) + varint(3),  # string field with a varint's wire type
])
def test_value_fast_path_leaves_corrupt_values_to_the_general_scan(bad):
    buf, start, stop = _split([encode_value(1), bad])
    with pytest.raises(TileError) as fast:
        _scan_values(buf, start, stop)
    with pytest.raises(TileError) as general:
        scan_messages(buf, start, stop, (4, 5, 6, 7), (1, 2, 3), "tile values")
    assert str(fast.value) == str(general.value)
