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
_MAX_NUMPY_STEPS = 64


def _build_tile_class() -> Any:
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(
        name="glrender_mvt.proto", package="glrender_mvt", syntax="proto2"
    )
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


def _decode_values(raw: Any, what: str) -> list[Any]:
    """Decode all ``Tile.Value`` messages of a layer; the last recognised field wins, as in vector-tile-js."""
    n = len(raw)
    if n == 0:
        return []
    lens = np.fromiter(map(len, raw), dtype=np.int64, count=n)
    blob = b"".join(raw)
    buf = np.frombuffer(blob, dtype=np.uint8)
    stop = np.cumsum(lens)
    vi, rg, last = scan_messages(buf, stop - lens, stop, (4, 5, 6, 7), (1, 2, 3), f"{what} values")
    out: list[Any] = [None] * n

    def put(field: int, vals: Any) -> None:
        for i, v in zip(np.flatnonzero(last == field).tolist(), vals, strict=True):
            out[i] = v

    sel = last == 1
    s0, s1 = rg[1][0][sel].tolist(), rg[1][1][sel].tolist()
    put(1, [blob[a:b].decode("utf-8", "replace") for a, b in zip(s0, s1, strict=True)])
    for field, dt, size in ((2, "<f4", 4), (3, "<f8", 8)):
        sel = last == field
        if sel.any():
            idx = rg[field][0][sel][:, None] + np.arange(size)
            # float32 widened exactly to float64, as JS readers see it
            put(field, buf[idx].copy().view(dt)[:, 0].astype(np.float64).tolist())
    for field in (4, 5, 6, 7):
        sel = last == field
        if not sel.any():
            continue
        v = vi[field][1][sel]
        if field == 4:
            put(field, v.view(np.int64).tolist())
        elif field == 5:
            put(field, v.tolist())
        elif field == 6:
            put(field, ((v >> np.uint64(1)).view(np.int64) ^ -(v & np.uint64(1)).view(np.int64)).tolist())
        else:
            put(field, (v != 0).tolist())
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
    chosen: dict[str, Any] = {}
    for pl in tile.layers:
        name = pl.name
        if name not in chosen and (layers is None or name in layers):
            chosen[name] = pl
    try:
        return _decode_layers(list(chosen.values()))
    except _BadFeature as exc:
        # name the layer and the feature's index inside it
        counts = np.cumsum([len(pl.features) for pl in chosen.values()])
        li = int(np.searchsorted(counts, exc.feature, side="right"))
        local = exc.feature - (int(counts[li - 1]) if li else 0)
        name = list(chosen)[li]
        raise TileError(f"layer {name!r} feature {local}: {exc.message}") from None
    except (IndexError, ValueError, OverflowError) as exc:
        # defence in depth: any slip past the explicit checks still reports as a bad tile
        raise TileError(f"corrupt vector tile: {exc}") from exc


class _BadFeature(Exception):
    def __init__(self, feature: int, message: str) -> None:
        super().__init__(message)
        self.feature = feature
        self.message = message


def _decode_layers(pls: list[Any]) -> dict[str, TileLayer]:
    """Decode the chosen layers together, so numpy call overhead is paid per tile, not per layer."""
    names = [pl.name for pl in pls]
    extents = [pl.extent if pl.HasField("extent") else 4096 for pl in pls]
    for name, extent in zip(names, extents, strict=True):
        if extent <= 0:
            raise TileError(f"layer {name!r} has invalid extent {extent}")
    feats: list[bytes] = []
    raw_values: list[bytes] = []
    keys: list[str] = []
    nfeat, nkeys, nvals = [], [], []
    for pl in pls:
        feats.extend(pl.features)
        raw_values.extend(pl.values)
        keys.extend(k.decode("utf-8", "replace") for k in pl.keys)
        nfeat.append(len(pl.features))
        nkeys.append(len(pl.keys))
        nvals.append(len(pl.values))
    out = {name: TileLayer(name, extent, []) for name, extent in zip(names, extents, strict=True)}
    nf = len(feats)
    if nf == 0:
        return out
    feat_layer = np.repeat(np.arange(len(pls)), nfeat)
    values = _decode_values(raw_values, "tile")

    lens = np.fromiter(map(len, feats), dtype=np.int64, count=nf)
    buf = np.frombuffer(b"".join(feats), dtype=np.uint8)
    fstop = np.cumsum(lens)
    varints, ranges, _ = scan_messages(buf, fstop - lens, fstop, (1, 3), (2, 4), "features")
    has_id, idv = varints[1]
    types = varints[3][1].astype(np.int64)
    props = _properties(buf, *ranges[2], keys, values, feat_layer, np.asarray(nkeys), np.asarray(nvals))
    ints, istart = _packed_runs(buf, *ranges[4], "geometry")
    xy, ps, pe, path_feat = _geometry(ints, istart, types)
    role = _ring_roles(xy, ps, pe, path_feat, types)

    ids = [v if h else None for v, h in zip(idv.tolist(), has_id.tolist(), strict=True)]
    tl = types.tolist()
    bounds = np.searchsorted(path_feat, np.arange(nf + 1)).tolist()
    ps_l, pe_l, role_l = ps.tolist(), pe.tolist(), role.tolist()
    lists = [out[name].features for name in names]
    fl = feat_layer.tolist()
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
        lists[fl[i]].append(Feature(t, geom, props[i], ids[i]))
    return out


def _packed_runs(
    buf: np.ndarray, starts: np.ndarray, stops: np.ndarray, what: str
) -> tuple[np.ndarray, list[int]]:
    """Decode the packed varint runs ``buf[starts[i]:stops[i]]``; returns values and per-run offsets."""
    lens = stops - starts
    nonempty = lens > 0
    if (buf[stops[nonempty] - 1] >= 0x80).any():
        bad = int(np.flatnonzero(nonempty)[np.flatnonzero(buf[stops[nonempty] - 1] >= 0x80)[0]])
        raise _BadFeature(bad, f"truncated varint in {what}")
    sub = buf[ranges_index(starts, lens)]
    vals = decode_varints(sub, what)
    ends_before = np.concatenate(([0], np.cumsum(sub < 0x80)))
    offsets = ends_before[np.concatenate(([0], np.cumsum(lens)))]
    return vals, offsets.tolist()


def _properties(
    buf: np.ndarray, ts: np.ndarray, te: np.ndarray, keys: list[str], values: list[Any],
    feat_layer: np.ndarray, nkeys: np.ndarray, nvals: np.ndarray,
) -> list[dict[str, Any]]:
    """Property dicts of all features; key/value indices are per layer, shifted into the joined lists."""
    tags, off = _packed_runs(buf, ts, te, "tags")
    nf = len(off) - 1
    if tags.size == 0:
        return [{} for _ in range(nf)]
    counts = np.diff(np.asarray(off))
    if (counts & 1).any():
        bad = int(np.flatnonzero(counts & 1)[0])
        raise _BadFeature(bad, f"odd number of tags ({int(counts[bad])})")
    pair_feat = np.repeat(np.arange(nf), counts >> 1)
    pair_layer = feat_layer[pair_feat]
    kidx, vidx = tags[0::2].astype(np.int64), tags[1::2].astype(np.int64)
    for idx, sizes, what in ((kidx, nkeys, "key"), (vidx, nvals, "value")):
        over = idx >= sizes[pair_layer]
        if over.any():
            k = int(np.flatnonzero(over)[0])
            raise _BadFeature(int(pair_feat[k]), f"tag {what} index {int(idx[k])} out of range "
                                                 f"({int(sizes[pair_layer[k]])} {what}s)")
        idx += (np.cumsum(sizes) - sizes)[pair_layer]
    # look every tag up in C once, then each feature takes a slice of the pairs
    kl = list(itemgetter(*kidx.tolist())(keys)) if kidx.size > 1 else [keys[int(kidx[0])]]
    vl = list(itemgetter(*vidx.tolist())(values)) if vidx.size > 1 else [values[int(vidx[0])]]
    half = [o >> 1 for o in off]
    return [dict(zip(kl[a:b], vl[a:b], strict=True)) if a != b else {}
            for a, b in zip(half[:-1], half[1:], strict=True)]


def _walk(ints: np.ndarray, istart: list[int]) -> tuple[np.ndarray, ...]:
    """Find every command header: returns (position, feature, command id, count) sorted by position."""
    ist = np.asarray(istart, dtype=np.int64)
    pos, stop = ist[:-1].copy(), ist[1:]
    live = np.flatnonzero(pos < stop)
    chunks: list[tuple[np.ndarray, ...]] = []
    steps = 0
    # numpy steps pay off while many features are still walking; a few long ones finish in Python
    while live.size >= _PY_WALK_BELOW and steps < _MAX_NUMPY_STEPS:
        steps += 1
        p = pos[live]
        c = ints[p].astype(np.int64)
        cid, cnt = c & 7, c >> 3
        adv = np.where(cid == _CLOSE_PATH, 1, 1 + 2 * cnt)
        bad = (cid != _MOVE_TO) & (cid != _LINE_TO) & (cid != _CLOSE_PATH)
        if bad.any():
            raise _BadFeature(int(live[bad][0]), f"unknown command {int(cid[bad][0])}")
        over = p + adv > stop[live]
        if over.any():
            k = int(np.flatnonzero(over)[0])
            msg = f"command {int(cid[k])} count {int(cnt[k])} runs past the geometry"
            raise _BadFeature(int(live[k]), msg)
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
                step = 1
            elif cid == _MOVE_TO or cid == _LINE_TO:
                step = 1 + 2 * cnt
            else:
                raise _BadFeature(f, f"unknown command {cid}")
            if i + step > end:
                raise _BadFeature(f, f"command {cid} count {cnt} runs past the geometry")
            for lst, v in zip(rest, (i, f, cid, cnt), strict=True):
                lst.append(v)
            i += step
    chunks.append(tuple(np.asarray(r, dtype=np.int64) for r in rest))
    cols = [np.concatenate([ch[k] for ch in chunks]) for k in range(4)]
    order = np.argsort(cols[0], kind="stable")
    return tuple(c[order] for c in cols)


def _geometry(
    ints: np.ndarray, istart: list[int], types: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode all geometry of a layer: vertices (V, 2) and paths as [start, end) vertex ranges.

    Every MoveTo point of a line or polygon feature starts a path; a point feature is one path.
    """
    nf = types.size
    cpos, cfeat, cid, cnt = _walk(ints, istart)
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
        raise _BadFeature(bad, "LineTo before MoveTo")
    start[:nv] &= linear[vfeat]  # points: the whole feature is one path
    start[ffirst[per_feat > 0]] = True
    ps = np.flatnonzero(start[:nv])
    pe = np.append(ps[1:], nv)
    return xy, ps, pe, vfeat[ps]


def _ring_roles(
    xy: np.ndarray, ps: np.ndarray, pe: np.ndarray, path_feat: np.ndarray, types: np.ndarray
) -> np.ndarray:
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
