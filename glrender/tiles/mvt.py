"""Mapbox Vector Tile (MVT 1.x/2.x) decoder producing numpy geometry.

Speed comes from doing per-feature work in numpy instead of Python:

* upb (protobuf's C backend) splits the tile into layers, with a message class built at runtime from a
  hand-written descriptor (no generated ``*_pb2.py``). Within a layer, features and values are declared
  ``bytes``, so upb hands us their raw encodings in one call.
* The fields of all features of a layer are read together (:func:`glrender.tiles._wire.scan_messages`),
  then every tag and geometry varint of the layer is decoded at once.
* Geometry command headers are walked one command *position* at a time across all features together;
  zigzag deltas and the per-feature cursor are a cumulative sum. Python loops remain only where objects
  are built (one ``Feature`` and its list of array views per feature, one dict per feature's properties).

Rings are classified like MapLibre's ``classifyRings``: the winding of a feature's first ring with non-zero
area marks exteriors (handles v1 tiles with reversed winding); rings of zero area are dropped.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Collection
from operator import itemgetter
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from glrender.errors import TileError
from glrender.tiles._wire import decode_varints, ranges_index, scan_messages
from glrender.tiles.features import LINESTRING, POINT, POLYGON, Feature, TileLayer

__all__ = ["decode_tile", "decode_varints", "classify_rings", "ring_areas"]

_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
# below this many features still walking, finishing in plain Python is cheaper than more numpy steps
_PY_WALK_BELOW = 8


def _build_tile_class() -> Any:
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="glrender_mvt.proto", package="glrender_mvt", syntax="proto2")
    layer = fdp.message_type.add(name="Layer")
    for fname, num, label, ftype in [
        ("version", 15, F.LABEL_OPTIONAL, F.TYPE_UINT32),
        ("name", 1, F.LABEL_OPTIONAL, F.TYPE_STRING),
        ("features", 2, F.LABEL_REPEATED, F.TYPE_BYTES),  # Feature messages, scanned by _wire
        ("keys", 3, F.LABEL_REPEATED, F.TYPE_BYTES),  # bytes: bad UTF-8 in one key must not fail the tile
        ("values", 4, F.LABEL_REPEATED, F.TYPE_BYTES),  # Value messages, parsed by _parse_value
        ("extent", 5, F.LABEL_OPTIONAL, F.TYPE_UINT32),
    ]:
        layer.field.add(name=fname, number=num, label=label, type=ftype)
    tile = fdp.message_type.add(name="Tile")
    tile.field.add(name="layers", number=3, label=F.LABEL_REPEATED, type=F.TYPE_MESSAGE,
                   type_name=".glrender_mvt.Layer")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("glrender_mvt.Tile"))


_Tile = _build_tile_class()


def _read_varint(r: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        b = r[i]  # IndexError on truncation is turned into TileError by the caller
        v |= (b & 0x7F) << shift
        i += 1
        if b < 0x80:
            return v, i
        shift += 7


def _parse_value(r: bytes) -> Any:
    """Decode one ``Tile.Value`` message; the last recognised field wins, as in vector-tile-js."""
    if len(r) >= 2 and r[0] == 0x0A and r[1] == len(r) - 2:  # the common case: one short string
        return r[2:].decode("utf-8", "replace")
    out: Any = None
    i, n = 0, len(r)
    while i < n:
        key, i = _read_varint(r, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(r, i)
            if field == 4:
                out = v - (1 << 64) if v >= 1 << 63 else v
            elif field == 5:
                out = v
            elif field == 6:
                out = (v >> 1) ^ -(v & 1)
            elif field == 7:
                out = bool(v)
        elif wt == 2:
            ln, i = _read_varint(r, i)
            if field == 1:
                out = r[i:i + ln].decode("utf-8", "replace")
            i += ln
        elif wt == 1:
            if field == 3:
                out = struct.unpack_from("<d", r, i)[0]
            i += 8
        elif wt == 5:
            if field == 2:
                out = struct.unpack_from("<f", r, i)[0]  # float32 widened exactly, as JS sees it
            i += 4
        else:
            raise TileError(f"unsupported wire type {wt} in a property value {r!r}")
    if i != n:
        raise TileError(f"truncated property value {r!r}")
    return out


def ring_areas(xy: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Surveyor's-formula signed area (positive = clockwise with y down) of rings ``xy[starts[i]:ends[i]]``.

    Rings must be sorted, non-overlapping and hold at least one vertex; they need not cover ``xy``.
    """
    if starts.size == 0:
        return np.zeros(0, dtype=np.float64)
    n = xy.shape[0]
    nxt = np.minimum(np.arange(1, n + 1), n - 1)
    nxt[ends - 1] = starts  # wrap each ring's last vertex to its first
    x, y = xy[:, 0], xy[:, 1]
    term = x * y[nxt] - x[nxt] * y
    # zero the terms of vertices outside any ring so reduceat sums only ring members
    depth = np.zeros(n + 1, dtype=np.int64)
    np.add.at(depth, starts, 1)
    np.add.at(depth, ends, -1)
    term = np.where(np.cumsum(depth[:-1]) > 0, term, 0.0)
    return np.add.reduceat(term, starts) / 2.0


def classify_rings(rings: list[np.ndarray], areas: list[float] | None = None) -> list[list[np.ndarray]]:
    """Group rings into polygons the way MapLibre's ``classifyRings`` does.

    The first ring with non-zero area fixes the exterior winding; rings with that winding start a new
    polygon and the others become holes of the current one. Zero-area rings are dropped.
    """
    if areas is None:
        areas = [_shoelace(r) for r in rings]
    polygons: list[list[np.ndarray]] = []
    exterior_positive: bool | None = None
    current: list[np.ndarray] | None = None
    for ring, area in zip(rings, areas, strict=True):
        if area == 0:
            continue
        positive = area > 0
        if exterior_positive is None:
            exterior_positive = positive
        if positive == exterior_positive:
            current = [ring]
            polygons.append(current)
        elif current is not None:
            current.append(ring)
    return polygons


def _shoelace(ring: np.ndarray) -> float:
    if ring.shape[0] < 3:
        return 0.0
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2.0


def _maybe_decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise TileError(f"bad gzip data in tile ({len(data)} bytes): {exc}") from exc
    if data[:1] == b"\x78":  # zlib header, as some servers deflate tiles
        try:
            return zlib.decompress(data)
        except zlib.error:
            pass  # 0x78 is also a valid protobuf key (field 15, varint): parse as raw
    return data


def decode_tile(data: bytes, layers: Collection[str] | None = None) -> dict[str, TileLayer]:
    """Decode MVT bytes (raw, gzip or zlib) into ``{layer name: TileLayer}``.

    ``layers`` restricts decoding to those source layers (others are skipped cheaply). Corrupt input raises
    :class:`TileError`. When two layers share a name the first wins, as in MapLibre.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TileError(f"tile data must be bytes, got {type(data).__name__}")
    raw = _maybe_decompress(bytes(data))
    tile = _Tile()
    try:
        tile.ParseFromString(raw)
    except DecodeError as exc:
        raise TileError(f"corrupt vector tile ({len(raw)} bytes): {exc}") from exc
    out: dict[str, TileLayer] = {}
    for pl in tile.layers:
        name = pl.name
        if name in out or (layers is not None and name not in layers):
            continue
        try:
            out[name] = _decode_layer(pl)
        except (IndexError, ValueError, OverflowError, struct.error) as exc:
            # defence in depth: any slip past the explicit checks still reports as a bad tile
            raise TileError(f"corrupt layer {name!r}: {exc}") from exc
    return out


def _decode_layer(pl: Any) -> TileLayer:
    name = pl.name
    what = f"layer {name!r}"
    extent = pl.extent if pl.HasField("extent") else 4096
    if extent <= 0:
        raise TileError(f"{what} has invalid extent {extent}")
    feats = pl.features
    nf = len(feats)
    if nf == 0:
        return TileLayer(name, extent, [])
    keys = [k.decode("utf-8", "replace") for k in pl.keys]
    values = [_parse_value(v) for v in pl.values]

    lens = np.fromiter(map(len, feats), dtype=np.int64, count=nf)
    buf = np.frombuffer(b"".join(feats), dtype=np.uint8)
    fstop = np.cumsum(lens)
    varints, ranges = scan_messages(buf, fstop - lens, fstop, (1, 3), (2, 4), f"{what} features")
    has_id, idv = varints[1]
    types = varints[3][1].astype(np.int64)
    props = _properties(buf, *ranges[2], keys, values, what)
    ints, istart = _packed_runs(buf, *ranges[4], f"{what} geometry")
    xy, ps, pe, path_feat = _geometry(ints, istart, types, what)
    role = _ring_roles(xy, ps, pe, path_feat, types)

    ids = [v if h else None for v, h in zip(idv.tolist(), has_id.tolist(), strict=True)]
    tl = types.tolist()
    bounds = np.searchsorted(path_feat, np.arange(nf + 1)).tolist()
    ps_l, pe_l, role_l = ps.tolist(), pe.tolist(), role.tolist()
    features: list[Feature] = []
    for i in range(nf):
        a, b = bounds[i], bounds[i + 1]
        if a == b:
            continue
        t = tl[i]
        if t == POINT:
            geom: list[Any] = [xy[ps_l[a]:pe_l[a]]]
        elif t == LINESTRING:
            geom = [xy[ps_l[j]:pe_l[j]] for j in range(a, b)]
        elif t == POLYGON:
            geom = []
            for j in range(a, b):
                r = role_l[j]
                if r == 1:
                    geom.append([xy[ps_l[j]:pe_l[j]]])
                elif r == 2:
                    geom[-1].append(xy[ps_l[j]:pe_l[j]])
            if not geom:
                continue
        else:
            continue  # UNKNOWN geometry type: nothing to draw
        features.append(Feature(t, geom, props[i], ids[i]))
    return TileLayer(name, extent, features)


def _packed_runs(buf: np.ndarray, starts: np.ndarray, stops: np.ndarray, what: str) -> tuple[np.ndarray, list[int]]:
    """Decode the packed varint runs ``buf[starts[i]:stops[i]]``; returns values and per-run offsets."""
    lens = stops - starts
    nonempty = lens > 0
    if (buf[stops[nonempty] - 1] >= 0x80).any():
        bad = int(np.flatnonzero(nonempty)[np.flatnonzero(buf[stops[nonempty] - 1] >= 0x80)[0]])
        raise TileError(f"truncated varint in {what} of feature {bad}")
    sub = buf[ranges_index(starts, lens)]
    vals = decode_varints(sub, what)
    ends_before = np.concatenate(([0], np.cumsum(sub < 0x80)))
    offsets = ends_before[np.concatenate(([0], np.cumsum(lens)))]
    return vals, offsets.tolist()


def _properties(
    buf: np.ndarray, ts: np.ndarray, te: np.ndarray, keys: list[str], values: list[Any], what: str
) -> list[dict[str, Any]]:
    tags, off = _packed_runs(buf, ts, te, f"{what} tags")
    nf = len(off) - 1
    if tags.size == 0:
        return [{} for _ in range(nf)]
    counts = np.diff(np.asarray(off))
    if (counts & 1).any():
        bad = int(np.flatnonzero(counts & 1)[0])
        raise TileError(f"{what} feature {bad}: odd number of tags ({int(counts[bad])})")
    kidx, vidx = tags[0::2].astype(np.int64), tags[1::2].astype(np.int64)
    if int(kidx.max()) >= len(keys):
        raise TileError(f"{what}: tag key index {int(kidx.max())} out of range ({len(keys)} keys)")
    if int(vidx.max()) >= len(values):
        raise TileError(f"{what}: tag value index {int(vidx.max())} out of range ({len(values)} values)")
    # look every tag up in C once, then each feature takes a slice of the pairs
    kl = list(itemgetter(*kidx.tolist())(keys)) if kidx.size > 1 else [keys[int(kidx[0])]]
    vl = list(itemgetter(*vidx.tolist())(values)) if vidx.size > 1 else [values[int(vidx[0])]]
    half = [o >> 1 for o in off]
    return [dict(zip(kl[a:b], vl[a:b], strict=True)) if a != b else {}
            for a, b in zip(half[:-1], half[1:], strict=True)]


def _walk(ints: np.ndarray, istart: list[int], what: str) -> tuple[np.ndarray, ...]:
    """Find every command header: returns (position, feature, command id, count) sorted by position."""
    ist = np.asarray(istart, dtype=np.int64)
    pos, stop = ist[:-1].copy(), ist[1:]
    live = np.flatnonzero(pos < stop)
    chunks: list[tuple[np.ndarray, ...]] = []
    while live.size >= _PY_WALK_BELOW:
        p = pos[live]
        c = ints[p].astype(np.int64)
        cid, cnt = c & 7, c >> 3
        adv = np.where(cid == _CLOSE_PATH, 1, 1 + 2 * cnt)
        bad = (cid != _MOVE_TO) & (cid != _LINE_TO) & (cid != _CLOSE_PATH)
        if bad.any():
            raise TileError(f"{what}: unknown command {int(cid[bad][0])} in feature {int(live[bad][0])}")
        over = p + adv > stop[live]
        if over.any():
            k = int(np.flatnonzero(over)[0])
            raise TileError(f"{what}: command {int(cid[k])} count {int(cnt[k])} runs past the geometry "
                            f"of feature {int(live[k])}")
        chunks.append((p, live, cid, cnt))
        pos[live] = p + adv
        live = live[pos[live] < stop[live]]
    rest: list[list[int]] = [[], [], [], []]
    il = ints.tolist() if live.size else []
    for f in live.tolist():
        i, end = int(pos[f]), int(stop[f])
        while i < end:
            c = il[i]
            cid, cnt = c & 7, c >> 3
            if cid == _CLOSE_PATH:
                adv = 1
            elif cid == _MOVE_TO or cid == _LINE_TO:
                adv = 1 + 2 * cnt
            else:
                raise TileError(f"{what}: unknown command {cid} in feature {f}")
            if i + adv > end:
                raise TileError(f"{what}: command {cid} count {cnt} runs past the geometry of feature {f}")
            for lst, v in zip(rest, (i, f, cid, cnt), strict=True):
                lst.append(v)
            i += adv
    chunks.append(tuple(np.asarray(r, dtype=np.int64) for r in rest))
    cols = [np.concatenate([ch[k] for ch in chunks]) for k in range(4)]
    order = np.argsort(cols[0], kind="stable")
    return tuple(c[order] for c in cols)


def _geometry(
    ints: np.ndarray, istart: list[int], types: np.ndarray, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode all geometry of a layer: vertices (V, 2) and paths as [start, end) vertex ranges.

    Every MoveTo point of a line or polygon feature starts a path; a point feature is one path.
    """
    nf = types.size
    cpos, cfeat, cid, cnt = _walk(ints, istart, what)
    vc = np.where(cid == _CLOSE_PATH, 0, cnt)
    nv = int(vc.sum())
    if nv == 0:
        z = np.zeros(0, dtype=np.int64)
        return np.zeros((0, 2)), z, z, z
    vfirst = np.cumsum(vc) - vc
    px = np.repeat(cpos + 1 - 2 * vfirst, vc) + 2 * np.arange(nv)
    vfeat = np.repeat(cfeat, vc)
    d = ints[np.stack((px, px + 1), axis=1)].astype(np.int64)
    d = (d >> 1) ^ -(d & 1)  # zigzag
    cum = np.cumsum(d, axis=0)
    # the cursor restarts at (0, 0) for each feature: subtract the sum reached before its first vertex
    per_feat = np.bincount(vfeat, minlength=nf)
    ffirst = np.cumsum(per_feat) - per_feat
    base = np.zeros((nf, 2), dtype=np.int64)
    has = (per_feat > 0) & (ffirst > 0)
    base[has] = cum[ffirst[has] - 1]
    xy = (cum - base[vfeat]).astype(np.float64)

    start = np.zeros(nv + 1, dtype=bool)
    mv = (cid == _MOVE_TO) & (vc > 0)
    start[ranges_index(vfirst[mv], vc[mv])] = True
    linear = (types == LINESTRING) | (types == POLYGON)
    check = linear & (per_feat > 0)
    if not start[ffirst[check]].all():
        bad = int(np.flatnonzero(check)[np.flatnonzero(~start[ffirst[check]])[0]])
        raise TileError(f"{what}: LineTo before MoveTo in feature {bad}")
    start[:nv] &= linear[vfeat]  # points: the whole feature is one path
    start[ffirst[per_feat > 0]] = True
    ps = np.flatnonzero(start[:nv])
    pe = np.append(ps[1:], nv)
    return xy, ps, pe, vfeat[ps]


def _ring_roles(xy: np.ndarray, ps: np.ndarray, pe: np.ndarray, path_feat: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Per path: 1 exterior, 2 hole, 0 dropped (zero area) for polygon paths; 0 for others.

    Also trims an explicit closing vertex (equal to the first) off polygon rings, in place in ``pe``.
    """
    role = np.zeros(ps.size, dtype=np.int8)
    poly = types[path_feat] == POLYGON
    if not poly.any():
        return role
    dup = poly & (pe - ps > 1)
    dup[dup] = (xy[pe[dup] - 1] == xy[ps[dup]]).all(axis=1)
    pe -= dup
    area = ring_areas(xy, ps, pe)
    nz = poly & (area != 0)
    feat_nz = path_feat[nz]
    uniq, first = np.unique(feat_nz, return_index=True)
    first_pos = np.zeros(types.size, dtype=bool)
    first_pos[uniq] = area[nz][first] > 0
    ext = nz & ((area > 0) == first_pos[path_feat])
    role[ext] = 1
    role[nz & ~ext] = 2
    return role
