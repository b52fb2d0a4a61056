"""Split an MVT tile into its layers and each layer into its fields, without a protobuf library.

Importing ``google.protobuf`` (descriptor pool, message factory, python_message, text_format...) cost
about 17 ms per cold process, far more than walking the two top levels of a tile takes. Below the layer
level nothing is parsed here: features and values are length-delimited messages that
:func:`glrender.tiles._wire.scan_messages` reads for all of them at once.

A layer is mostly thousands of ``features`` and ``values`` entries, so the Python walk does one list
append per such field and nothing else; their lengths are decoded afterwards in numpy for all chosen
layers together. Protobuf rules are kept: unknown fields are skipped (wire types 0, 1, 2 and 5), a known
field with another wire type counts as unknown, the last occurrence of a singular field wins and repeated
fields keep their order. Varints are limited as in upb (tags and lengths 5 bytes, values 10). Groups
(wire types 3 and 4, never used by MVT) and wire types 6 and 7 raise :class:`TileError`, as do truncated
fields and fields running past their layer or the tile.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

import numpy as np

from glrender.errors import TileError

# one-byte tags of the repeated length-delimited Layer fields: features (2), keys (3), values (4)
_HOT = frozenset((0x12, 0x1A, 0x22))
_FEATURES, _KEYS, _VALUES = 2, 3, 4
_U64_MASK = (1 << 64) - 1


class SplitTile(NamedTuple):  # not a dataclass: building one costs ~1 ms of import time
    """The chosen layers of a tile; field payloads are ``[start, stop)`` byte offsets into ``buf``."""

    buf: bytes
    names: list[str]
    extents: list[int]
    feat_start: np.ndarray
    feat_stop: np.ndarray
    nfeat: list[int]  # features per layer, in layer order
    keys: list[str]  # keys of all layers, concatenated
    nkeys: list[int]
    val_start: np.ndarray
    val_stop: np.ndarray
    nvals: list[int]


class _Corrupt(Exception):
    """Raised inside the walk; :func:`split_tile` adds where it happened."""


def _varint(buf: bytes, pos: int, max_bytes: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it (IndexError when the buffer ends inside it)."""
    value = shift = 0
    limit = pos + max_bytes
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        if pos == limit:
            raise _Corrupt(f"varint longer than {max_bytes} bytes")
        shift += 7


def _field(buf: bytes, pos: int) -> tuple[int, int, int, int, int]:
    """Read the field at ``pos``: (field number, wire type, payload start, end, varint value or 0)."""
    key, pos = _varint(buf, pos, 5)
    field, wire = key >> 3, key & 7
    if field == 0 or key > 0xFFFFFFFF:
        raise _Corrupt(f"invalid field tag {key}")
    if wire == 2:
        size, pos = _varint(buf, pos, 5)
        return field, wire, pos, pos + size, 0
    if wire == 0:
        value, end = _varint(buf, pos, 10)
        return field, wire, pos, end, value & _U64_MASK
    if wire == 1:
        return field, wire, pos, pos + 8, 0
    if wire == 5:
        return field, wire, pos, pos + 4, 0
    raise _Corrupt(f"unsupported wire type {wire} (field {field})")


def _walk_layer(
    buf: bytes, pos: int, end: int, rec: list[int], odd: list[tuple[int, int, int]]
) -> tuple[bytes | None, int | None]:
    """Walk the Layer message ``buf[pos:end]``; returns its last name (raw bytes) and extent, if any.

    The tag position of every features/keys/values field is appended to ``rec``. Those spelled with a
    non-canonical (multi-byte) tag also go to ``odd`` as (index in rec, field, length position).
    """
    ap = rec.append
    name: bytes | None = None
    extent: int | None = None
    while pos < end:
        if buf[pos] in _HOT:  # the hot path: one-byte tag, then the length
            ap(pos)
            n = buf[pos + 1]
            if n < 0x80:
                pos += n + 2
            else:
                n, pos = _varint(buf, pos + 1, 5)
                pos += n
            continue
        field, wire, start, stop, value = _field(buf, pos)
        if wire == 2:
            if field == 1:
                name = buf[start:stop]
            elif _FEATURES <= field <= _VALUES:
                odd.append((len(rec), field, _varint(buf, pos, 5)[1]))  # where its length starts
                ap(pos)
        elif wire == 0 and field == 5:
            extent = value & 0xFFFFFFFF  # uint32, as protobuf narrows it
        pos = stop
    if pos > end:
        raise _Corrupt("a field runs past the end of the layer")
    return name, extent


def _layer_spans(buf: bytes) -> list[tuple[int, int]]:
    """``[start, stop)`` of every Tile.layers entry (field 3), in order; other fields are skipped."""
    spans = []
    pos, end = 0, len(buf)
    while pos < end:
        field, wire, start, stop, _ = _field(buf, pos)
        if field == 3 and wire == 2:
            spans.append((start, stop))
        pos = stop
    if pos > end:
        raise _Corrupt("a field runs past the end of the tile")
    return spans


def split_tile(buf: bytes, layers: Collection[str] | None = None) -> SplitTile:
    """Find the layers of ``buf`` (keeping the first of each name, and only ``layers`` when given)."""
    try:
        spans = _layer_spans(buf)
    except (_Corrupt, IndexError) as exc:
        raise TileError(f"corrupt vector tile ({len(buf)} bytes): {_what(exc)}") from None
    rec: list[int] = []
    odd: list[tuple[int, int, int]] = []
    names: list[str] = []
    extents: list[int] = []
    counts: list[int] = []  # entries of rec per chosen layer
    for i, (start, stop) in enumerate(spans):
        mark, nodd = len(rec), len(odd)
        try:
            raw_name, extent = _walk_layer(buf, start, stop, rec, odd)
        except (_Corrupt, IndexError) as exc:
            raise TileError(f"corrupt vector tile ({len(buf)} bytes): layer {i}: {_what(exc)}") from None
        # decoded leniently (like keys): one badly encoded name must not fail the whole tile
        name = raw_name.decode("utf-8", "replace") if raw_name is not None else ""
        if name in names or (layers is not None and name not in layers):
            del rec[mark:], odd[nodd:]
            continue
        names.append(name)
        extents.append(4096 if extent is None else extent)
        counts.append(len(rec) - mark)
    return _classify(buf, rec, odd, names, extents, counts)


def _what(exc: Exception) -> str:
    return "truncated field" if isinstance(exc, IndexError) else str(exc)


def _classify(
    buf: bytes, rec: list[int], odd: list[tuple[int, int, int]], names: list[str], extents: list[int],
    counts: list[int],
) -> SplitTile:
    """Decode the lengths of all recorded fields at once and sort them into features, keys and values."""
    u8 = np.frombuffer(buf, dtype=np.uint8)
    tag = np.fromiter(rec, dtype=np.int64, count=len(rec))
    kind = (u8[tag] >> 3).astype(np.int64)
    q = tag + 1  # where the length varint starts
    if odd:
        oi, of, oq = (np.array(c, dtype=np.int64) for c in zip(*odd, strict=True))
        kind[oi] = of
        q[oi] = oq
    # the walk already checked every length ends inside its layer, so no bounds checks here
    b = u8[q]
    size = (b & 0x7F).astype(np.int64)
    q += 1
    more = np.flatnonzero(b >= 0x80)
    shift = 7
    while more.size:
        b = u8[q[more]]
        size[more] |= (b & 0x7F).astype(np.int64) << shift
        q[more] += 1
        more = more[b >= 0x80]
        shift += 7
    stop = q + size
    layer = np.repeat(np.arange(len(names)), counts)
    out = {}
    for k in (_FEATURES, _KEYS, _VALUES):
        m = kind == k
        out[k] = (q[m], stop[m], np.bincount(layer[m], minlength=len(names)).tolist())
    ks, ke, nkeys = out[_KEYS]
    keys = [buf[a:e].decode("utf-8", "replace") for a, e in zip(ks.tolist(), ke.tolist(), strict=True)]
    fs, fe, nfeat = out[_FEATURES]
    vs, ve, nvals = out[_VALUES]
    return SplitTile(buf, names, extents, fs, fe, nfeat, keys, nkeys, vs, ve, nvals)
