"""MapLibre-compatible line tessellation (LineBucket.addLine), vectorised over a batch of lines.

Each vertex of a line becomes a small sequence of output vertices (MapLibre's addCurrentVertex adds a
left/right pair, addHalfVertex one fake-round pie slice). _line_joins decides the join of every vertex;
here we count the output vertices per line vertex, give each line vertex a block of the output with a
cumulative sum, and fill the blocks one join kind at a time over the matching vertex subset. The
triangles come from MapLibre's (e1, e, e2) state machine, rebuilt with running maxima. The arrays feed
a port of MapLibre's line.vertex.glsl directly: see LineMesh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._batch import as_flags, close_rings, drop_repeats, flatten, js_round, starts_of
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
    plan_vertices,
)
from .distance import apply_distance_resets

# MapLibre's packing limits, reproduced when asked so our output equals what its shader receives.
EXTRUDE_SCALE = 63.0
LINE_DISTANCE_SCALE = 0.5
# MapLibre restarts linesofar at 0 once it passes half of what its 15-bit field holds.
MAX_LINE_DISTANCE = 2.0**14 / LINE_DISTANCE_SCALE
# MapLibre scales every tile to 8192 integer units on load; its distances and roundings live there.
MAPLIBRE_EXTENT = 8192


@dataclass
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


def _empty(n_lines: int, lengths: np.ndarray | None = None) -> LineMesh:
    f2 = np.zeros((0, 2), np.float32)
    f1 = np.zeros(0, np.float32)
    ll = np.zeros(n_lines, np.float32) if lengths is None else lengths.astype(np.float32)
    return LineMesh(f2, f2.copy(), f2.copy(), f1, f1.copy(), np.zeros(0, np.int32),
                    np.zeros((0, 3), np.uint32), ll)


def _event_layout(p: VertexPlan) -> tuple[np.ndarray, ...]:
    """Event counts per vertex: sharp-corner point, group A pairs, pie slices, group B pairs, point."""
    code, hp, hn = p.code, p.has_prev.astype(np.int64), p.has_next.astype(np.int64)
    n_a = np.select(
        [code == MITER, code == FLIPBEVEL, (code == BEVEL) | (code == FAKEROUND), code == ROUND],
        [1, 2, hp, 2 * hp], default=1)  # butt and square caps: one pair
    n_half = np.where(code == FAKEROUND, np.maximum(p.n_fake - 1, 0), 0)
    n_b = np.select([(code == BEVEL) | (code == FAKEROUND), code == ROUND], [hn, 2 * hn], default=0)
    return p.pre.astype(np.int64), n_a, n_half, n_b, p.post.astype(np.int64)


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
    closed_f = as_flags(closed, n_lines, "closed")
    join_code = _codes(join, JOIN_CODES, n_lines, "line-join")
    cap_code = int(_codes(cap, CAP_CODES, 1, "line-cap")[0])

    pts, counts = flatten(lines)
    pts, counts = close_rings(pts, counts, closed_f)
    pts, counts = drop_repeats(pts, counts)
    # Lengths of every input line (ring closure included), for line-progress.
    owner = np.repeat(np.arange(n_lines), counts)
    seg_len = np.zeros(len(pts))
    if len(pts) > 1:
        seg_len[1:] = np.where(owner[1:] == owner[:-1], np.linalg.norm(pts[1:] - pts[:-1], axis=1), 0.0)
    lengths = np.bincount(owner, weights=seg_len, minlength=n_lines)

    valid = counts >= np.where(closed_f, 3, 2)  # MapLibre ignores shorter lines and rings
    if not valid.any():
        return _empty(n_lines, lengths)
    pts = pts[np.repeat(valid, counts)]
    line_ids = np.flatnonzero(valid)
    counts = counts[valid]

    sco = SHARP_CORNER_OFFSET * extent / (512 * overscaling) if overscaling <= 16 else 0.0
    unit = extent / MAPLIBRE_EXTENT
    plan = plan_vertices(pts, counts, closed_f[valid], join_code[valid], cap_code,
                         miter_limit, round_limit, sco, unit)
    q_dist = quantize if quantize_distance is None else quantize_distance
    return _emit(plan, counts, line_ids, lengths, reset_distance, quantize, q_dist, unit)


class _Out:
    """Output half-vertices of all lines; each vertex's block starts at ``off`` (see _event_layout)."""

    def __init__(self, p: VertexPlan, nv: np.ndarray, vertex_line: np.ndarray) -> None:
        self.off = starts_of(nv)
        # Most output vertices sit on their line vertex at its distance; sharp-corner pairs override.
        vid = np.repeat(np.arange(len(nv), dtype=np.int32), nv)
        self.pos = p.pos.astype(np.float32)[vid]
        self.dist = p.d_cur[vid]
        self.line = vertex_line.astype(np.int32)[vid]
        n = len(vid)
        self.ex = np.empty(n, np.float32)
        self.ey = np.empty(n, np.float32)
        self.round = np.zeros(n, bool)
        self.up = np.zeros(n, bool)
        self.half = np.zeros(n, bool)  # fake-round pie slices (no distance-restart check there)
        self.dir = np.zeros(n, np.float32)

    def pair(self, vs: np.ndarray, local: np.ndarray | int, normal: np.ndarray,
             end_l: np.ndarray | float = 0.0, end_r: np.ndarray | float = 0.0, rnd: bool = False) -> None:
        """MapLibre's addCurrentVertex for vertices ``vs``: left (down) then right (up) vertex."""
        if len(vs) == 0:
            return
        o = self.off[vs] + local
        o1 = o + 1
        nx, ny = normal[:, 0], normal[:, 1]
        self.ex[o] = nx + ny * end_l
        self.ey[o] = ny - nx * end_l
        self.ex[o1] = ny * end_r - nx
        self.ey[o1] = -ny - nx * end_r
        self.up[o1] = True
        if rnd:
            self.round[o] = True
            self.round[o1] = True
        if not np.isscalar(end_l) or end_l != 0:
            self.dir[o] = np.sign(end_l)
        if not np.isscalar(end_r) or end_r != 0:
            self.dir[o1] = -np.sign(end_r)


def _emit(p: VertexPlan, counts: np.ndarray, line_ids: np.ndarray, lengths: np.ndarray,
          reset_distance: bool, quantize: bool, quantize_distance: bool, unit: float) -> LineMesh:
    n_pre, n_a, n_half, n_b, n_post = _event_layout(p)
    nv = 2 * (n_pre + n_a + n_b + n_post) + n_half
    out = _Out(p, nv, np.repeat(line_ids, counts))
    code = p.code

    # Sharp-corner points before and after the vertex.
    vs = np.flatnonzero(p.pre)
    out.pair(vs, 0, p.prev_n[vs])
    o = out.off[vs]
    out.pos[o] = out.pos[o + 1] = p.pre_pos[vs]
    out.dist[o] = out.dist[o + 1] = p.d_pre[vs]
    vs = np.flatnonzero(p.post)
    o = out.off[vs] + nv[vs] - 2
    out.pair(vs, nv[vs] - 2, p.next_n[vs])
    out.pos[o] = out.pos[o + 1] = p.post_pos[vs]
    out.dist[o] = out.dist[o + 1] = p.d_post[vs]

    a0 = 2 * n_pre  # first pair of group A
    vs = np.flatnonzero(code == MITER)
    out.pair(vs, a0[vs], p.join_n[vs] * p.miter[vs, None])
    vs = np.flatnonzero((code == BUTT) | (code == SQUARE))
    sq = np.where(code[vs] == SQUARE, np.where(p.has_prev[vs], 1.0, -1.0), 0.0)
    out.pair(vs, a0[vs], p.join_n[vs], sq, sq)

    vs = np.flatnonzero(code == FLIPBEVEL)
    if len(vs):
        # MapLibre can only extrude 2 widths, so past a miter of 2 it flips a short bevel vector.
        prev_n, next_n, join_n, miter = p.prev_n[vs], p.next_n[vs], p.join_n[vs], p.miter[vs]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = prev_n + next_n
            d = prev_n - next_n
            bevel_len = miter * np.sqrt((s * s).sum(1)) / np.sqrt((d * d).sum(1))
            sign = np.where(p.turns_left[vs], -1.0, 1.0)
            perp = np.stack([-join_n[:, 1], join_n[:, 0]], axis=1) * (bevel_len * sign)[:, None]
        flip = np.where((miter > 100)[:, None], -next_n, perp)
        out.pair(vs, a0[vs], flip)
        out.pair(vs, a0[vs] + 2, -flip)

    vs = np.flatnonzero((code == BEVEL) | (code == FAKEROUND))
    if len(vs):
        with np.errstate(invalid="ignore"):
            off = -np.sqrt(p.miter[vs] ** 2 - 1)
        tl = p.turns_left[vs]
        off_a, off_b = np.where(tl, off, 0.0), np.where(tl, 0.0, off)
        hp, hn = p.has_prev[vs], p.has_next[vs]
        out.pair(vs[hp], a0[vs[hp]], p.prev_n[vs[hp]], off_a[hp], off_b[hp])
        b0 = 2 * (n_pre + n_a) + n_half
        out.pair(vs[hn], b0[vs[hn]], p.next_n[vs[hn]], -off_a[hn], -off_b[hn])

    vs = np.flatnonzero(n_half > 0)
    if len(vs):
        hv = np.repeat(vs, n_half[vs])
        m = np.arange(len(hv)) - np.repeat(starts_of(n_half[vs]), n_half[vs]) + 1
        o = out.off[hv] + 2 * (n_pre + n_a)[hv] + m - 1
        out.ex[o], out.ey[o] = _fake_round_extrude(p, vs, n_half[vs], hv, m)
        out.up[o] = p.turns_left[hv]
        out.half[o] = True

    # Round caps and joins: close with a butt, then a quad pushed one width on with the round flag
    # (the fragment shader cuts the semicircle); mirrored before the next segment.
    rv = code == ROUND
    vs = np.flatnonzero(rv & p.has_prev)
    out.pair(vs, a0[vs], p.prev_n[vs])
    out.pair(vs, a0[vs] + 2, p.prev_n[vs], 1.0, 1.0, rnd=True)
    vs = np.flatnonzero(rv & p.has_next)
    b0 = 2 * (n_pre[vs] + n_a[vs])
    out.pair(vs, b0, p.next_n[vs], -1.0, -1.0, rnd=True)
    out.pair(vs, b0 + 2, p.next_n[vs])

    ext = np.empty((len(out.ex), 2), np.float32)
    ext[:, 0] = out.ex
    ext[:, 1] = out.ey
    pos, rnd, up, direction, dist, line = out.pos, out.round, out.up, out.dir, out.dist, out.line
    if reset_distance:
        pos, ext, rnd, up, direction, dist, line = _restart_distances(
            pos, ext, rnd, up, direction, dist, line, up & ~out.half, MAX_LINE_DISTANCE / 2 * unit)
    indices = _strip_triangles(up, line)
    if quantize:
        # Done in float64 so halves round as MapLibre's Math.round does on doubles. MapLibre stores
        # round(63 * extrude) + 128 in an unsigned byte, which wraps: a miter longer than about two
        # widths (a line-miter-limit above 2) comes out flipped, and its render tests show it.
        packed = np.mod(js_round(ext.astype(np.float64) * EXTRUDE_SCALE) + 128, 256) - 128
        ext = (packed / EXTRUDE_SCALE).astype(np.float32)
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


def _restart_distances(
    pos: np.ndarray, ext: np.ndarray, rnd: np.ndarray, up: np.ndarray, direction: np.ndarray,
    dist: np.ndarray, line: np.ndarray, pair_right: np.ndarray, threshold: float,
) -> tuple[np.ndarray, ...]:
    """MapLibre re-adds a pair at distance 0 once a pair's distance passes 16384 (see distance.py)."""
    n = len(dist)
    if n == 0 or dist.max() <= threshold:
        return pos, ext, rnd, up, direction, dist, line
    dist, reset = apply_distance_resets(dist, pair_right, line, threshold)
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
