"""MapLibre-compatible line tessellation (LineBucket.addLine), vectorised over a batch of lines.

Each vertex of a line becomes a small sequence of "events" (MapLibre's addCurrentVertex, which adds a
left/right pair, or addHalfVertex for fake-round pie slices). We count the events per vertex, lay them
out with np.repeat, fill in their attributes with masks, then build the triangle strip MapLibre builds
from its (e1, e, e2) state machine with running maxima. The output arrays feed a port of MapLibre's
line.vertex.glsl directly: see LineMesh.
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

_PRE, _A, _HALF, _B, _POST = range(5)


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
    linesofar: np.ndarray  # (N,) float32 distance along the line in tile units (MapLibre's v_linesofar)
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


def _fake_round_extrude(p: VertexPlan, v: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Extrusion of pie slice m (1-based) of the fake round join at vertex v, as MapLibre interpolates."""
    nf = p.n_fake[v].astype(np.float64)
    t = m / nf
    ca = p.cos_angle[v]
    # MapLibre's cheap slerp approximation (mourner's "approximating geometric slerp").
    t2 = t - 0.5
    a = 1.0904 + ca * (-3.2452 + ca * (3.55645 - ca * 1.43519))
    b = 0.848013 + ca * (-1.06021 + ca * 0.215638)
    t = np.where(t != 0.5, t + t * t2 * (t - 1) * (a * t2 * t2 + b), t)
    prev_n, next_n = p.prev_n[v], p.next_n[v]
    e = (next_n - prev_n) * t[:, None] + prev_n
    e = e / np.sqrt(e[:, 0] * e[:, 0] + e[:, 1] * e[:, 1])[:, None]
    return e * np.where(p.turns_left[v], -1.0, 1.0)[:, None]


def _pair_params(p: VertexPlan, v: np.ndarray, group: np.ndarray, slot: np.ndarray) -> tuple[np.ndarray, ...]:
    """Normal, end offsets and round flag of pair events (addCurrentVertex arguments)."""
    code = p.code[v]
    tl = p.turns_left[v]
    prev_n, next_n, join_n = p.prev_n[v], p.next_n[v], p.join_n[v]
    miter = p.miter[v]
    ga, gb = group == _A, group == _B

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # Flip bevel: MapLibre can only extrude 2 widths, so past that it flips a short bevel vector.
        s_mag = np.linalg.norm(prev_n + next_n, axis=1)
        d_mag = np.linalg.norm(prev_n - next_n, axis=1)
        bevel_len = miter * s_mag / d_mag
        perp = np.stack([-join_n[:, 1], join_n[:, 0]], axis=1)
        flip = np.where((miter > 100)[:, None], -next_n,
                        perp * (bevel_len * np.where(tl, -1.0, 1.0))[:, None])
        bevel_off = -np.sqrt(miter * miter - 1)
    off_a = np.where(tl, bevel_off, 0.0)
    off_b = np.where(tl, 0.0, bevel_off)

    normal = np.where((group == _PRE)[:, None], prev_n, next_n)  # POST and group B use next_n
    is_miter = ga & (code == MITER)
    normal[is_miter] = join_n[is_miter] * miter[is_miter, None]
    is_flip = ga & (code == FLIPBEVEL)
    normal[is_flip] = (flip * np.where(slot == 0, 1.0, -1.0)[:, None])[is_flip]
    a_prev = ga & ((code == BEVEL) | (code == FAKEROUND) | (code == ROUND))
    normal[a_prev] = prev_n[a_prev]
    cap = ga & ((code == BUTT) | (code == SQUARE))
    normal[cap] = join_n[cap]

    end_l = np.zeros(len(v))
    end_r = np.zeros(len(v))
    bev = (code == BEVEL) | (code == FAKEROUND)
    end_l = np.where(ga & bev, off_a, np.where(gb & bev, -off_a, end_l))
    end_r = np.where(ga & bev, off_b, np.where(gb & bev, -off_b, end_r))
    sq = ga & (code == SQUARE)
    sq_off = np.where(p.has_prev[v], 1.0, -1.0)
    end_l = np.where(sq, sq_off, end_l)
    end_r = np.where(sq, sq_off, end_r)
    # Round caps/joins: closing butt, then the cap quad pushed 1 width forward; mirrored when starting.
    rnd_a = ga & (code == ROUND) & (slot == 1)
    rnd_b = gb & (code == ROUND) & (slot == 0)
    end_l = np.where(rnd_a, 1.0, np.where(rnd_b, -1.0, end_l))
    end_r = np.where(rnd_a, 1.0, np.where(rnd_b, -1.0, end_r))
    return normal, end_l, end_r, rnd_a | rnd_b


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
) -> LineMesh:
    """Tessellate a batch of lines the way MapLibre's LineBucket does.

    ``lines``: (n, 2) arrays in tile coordinates. ``closed`` (per line or for all): polygon rings drawn
    by a line layer; the first point is appended if the ring is open, and the ring's ends are joined.
    ``join`` may be given per line (line-join is data-driven). ``overscaling`` scales MapLibre's
    sharp-corner offset (15 px). ``reset_distance`` restarts linesofar at 0 every 16384 tile units as
    MapLibre does for plain sources; pass False for line-gradient (lineMetrics) lines. ``quantize``
    rounds extrude to 1/63 and linesofar to 2 tile units, exactly what MapLibre's packed attributes hold.
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
    plan = plan_vertices(pts, counts, closed_f[valid], join_code[valid], cap_code,
                         miter_limit, round_limit, sco)
    return _emit(plan, counts, line_ids, lengths, reset_distance, quantize)


def _emit(p: VertexPlan, counts: np.ndarray, line_ids: np.ndarray, lengths: np.ndarray,
          reset_distance: bool, quantize: bool) -> LineMesh:
    n_pre, n_a, n_half, n_b, n_post = _event_layout(p)
    per_vertex = n_pre + n_a + n_half + n_b + n_post
    k = len(per_vertex)
    v = np.repeat(np.arange(k), per_vertex)  # vertex of each event
    rank = np.arange(len(v)) - np.repeat(starts_of(per_vertex), per_vertex)
    # Which group each event belongs to and its slot within the group.
    b1 = n_pre[v]
    b2 = b1 + n_a[v]
    b3 = b2 + n_half[v]
    b4 = b3 + n_b[v]
    group = np.select([rank < b1, rank < b2, rank < b3, rank < b4], [_PRE, _A, _HALF, _B], default=_POST)
    slot = rank - np.select([group == _A, group == _HALF, group == _B], [b1, b2, b3], default=0)

    pos = np.where((group == _PRE)[:, None], p.pre_pos[v],
                   np.where((group == _POST)[:, None], p.post_pos[v], p.pos[v]))
    dist = np.where(group == _PRE, p.d_pre[v], np.where(group == _POST, p.d_post[v], p.d_cur[v]))
    is_pair = group != _HALF
    ev_line = np.repeat(np.arange(len(counts)), counts)[v]

    dist, reset = apply_distance_resets(dist, is_pair, ev_line, MAX_LINE_DISTANCE / 2, reset_distance)

    # Output vertices: a pair event writes left then right (a reset writes the pair twice, the second
    # time at distance 0); a pie slice writes one vertex.
    nv = np.where(is_pair, np.where(reset, 4, 2), 1)
    off = starts_of(nv)
    total = int(nv.sum())
    out_pos = np.empty((total, 2))
    out_ext = np.empty((total, 2))
    out_round = np.zeros(total, bool)
    out_up = np.zeros(total, bool)
    out_dir = np.zeros(total)
    out_dist = np.empty(total)
    out_line = np.empty(total, np.int64)

    pe = np.flatnonzero(is_pair)
    normal, end_l, end_r, rnd = _pair_params(p, v[pe], group[pe], slot[pe])
    nx, ny = normal[:, 0], normal[:, 1]
    left = np.stack([nx + ny * end_l, ny - nx * end_l], axis=1)
    right = np.stack([-nx + ny * end_r, -ny - nx * end_r], axis=1)
    copies = [(off[pe], dist[pe])]
    rs = reset[pe]
    if rs.any():
        copies.append((off[pe][rs] + 2, np.zeros(int(rs.sum()))))
    for i, (o, d) in enumerate(copies):
        sel = slice(None) if i == 0 else rs
        for side, ext, up, dr in ((0, left, False, end_l), (1, right, True, -end_r)):
            at = o + side
            out_pos[at] = pos[pe][sel]
            out_ext[at] = ext[sel]
            out_round[at] = rnd[sel]
            out_up[at] = up
            out_dir[at] = np.sign(dr[sel])
            out_dist[at] = d
            out_line[at] = ev_line[pe][sel]

    he = np.flatnonzero(~is_pair)
    if len(he):
        at = off[he]
        out_pos[at] = pos[he]
        out_ext[at] = _fake_round_extrude(p, v[he], slot[he] + 1.0)
        out_up[at] = p.turns_left[v[he]]
        out_dist[at] = dist[he]
        out_line[at] = ev_line[he]

    indices = _strip_triangles(out_up, out_line)
    if quantize:
        out_ext = js_round(out_ext * EXTRUDE_SCALE) / EXTRUDE_SCALE
        out_dist = np.floor(out_dist * LINE_DISTANCE_SCALE) / LINE_DISTANCE_SCALE

    return LineMesh(
        pos=out_pos.astype(np.float32),
        extrude=out_ext.astype(np.float32),
        normal=np.stack([out_round, np.where(out_up, 1.0, -1.0)], axis=1).astype(np.float32),
        direction=out_dir.astype(np.float32),
        linesofar=out_dist.astype(np.float32),
        line_index=line_ids[out_line].astype(np.int32),
        indices=indices,
        line_lengths=lengths.astype(np.float32),
    )


def _strip_triangles(up: np.ndarray, line: np.ndarray) -> np.ndarray:
    """MapLibre's addHalfVertex indexing: each new vertex e makes (e1, e, e2) with e1 the latest
    'down' vertex and e2 the latest 'up' vertex before it in the same line."""
    n = len(up)
    if n == 0:
        return np.zeros((0, 3), np.uint32)
    idx = np.arange(n)
    line_start = np.zeros(n, np.int64)
    new_line = np.ones(n, bool)
    new_line[1:] = line[1:] != line[:-1]
    line_start = np.maximum.accumulate(np.where(new_line, idx, 0))
    last_down = np.maximum.accumulate(np.where(~up, idx, -1))
    last_up = np.maximum.accumulate(np.where(up, idx, -1))
    e1 = np.empty(n, np.int64)
    e2 = np.empty(n, np.int64)
    e1[0] = e2[0] = -1
    e1[1:] = last_down[:-1]
    e2[1:] = last_up[:-1]
    ok = (e1 >= line_start) & (e2 >= line_start)
    return np.stack([e1[ok], idx[ok], e2[ok]], axis=1).astype(np.uint32)
