"""Mapbox Vector Tile (MVT 1.x/2.x) decoder producing numpy geometry.

Speed comes from doing per-feature work in numpy instead of Python:

* :func:`glrender.tiles._split.split_tile` walks the tile's layers and each layer's fields in plain
  Python (no protobuf library: importing one cost more per cold process than decoding a tile) and keeps
  features and values as byte offsets into the one decompressed buffer, so nothing is copied per feature.
* The fields of all features of the chosen layers are read together
  (:func:`glrender.tiles._wire.scan_messages`), then every tag and geometry varint is decoded at once.
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
from itertools import compress, islice
from operator import itemgetter
from typing import Any

import numpy as np

from glrender.errors import TileError
from glrender.tiles._split import SplitTile, split_tile
from glrender.tiles._wire import decode_varints, decode_varints_ends, ranges_index, read_varints, scan_messages
from glrender.tiles.features import LINESTRING, POINT, POLYGON, Feature, TileLayer

__all__ = ["decode_tile", "decode_varints", "classify_rings", "ring_areas"]

_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
# below this many features still walking, finishing in plain Python is cheaper than more numpy steps
_PY_WALK_BELOW = 8
_MAX_NUMPY_STEPS = 64


def _decode_values(raw: bytes, buf: np.ndarray, start: np.ndarray, stop: np.ndarray) -> list[Any]:
    """Decode the ``Tile.Value`` messages ``raw[start[i]:stop[i]]``; the last recognised field wins, as in
    vector-tile-js. ``buf`` views ``raw``."""
    n = start.size
    if n == 0:
        return []
    vi, rg, last = _scan_values(buf, start, stop)
    out: list[Any] = [None] * n

    def put(field: int, vals: Any) -> None:
        for i, v in zip(np.flatnonzero(last == field).tolist(), vals, strict=True):
            out[i] = v

    sel = last == 1
    s0, s1 = rg[1][0][sel].tolist(), rg[1][1][sel].tolist()
    put(1, [raw[a:b].decode("utf-8", "replace") for a, b in zip(s0, s1, strict=True)])
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


# field number of each canonical one-byte Value tag: string, float, double, int64, uint64, sint64, bool
_VALUE_TAGS = np.zeros(256, dtype=np.int64)
_VALUE_TAGS[[0x0A, 0x15, 0x19, 0x20, 0x28, 0x30, 0x38]] = [1, 2, 3, 4, 5, 6, 7]


def _scan_values(buf: np.ndarray, start: np.ndarray, stop: np.ndarray) -> tuple[Any, Any, np.ndarray]:
    """What :func:`scan_messages` returns for the Value messages ``buf[start[i]:stop[i]]``, faster.

    Real values hold exactly one field under its canonical tag; those are read here in a few numpy steps
    (the general scan costs ~3x more). The rest (empty, several fields, other tags, corrupt) go through it.
    """
    n = start.size
    field = np.zeros(n, dtype=np.int64)
    ne = np.flatnonzero(stop > start)
    field[ne] = _VALUE_TAGS[buf[start[ne]]]
    body = start + 1
    vi = {f: (np.zeros(n, dtype=bool), np.zeros(n, dtype=np.uint64)) for f in (4, 5, 6, 7)}
    rg = {f: (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)) for f in (1, 2, 3)}
    fast = np.zeros(n, dtype=bool)
    # a string's length or a number's value: one varint right after the tag
    var = np.flatnonzero((field == 1) | (field >= 4))
    val, nxt, ok = read_varints(buf, body[var], stop[var])
    var, val, nxt = var[ok], val[ok], nxt[ok]
    f = field[var]
    # one field filling the message exactly (the length compared unsigned: a corrupt one may be huge)
    one = np.where(f == 1, val == (stop[var] - nxt).astype(np.uint64), nxt == stop[var])
    var, val, nxt, f = var[one], val[one], nxt[one], f[one]
    fast[var] = True
    rg[1][0][var[f == 1]] = nxt[f == 1]
    rg[1][1][var[f == 1]] = stop[var[f == 1]]
    for k in (4, 5, 6, 7):
        vi[k][0][var[f == k]] = True
        vi[k][1][var[f == k]] = val[f == k]
    for k, size in ((2, 4), (3, 8)):
        idx = np.flatnonzero((field == k) & (body + size == stop))
        fast[idx] = True
        rg[k][0][idx] = body[idx]
        rg[k][1][idx] = stop[idx]
    field[~fast] = 0
    rest = np.flatnonzero(~fast)
    if rest.size:
        vi2, rg2, last2 = scan_messages(buf, start[rest], stop[rest], (4, 5, 6, 7), (1, 2, 3), "tile values")
        field[rest] = last2
        for k, (a, b) in (*vi2.items(), *rg2.items()):
            target = vi[k] if k in vi else rg[k]
            target[0][rest] = a
            target[1][rest] = b
    return vi, rg, field


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
    tile = split_tile(_maybe_decompress(bytes(data)), layers)
    try:
        return _decode_layers(tile)
    except _BadFeature as exc:
        # name the layer and the feature's index inside it
        counts = np.cumsum(tile.nfeat)
        li = int(np.searchsorted(counts, exc.feature, side="right"))
        local = exc.feature - (int(counts[li - 1]) if li else 0)
        raise TileError(f"layer {tile.names[li]!r} feature {local}: {exc.message}") from None
    except (IndexError, ValueError, OverflowError) as exc:
        # defence in depth: any slip past the explicit checks still reports as a bad tile
        raise TileError(f"corrupt vector tile: {exc}") from exc


class _BadFeature(Exception):
    def __init__(self, feature: int, message: str) -> None:
        super().__init__(message)
        self.feature = feature
        self.message = message


def _decode_layers(tile: SplitTile) -> dict[str, TileLayer]:
    """Decode the chosen layers together, so numpy call overhead is paid per tile, not per layer."""
    names, extents = tile.names, tile.extents
    for name, extent in zip(names, extents, strict=True):
        if extent <= 0:
            raise TileError(f"layer {name!r} has invalid extent {extent}")
    out = {name: TileLayer(name, extent, []) for name, extent in zip(names, extents, strict=True)}
    nf = tile.feat_start.size
    if nf == 0:
        return out
    buf = np.frombuffer(tile.buf, dtype=np.uint8)
    feat_layer = np.repeat(np.arange(len(names)), tile.nfeat)
    values = _decode_values(tile.buf, buf, tile.val_start, tile.val_stop)
    keys = tile.keys
    nkeys, nvals = tile.nkeys, tile.nvals
    varints, ranges, _ = scan_messages(buf, tile.feat_start, tile.feat_stop, (1, 3), (2, 4), "features")
    has_id, idv = varints[1]
    types = varints[3][1].astype(np.int64)
    props = _properties(buf, *ranges[2], keys, values, feat_layer, np.asarray(nkeys), np.asarray(nvals))
    ints, istart = _packed_runs(buf, *ranges[4], "geometry")
    xy, ps, pe, path_feat = _geometry(ints, istart, types)
    role = _ring_roles(xy, ps, pe, path_feat, types)

    ids: list[Any] = idv.tolist()
    for i in np.flatnonzero(~has_id).tolist():
        ids[i] = None
    # every path as a view once; each feature's geometry is then a list slice, not a Python loop of its own
    paths: list[Any] = [xy[a:b] for a, b in zip(ps.tolist(), pe.tolist(), strict=True)]
    bounds = np.searchsorted(path_feat, np.arange(nf + 1))
    lo, hi = bounds[:-1], bounds[1:]
    is_poly = types == POLYGON
    if is_poly.any():
        # polygons: kept rings in order, cut before each exterior (a feature's first kept ring is one)
        kept = role > 0
        rings = list(compress(paths, kept.tolist()))
        ext = np.flatnonzero(role[kept] == 1)
        cuts = np.append(ext, len(rings)).tolist()
        polys = [rings[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        pb = np.searchsorted(path_feat[role == 1], np.arange(nf + 1)) + len(paths)
        lo, hi = np.where(is_poly, pb[:-1], lo), np.where(is_poly, pb[1:], hi)
        paths += polys
    geoms = [paths[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    tl = types.tolist()
    # no paths (or polygons) left, or UNKNOWN geometry type: nothing to draw
    keep = (hi > lo) & (types >= POINT) & (types <= POLYGON)
    if keep.all():
        feats = list(map(Feature, tl, geoms, props, ids))
        per_layer = np.asarray(tile.nfeat)
    else:
        kk = keep.tolist()
        feats = list(map(Feature, compress(tl, kk), compress(geoms, kk), compress(props, kk), compress(ids, kk)))
        per_layer = np.bincount(feat_layer[keep], minlength=len(names))
    # the chosen layers' features are contiguous and in layer order
    cut = np.concatenate(([0], np.cumsum(per_layer))).tolist()
    for name, a, b in zip(names, cut[:-1], cut[1:], strict=True):
        out[name].features = feats[a:b]
    return out


def _packed_runs(
    buf: np.ndarray, starts: np.ndarray, stops: np.ndarray, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Decode the packed varint runs ``buf[starts[i]:stops[i]]``; returns values and per-run offsets."""
    lens = stops - starts
    nonempty = lens > 0
    if (buf[stops[nonempty] - 1] >= 0x80).any():
        bad = int(np.flatnonzero(nonempty)[np.flatnonzero(buf[stops[nonempty] - 1] >= 0x80)[0]])
        raise _BadFeature(bad, f"truncated varint in {what}")
    sub = buf[ranges_index(starts, lens)]
    vals, end_idx = decode_varints_ends(sub, what)
    at = np.concatenate(([0], np.cumsum(lens)))  # where each run starts in sub
    # values before each run = varints ending before its first byte
    offsets = at if end_idx is None else np.searchsorted(end_idx, at)
    return vals, offsets


def _properties(
    buf: np.ndarray, ts: np.ndarray, te: np.ndarray, keys: list[str], values: list[Any],
    feat_layer: np.ndarray, nkeys: np.ndarray, nvals: np.ndarray,
) -> list[dict[str, Any]]:
    """Property dicts of all features; key/value indices are per layer, shifted into the joined lists."""
    tags, off = _packed_runs(buf, ts, te, "tags")
    nf = off.size - 1
    if tags.size == 0:
        return [{} for _ in range(nf)]
    counts = np.diff(off)
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
    kl = itemgetter(*kidx.tolist())(keys) if kidx.size > 1 else (keys[int(kidx[0])],)
    vl = itemgetter(*vidx.tolist())(values) if vidx.size > 1 else (values[int(vidx[0])],)
    # one iterator over all pairs, each feature taking its count: ~2x faster than slicing both lists
    pairs = zip(kl, vl, strict=True)
    return [dict(islice(pairs, n)) for n in (counts >> 1).tolist()]


def _walk(ints: np.ndarray, ist: np.ndarray) -> tuple[np.ndarray, ...]:
    """Find every command header: returns (position, feature, command id, count) sorted by position."""
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
    for f in live.tolist():
        i, end = int(pos[f]), int(stop[f])
        base, il = i, ints[i:end].tolist()  # this feature's ints only, not the whole tile's
        while i < end:
            c = il[i - base]
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
    ints: np.ndarray, istart: np.ndarray, types: np.ndarray
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
