"""The tile/layer splitter that replaced protobuf: protobuf's skipping and last-wins rules, and its errors."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from tiles_mvt_encoder import cmd, encode_layer, encode_tile, encode_value, key, ld, varint

from glrender.errors import TileError
from glrender.tiles._split import split_tile
from glrender.tiles.features import POINT
from glrender.tiles.mvt import decode_tile


def feature(x: int, fid: int, tags: bytes = b"") -> bytes:
    body = key(1, 0) + varint(fid) + (ld(2, tags) if tags else b"") + key(3, 0) + varint(POINT)
    return ld(2, body + ld(4, bytes([cmd(1, 1), 2 * x, 0])))


def payloads(tile, start, stop) -> list[bytes]:
    return [tile.buf[a:b] for a, b in zip(start.tolist(), stop.tolist(), strict=True)]


def test_fields_land_as_offsets_into_one_buffer():
    layer = ld(1, b"l") + feature(1, 7) + ld(3, b"k") + feature(2, 8) + ld(4, encode_value(5)) + key(5, 0) + varint(512)
    tile = split_tile(encode_tile([layer]))
    assert tile.names == ["l"] and tile.extents == [512]
    assert payloads(tile, tile.feat_start, tile.feat_stop) == [feature(1, 7)[2:], feature(2, 8)[2:]]
    assert payloads(tile, tile.val_start, tile.val_stop) == [encode_value(5)]
    assert tile.keys == ["k"] and (tile.nfeat, tile.nkeys, tile.nvals) == ([2], [1], [1])


def test_long_lengths_are_decoded():
    long_tags = bytes([0, 0] * 100)  # feature bodies over 128 and 16384 bytes: 2- and 3-byte lengths
    f1, f2 = feature(1, 1, long_tags), feature(2, 2, bytes([0, 0] * 9000))
    layer = ld(1, b"l") + f1 + f2 + ld(3, b"k") + ld(4, encode_value(1))
    tile = split_tile(encode_tile([layer]))
    assert payloads(tile, tile.feat_start, tile.feat_stop) == [f1[3:], f2[4:]]
    assert [len(f.properties) for f in decode_tile(encode_tile([layer]))["l"].features] == [1, 1]


def test_unknown_fields_and_wire_types_are_skipped():
    plain = ld(1, b"l") + feature(3, 1) + ld(3, b"k") + ld(4, encode_value("v"))
    junk = (key(9, 0) + varint(2**63) + key(10, 1) + b"\x01" * 8 + key(11, 5) + b"\x02" * 4
            + ld(12, b"\x0b\xff") + key(2000, 0) + varint(1))
    # known field numbers with another wire type count as unknown fields too, as in protobuf
    wrong = key(2, 5) + b"\x12\x12\x12\x12" + key(4, 1) + b"\x22" * 8 + key(5, 2) + varint(0) + key(1, 0) + varint(3)
    layer = junk + ld(1, b"l") + wrong + feature(3, 1) + junk + ld(3, b"k") + ld(4, encode_value("v"))
    data = junk + encode_tile([layer]) + key(3, 0) + varint(1) + key(3, 5) + b"\x1a\x00\x1a\x00"
    ref, got = decode_tile(encode_tile([plain]))["l"], decode_tile(data)["l"]
    assert got.extent == ref.extent == 4096
    (f,) = got.features
    assert f.id == 1 and f.properties == {} and len(f.geometry) == 1
    np.testing.assert_array_equal(f.geometry[0], ref.features[0].geometry[0])


def test_singular_fields_last_wins_and_non_canonical_tags():
    layer = (ld(1, b"first") + key(5, 0) + varint(100) + feature(1, 1) + ld(1, b"last")
             + key(5, 0) + varint(2**32 + 256))  # uint32: protobuf keeps the low 32 bits
    layer += b"\x92\x00" + feature(2, 2)[1:]  # field 2 spelled with a two-byte tag: still a feature, in order
    res = decode_tile(encode_tile([layer]))
    assert list(res) == ["last"] and res["last"].extent == 256
    assert [f.id for f in res["last"].features] == [1, 2]


def test_first_layer_of_a_name_wins_and_skipped_layers_are_not_recorded():
    a1 = ld(1, b"a") + feature(1, 1)
    b = ld(1, b"b") + feature(2, 2) + feature(3, 3) + ld(3, b"kb") + ld(4, encode_value(1))
    a2 = ld(1, b"a") + feature(4, 4) + feature(5, 5)
    data = encode_tile([a1, b, a2])
    tile = split_tile(data)
    assert tile.names == ["a", "b"] and tile.nfeat == [1, 2] and tile.keys == ["kb"]
    only_b = split_tile(data, {"b", "zzz"})
    assert only_b.names == ["b"] and only_b.nfeat == [2] and only_b.feat_start.size == 2
    assert [f.id for f in decode_tile(data, ["b"])["b"].features] == [2, 3]
    assert split_tile(data, set()).feat_start.size == 0


def test_bad_utf8_in_names_keys_and_values_does_not_fail_the_tile():
    layer = (ld(1, b"n\xffame") + feature(1, 1, bytes([0, 0])) + ld(3, b"k\xfe")
             + ld(4, ld(1, b"v\xc3")))
    (name, layer_out), = decode_tile(encode_tile([layer])).items()
    assert name == "n\ufffdame"
    assert layer_out.features[0].properties == {"k\ufffd": "v\ufffd"}


def test_values_of_every_kind_after_the_split():
    vals = [encode_value(v) for v in ("s", 1.5, -3, 7, True)] + [key(2, 5) + struct.pack("<f", 0.5)]
    tags = bytes([i for j in range(len(vals)) for i in (j, j)])
    layer = ld(1, b"l") + feature(1, 1, tags) + b"".join(ld(3, f"k{j}".encode()) for j in range(len(vals)))
    layer += b"".join(ld(4, v) for v in vals)
    (f,) = decode_tile(encode_tile([layer]))["l"].features
    assert f.properties == {"k0": "s", "k1": 1.5, "k2": -3, "k3": 7, "k4": True, "k5": 0.5}
    assert [type(v) for v in f.properties.values()] == [str, float, int, int, bool, float]


@pytest.mark.parametrize("data, match", [
    (encode_tile([ld(1, b"l") + key(2, 2) + varint(50) + b"\x00"]), "layer 0: a field runs past the end of the layer"),
    (key(3, 2) + varint(50) + b"\x0a\x01l", "runs past the end of the tile"),
    (encode_tile([ld(1, b"l") + key(7, 1) + b"\x00" * 3]), "runs past the end of the layer"),
    (encode_tile([ld(1, b"l")]) + key(7, 0) + b"\x80", "truncated field"),
    (encode_tile([ld(1, b"l")]) + key(7, 5) + b"\x00", "runs past the end of the tile"),
    (encode_tile([ld(1, b"l") + key(7, 3) + key(7, 4)]), "unsupported wire type 3"),
    (encode_tile([ld(1, b"l") + key(7, 6)]), "unsupported wire type 6"),
    (key(4, 7), "unsupported wire type 7"),
    (key(0, 0) + varint(1), "invalid field tag 0"),
    (encode_tile([b"\x0a" + b"\x80" * 5 + b"\x01"]), "varint longer than 5 bytes"),
    (encode_tile([ld(1, b"l") + key(7, 0) + b"\xff" * 10 + b"\x01"]), "varint longer than 10 bytes"),
])
def test_corrupt_structure_raises_tile_error(data, match):
    with pytest.raises(TileError, match=match):
        decode_tile(data)


def test_layer_from_the_encoder_round_trips():
    layer = encode_layer("roads", [{"type": POINT, "parts": [[(1, 2)]], "props": {"a": 1}, "id": 9}], extent=1024)
    tile = split_tile(encode_tile([layer, layer]))
    assert tile.names == ["roads"] and tile.extents == [1024] and tile.keys == ["a"]
