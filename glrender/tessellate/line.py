"""MapLibre-compatible line tessellation (LineBucket.addLine), vectorised over a batch of lines.

Each vertex of a line becomes a small sequence of output vertices (MapLibre's addCurrentVertex adds a
left/right pair, addHalfVertex one fake-round pie slice). _line_joins decides the join of every vertex;
here we count the output vertices per line vertex, give each line vertex a block of the output with a
cumulative sum, and gather the pairs of every join kind over the matching vertex subset, then write
them all with two scatters (buckets are small: the count of numpy calls is what costs). The
triangles come from MapLibre's (e1, e, e2) state machine, rebuilt with running maxima. The arrays feed
a port of MapLibre's line.vertex.glsl directly: see LineMesh.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._record import record
from ._batch import as_flags, close_rings, drop_repeats_owned, flatten, starts_of
from ._line_joins import (
    BEVEL,
    BUTT,
    CAP_CODES,
    FAKEROUND,
    FLIPBEVEL,
    JOIN_CODES,
    MITER,
    ROUND,
    SHARP_CORNER_OFFSET,
    SQUARE,
    VertexPlan,
    line_segments,
    plan_vertices,
)
from ._line_out import LineOut, PairBatch
from .distance import apply_distance_resets

# MapLibre's packing limits, reproduced when asked so our output equals what its shader receives.
EXTRUDE_SCALE = 63.0
LINE_DISTANCE_SCALE = 0.5
# MapLibre restarts linesofar at 0 once it passes half of what its 15-bit field holds.
MAX_LINE_DISTANCE = 2.0**14 / LINE_DISTANCE_SCALE
# MapLibre scales every tile to 8192 integer units on load; its distances and roundings live there.
MAPLIBRE_EXTENT = 8192


@record
class LineMesh:
    """Vertices and triangles of a batch of lines, one row per vertex, ready for a line shader.

    ``dist = outset * extrude`` gives the vertex offset (outset = half width (+ gap) in tile units);
    line-offset uses ``offset * extrude * normal.y * mat2(t, -u, u, t)`` with ``u = 0.5 * direction``,
    ``t = 1 - |u|``; the fragment shader uses ``length(normal) * halfwidth`` (v_normal).
    """

    pos: np.ndarray  # (N, 2) float32 tile coordinates of the centre-line point
    extrude: np.ndarray  # (N, 2) float32 extrusion in half line widths (MapLibre's a_extrude / 63)
    normal: np.ndarray  # (N, 2) float32 (round in {0, 1}, up in {-1, +1}) = MapLibre's v_normal
    direction: np.ndarray  # (N,) float32 in {-1, 0, 1}: MapLibre's a_direction
    linesofar: np.ndarray  # (N,) float32 along the line, our tile units (v_linesofar*extent/8192)
    line_index: np.ndarray  # (N,) int32 index of the input line
    indices: np.ndarray  # (M, 3) uint32 triangles
    line_lengths: np.ndarray  # (L,) float32 length of every input line (0 for dropped lines)

    def __len__(self) -> int:
        return len(self.pos)


def _codes(value: str | Sequence[str], table: dict[str, int], n: int, name: str) -> np.ndarray:
    try:
        if isinstance(value, str):
            return np.full(n, table[value], np.int64)
        if len(value) != n:
            raise ValueError(f"{name} must be a string or have one entry per line, got {len(value)!r}")
        return np.fromiter((table[v] for v in value), dtype=np.int64, count=n)
    except KeyError as exc:
        raise ValueError(f"unknown {name} {exc.args[0]!r}; expected one of {sorted(table)!r}") from None


def _code(value: str, table: dict[str, int], name: str) -> int:
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(table)!r}") from None


def _empty(n_lines: int, lengths: np.ndarray | None = None) -> LineMesh:
    f2 = np.zeros((0, 2), np.float32)
    f1 = np.zeros(0, np.float32)
    ll = np.zeros(n_lines, np.float32) if lengths is None else lengths.astype(np.float32)
    return LineMesh(f2, f2.copy(), f2.copy(), f1, f1.copy(), np.zeros(0, np.int32),
                    np.zeros((0, 3), np.uint32), ll)


# Pairs per vertex by join kind (indexed by code): group A is a constant plus a count per incoming
# segment, group B a count per outgoing one. Table lookups: np.select costs more than the whole rest.
_N_A_FIXED = np.array([1, 2, 0, 0, 1, 1, 0], np.int64)  # miter, flipbevel, butt/square caps: one pair
_N_A_PREV = np.array([0, 0, 1, 1, 0, 0, 2], np.int64)  # bevel/fakeround: one pair, round: two
_N_B_NEXT = _N_A_PREV


def _fake_round_extrude(p: VertexPlan, vs: np.ndarray, n_slices: np.ndarray, hv: np.ndarray,
                        m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extrusion of pie slice m (1-based) of the fake round join at vertex hv, as MapLibre interpolates.
    ``vs``/``n_slices``: the join vertices and their slice counts (hv repeats vs n_slices times)."""
    t = m / np.repeat(p.n_fake[vs].astype(np.float64), n_slices)
    ca = p.cos_angle[vs]
    # MapLibre's cheap slerp approximation (mourner's "approximating geometric slerp").
    a = np.repeat(1.0904 + ca * (-3.2452 + ca * (3.55645 - ca * 1.43519)), n_slices)
    b = np.repeat(0.848013 + ca * (-1.06021 + ca * 0.215638), n_slices)
    t2 = t - 0.5
    t = np.where(t != 0.5, t + t * t2 * (t - 1) * (a * t2 * t2 + b), t)
    px, py = p.prev_n[hv, 0], p.prev_n[hv, 1]
    ex = (p.next_n[hv, 0] - px) * t + px
    ey = (p.next_n[hv, 1] - py) * t + py
    scale = np.where(p.turns_left[hv], -1.0, 1.0) / np.sqrt(ex * ex + ey * ey)
    return ex * scale, ey * scale


def tessellate_lines(
    lines: Sequence[np.ndarray],
    *,
    closed: Sequence[bool] | bool = False,
    join: str | Sequence[str] = "miter",
    cap: str = "butt",
    miter_limit: float = 2.0,
    round_limit: float = 1.05,
    extent: int = 4096,
    overscaling: float = 1.0,
    reset_distance: bool = True,
    quantize: bool = False,
    quantize_distance: bool | None = None,
) -> LineMesh:
    """Tessellate a batch of lines the way MapLibre's LineBucket does.

    ``lines``: (n, 2) arrays in tile coordinates. ``closed`` (per line or for all): polygon rings drawn
    by a line layer; the first point is appended if the ring is open, and the ring's ends are joined.
    ``join`` may be given per line (line-join is data-driven). ``overscaling`` scales MapLibre's
    sharp-corner offset (15 px). ``reset_distance`` restarts linesofar at 0 past 2 tile widths
    (16384 of MapLibre's 8192-unit tile) as MapLibre does for plain sources; pass False for
    line-gradient (lineMetrics) lines. ``quantize`` rounds extrude to 1/63 and linesofar to 2 MapLibre
    units (extent / 4096 of ours), exactly what MapLibre's packed attributes hold;
    ``quantize_distance`` (default: ``quantize``) decides the linesofar part on its own.
    """
    n_lines = len(lines)
    # Plain lines (no rings) skip the ring work; one join for all lines (the usual case) stays a
    # scalar, so plan_vertices makes no per-vertex copy of it.
    closed_f: np.ndarray | None = None
    if closed is not False:
        closed_f = as_flags(closed, n_lines, "closed")
        if not closed_f.any():
            closed_f = None
    join_code: np.ndarray | int
    if isinstance(join, str):
        join_code = _code(join, JOIN_CODES, "line-join")
    else:
        join_code = _codes(join, JOIN_CODES, n_lines, "line-join")
    cap_code = _code(cap, CAP_CODES, "line-cap")

    pts, counts = flatten(lines)
    if closed_f is not None:
        pts, counts = close_rings(pts, counts, closed_f)
    pts, counts, owner = drop_repeats_owned(pts, counts)
    segments = line_segments(pts, owner)
    # Lengths of every input line (ring closure included), for line-progress.
    lengths = np.bincount(owner, weights=segments[2], minlength=n_lines)

    # MapLibre ignores shorter lines and rings.
    valid = counts >= (2 if closed_f is None else np.where(closed_f, 3, 2))
    n_valid = int(np.count_nonzero(valid))
    if n_valid == 0:
        return _empty(n_lines, lengths)
    if n_valid < n_lines:
        keep = np.repeat(valid, counts)
        pts = pts[keep]
        # Segments inside the kept lines are unchanged; the slots after line ends are never read.
        segments = (segments[0][keep], segments[1][keep], segments[2][keep])
        counts = counts[valid]
        if closed_f is not None:
            closed_f = closed_f[valid]
        if isinstance(join_code, np.ndarray):
            join_code = join_code[valid]
        line_ids = np.flatnonzero(valid).astype(np.int32)
    else:
        line_ids = np.arange(n_lines, dtype=np.int32)

    sco = SHARP_CORNER_OFFSET * extent / (512 * overscaling) if overscaling <= 16 else 0.0
    unit = extent / MAPLIBRE_EXTENT
    plan = plan_vertices(pts, counts, segments, closed_f, join_code, cap_code,
                         miter_limit, round_limit, sco, unit)
    q_dist = quantize if quantize_distance is None else quantize_distance
    return _emit(plan, counts, line_ids, lengths, reset_distance, quantize, q_dist, unit)


def _emit(p: VertexPlan, counts: np.ndarray, line_ids: np.ndarray, lengths: np.ndarray,
          reset_distance: bool, quantize: bool, quantize_distance: bool, unit: float) -> LineMesh:
    # Output block of a vertex: sharp-corner pair before it, group A pairs, fake-round pie slices,
    # group B pairs, sharp-corner pair after it. Pair counts by join kind are table lookups.
    code, kinds = p.code, p.kinds
    n_a = _N_A_FIXED[code]
    n_a += _N_A_PREV[code] * p.has_prev
    n_b = _N_B_NEXT[code] * p.has_next
    b0 = 2 * n_a  # first pair of group B, from the vertex's first pair of group A
    if kinds[FAKEROUND]:
        n_half = np.maximum(p.n_fake - 1, 0)  # n_fake is 0 except at fake round joins
        b0 += n_half
    a0: np.ndarray | int  # first pair of group A: after the sharp-corner pair before the vertex
    if len(p.pre_idx) or len(p.post_idx):
        a0 = 2 * p.pre
        b0 += a0
        nv = b0 + 2 * (n_b + p.post)
    else:
        a0 = 0
        nv = b0 + 2 * n_b
    out = LineOut(p, nv, np.repeat(line_ids, counts))
    base_a = out.off + a0  # first pair of group A
    base_b = out.off + b0  # first pair of group B

    pairs = PairBatch()
    # Sharp-corner points before and after the vertex.
    qi, pi = p.pre_idx, p.post_idx
    if len(qi) or len(pi):
        o = np.concatenate([out.off[qi], out.off[pi] + nv[pi] - 2])
        pairs.even(o, np.concatenate([p.prev_n[qi], p.next_n[pi]]), 0.0)
        out.pos[o] = out.pos[o + 1] = np.concatenate([p.pre_pos[qi], p.post_pos[pi]])
        out.dist[o] = out.dist[o + 1] = np.concatenate([p.d_pre[qi], p.d_post[pi]])

    if kinds[MITER]:
        vs = np.flatnonzero(code == MITER)
        pairs.even(base_a[vs], p.join_n[vs] * p.miter[vs, None], 0.0)
    if kinds[BUTT] or kinds[SQUARE]:
        vs = np.flatnonzero((code == BUTT) | (code == SQUARE))
        sq = np.where(code[vs] == SQUARE, np.where(p.has_prev[vs], 1.0, -1.0), 0.0)
        pairs.sided(base_a[vs], p.join_n[vs], sq, sq)
    if kinds[FLIPBEVEL]:
        vs = np.flatnonzero(code == FLIPBEVEL)
        flip = _flip_bevel(p, vs)
        pairs.even(base_a[vs], flip, 0.0)
        pairs.even(base_a[vs] + 2, -flip, 0.0)

    if kinds[BEVEL] or kinds[FAKEROUND]:
        # Bevel and fake round joins only happen between two segments (ends get caps), so both
        # their pairs always exist.
        vs = np.flatnonzero((code == BEVEL) | (code == FAKEROUND))
        with np.errstate(invalid="ignore"):
            off = -np.sqrt(p.miter[vs] ** 2 - 1)
        tl = p.turns_left[vs]
        off_a, off_b = np.where(tl, off, 0.0), np.where(tl, 0.0, off)
        pairs.sided(base_a[vs], p.prev_n[vs], off_a, off_b)
        pairs.sided(base_b[vs], p.next_n[vs], -off_a, -off_b)
    if kinds[FAKEROUND]:
        vs = np.flatnonzero(n_half)
        if len(vs):
            nh = n_half[vs]
            hv = np.repeat(vs, nh)
            m0 = np.arange(len(hv)) - np.repeat(starts_of(nh), nh)  # slice number - 1
            o = (base_b - n_half)[hv] + m0
            out.ex[o], out.ey[o] = _fake_round_extrude(p, vs, nh, hv, m0 + 1)
            out.up[o] = p.turns_left[hv]
            out.half[o] = True

    if kinds[ROUND]:
        # Round caps and joins: close with a butt, then a quad pushed one width on with the round
        # flag (the fragment shader cuts the semicircle); mirrored before the next segment.
        rv = np.flatnonzero(code == ROUND)
        vs = rv[p.has_prev[rv]]
        o, n = base_a[vs], p.prev_n[vs]
        pairs.even(o, n, 0.0)
        pairs.even(o + 2, n, 1.0)
        vs = rv[p.has_next[rv]]
        o, n = base_b[vs], p.next_n[vs]
        pairs.even(o, n, -1.0)
        pairs.even(o + 2, n, 0.0)
    pairs.write(out)

    pos, ext, rnd, up, direction, dist, line = out.pos, out.ext, out.round, out.up, out.dir, out.dist, out.line
    if reset_distance:
        pos, ext, rnd, up, direction, dist, line = _restart_distances(
            pos, ext, rnd, up, direction, dist, line, out.half, MAX_LINE_DISTANCE / 2 * unit)
    indices = _strip_triangles(up, line)
    if quantize:
        ext = _quantize_extrude(ext)
    if quantize_distance:
        step = unit / LINE_DISTANCE_SCALE
        dist = np.floor(dist / step) * step

    normal = np.empty((len(up), 2), np.float32)
    normal[:, 0] = rnd
    normal[:, 1] = np.where(up, np.float32(1), np.float32(-1))
    return LineMesh(
        pos=pos, extrude=ext, normal=normal, direction=direction, linesofar=dist.astype(np.float32),
        line_index=line, indices=indices, line_lengths=lengths.astype(np.float32),
    )


def _flip_bevel(p: VertexPlan, vs: np.ndarray) -> np.ndarray:
    """MapLibre can only extrude 2 widths, so past a miter of 2 it flips a short bevel vector."""
    prev_n, next_n, join_n, miter = p.prev_n[vs], p.next_n[vs], p.join_n[vs], p.miter[vs]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = prev_n + next_n
        d = prev_n - next_n
        bevel_len = miter * np.sqrt((s * s).sum(1)) / np.sqrt((d * d).sum(1))
        sign = np.where(p.turns_left[vs], -1.0, 1.0)
        perp = np.stack([-join_n[:, 1], join_n[:, 0]], axis=1) * (bevel_len * sign)[:, None]
    return np.where((miter > 100)[:, None], -next_n, perp)


def _quantize_extrude(ext: np.ndarray) -> np.ndarray:
    """The extrusion MapLibre's packed byte holds. Done in float64 so halves round as MapLibre's
    Math.round does on doubles. MapLibre stores round(63 * extrude) + 128 in an unsigned byte, which
    wraps: a miter longer than about two widths (a line-miter-limit above 2) comes out flipped, and
    its render tests show it."""
    q = ext.astype(np.float64)
    q *= EXTRUDE_SCALE
    q += 0.5
    np.floor(q, out=q)  # js_round
    # The byte wrap changes nothing when every value fits (written so that a NaN still wraps).
    if not (q.min(initial=0.0) >= -128 and q.max(initial=0.0) <= 127):
        q += 128
        np.mod(q, 256, out=q)
        q -= 128
    q /= EXTRUDE_SCALE
    return q.astype(np.float32)


def _restart_distances(
    pos: np.ndarray, ext: np.ndarray, rnd: np.ndarray, up: np.ndarray, direction: np.ndarray,
    dist: np.ndarray, line: np.ndarray, half: np.ndarray, threshold: float,
) -> tuple[np.ndarray, ...]:
    """MapLibre re-adds a pair at distance 0 once a pair's distance passes 16384 (see distance.py).
    It checks at the right vertex of every pair (``up``, except fake-round pie slices: ``half``)."""
    n = len(dist)
    if n == 0 or dist.max() <= threshold:
        return pos, ext, rnd, up, direction, dist, line
    dist, reset = apply_distance_resets(dist, up & ~half, line, threshold)
    r = np.flatnonzero(reset)
    if len(r) == 0:
        return pos, ext, rnd, up, direction, dist, line
    take = np.insert(np.arange(n), np.repeat(r + 1, 2), np.stack([r - 1, r], axis=1).reshape(-1))
    dup = np.insert(np.zeros(n, bool), np.repeat(r + 1, 2), True)
    dist = np.where(dup, 0.0, dist[take])
    return pos[take], ext[take], rnd[take], up[take], direction[take], dist, line[take]


def _strip_triangles(up: np.ndarray, line: np.ndarray) -> np.ndarray:
    """MapLibre's addHalfVertex indexing: each new vertex e makes (e1, e, e2) with e1 the latest
    'down' vertex and e2 the latest 'up' vertex before it in the same line.

    Every line starts with a down/up pair, so every later vertex of the line makes a triangle and the
    running maxima never reach back into the previous line.
    """
    n = len(up)
    if n < 3:
        return np.zeros((0, 3), np.uint32)
    idx = np.arange(n, dtype=np.int32)
    last_down = np.where(up, np.int32(-1), idx)
    np.maximum.accumulate(last_down, out=last_down)
    last_up = np.where(up, idx, np.int32(-1))
    np.maximum.accumulate(last_up, out=last_up)
    same = line[1:] == line[:-1]  # vertex e and e - 1 in the same line
    ok = np.empty(n - 1, bool)  # for e = 1..n-1: e is at least the third vertex of its line
    ok[0] = False
    np.logical_and(same[1:], same[:-1], out=ok[1:])
    tris = np.empty((int(np.count_nonzero(ok)), 3), np.uint32)
    tris[:, 0] = last_down[:-1][ok]
    tris[:, 1] = idx[1:][ok]
    tris[:, 2] = last_up[:-1][ok]
    return tris
