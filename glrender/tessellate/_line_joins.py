"""Per-vertex analysis for line tessellation: normals, join kinds, sharp-corner points, distances.

This mirrors the decisions MapLibre's LineBucket.addLine makes for every vertex, computed for all
vertices of a batch at once. The emitting half (turning these decisions into vertices) is in line.py.
"""

from __future__ import annotations

import numpy as np

from .._record import record
from ._batch import js_round

# Join kinds after MapLibre's per-vertex fallbacks (round -> miter/fakeround, miter -> bevel -> flipbevel).
MITER, FLIPBEVEL, BEVEL, FAKEROUND, BUTT, SQUARE, ROUND = range(7)
JOIN_CODES = {"miter": MITER, "bevel": BEVEL, "round": ROUND, "fakeround": FAKEROUND}
CAP_CODES = {"butt": BUTT, "square": SQUARE, "round": ROUND}

# MapLibre adds extra vertices near corners sharper than 75 degrees so dashes tilt over a short stretch.
COS_HALF_SHARP_CORNER = float(np.cos(75 / 2 * (np.pi / 180)))
SHARP_CORNER_OFFSET = 15  # in pixels at overscaling 1
DEG_PER_TRIANGLE = 20  # angle per pie slice of a fake round join


@record
class VertexPlan:
    """Everything the emitter needs per (deduplicated) line vertex; arrays are (K,) or (K, 2).

    ``pre_pos``/``post_pos`` and ``d_pre``/``d_post`` are only meaningful where ``pre``/``post`` are
    set (elsewhere they may alias ``pos``/``d_cur``)."""

    pos: np.ndarray  # the vertex
    prev_n: np.ndarray  # normal of the incoming segment
    next_n: np.ndarray  # normal of the outgoing segment
    join_n: np.ndarray  # unit bisector of the two normals (or 0 for a 180 degree turn)
    miter: np.ndarray  # miter length (1 / cos of half the angle), inf for a 180 degree turn
    cos_angle: np.ndarray
    turns_left: np.ndarray
    code: np.ndarray  # join kind after fallbacks, or the cap kind at line ends
    kinds: list[int]  # vertex count per code
    has_prev: np.ndarray
    has_next: np.ndarray
    n_fake: np.ndarray  # pie slices of a fake round join (0 at every other vertex)
    pre: np.ndarray  # whether a sharp-corner point precedes the vertex
    pre_idx: np.ndarray  # the vertices where it does (flatnonzero(pre))
    pre_pos: np.ndarray
    post: np.ndarray  # whether a sharp-corner point follows the vertex
    post_idx: np.ndarray
    post_pos: np.ndarray
    d_pre: np.ndarray  # distance along the line at pre_pos, pos and post_pos
    d_cur: np.ndarray
    d_post: np.ndarray


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])


def line_segments(pts: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point of lines stored back to back (``owner``: line of each point): the vector to the next
    point and its length (meaningless after a line's last point), and the length of the segment that
    ends at the point (0 at a line's first point). Computed once for line lengths and plan_vertices."""
    k = len(pts)
    seg = np.zeros((k, 2))
    np.subtract(pts[1:], pts[:-1], out=seg[:-1])
    sx, sy = seg[:, 0], seg[:, 1]
    seg_len = np.sqrt(sx * sx + sy * sy)
    in_len = np.zeros(k)
    if k > 1:
        in_len[1:] = np.where(owner[1:] == owner[:-1], seg_len[:-1], 0.0)
    return seg, seg_len, in_len


def plan_vertices(
    pts: np.ndarray,
    counts: np.ndarray,
    segments: tuple[np.ndarray, np.ndarray, np.ndarray],
    closed: np.ndarray | None,
    join_code: np.ndarray | int,
    cap_code: int,
    miter_limit: float,
    round_limit: float,
    sharp_corner_offset: float,
    grid: float = 1.0,
) -> VertexPlan:
    """Decide the join/cap of every vertex. ``pts`` holds valid deduplicated lines back to back;
    closed lines (``closed``, None for none) end with their first point repeated, as MapLibre's polygon
    rings do. ``segments``:
    line_segments of ``pts`` (its last array is taken over and modified). ``join_code``: one per line,
    or one for all. ``grid``: size of MapLibre's integer coordinate step (its tiles are 8192 units) in
    our units, for rounding."""
    k = len(pts)
    seg, seg_len, in_len = segments
    ends = np.cumsum(counts)
    line_start = ends - counts
    line_end = ends - 1
    any_closed = closed is not None and bool(closed.any())
    if closed is not None and any_closed:
        ring_first, ring_last = line_start[closed], line_end[closed]
        open_first, open_last = line_start[~closed], line_end[~closed]
    else:
        open_first, open_last = line_start, line_end

    # Normal of the segment from each vertex to the next one (garbage after a line's last vertex).
    safe = np.where(seg_len == 0, 1.0, seg_len)  # only the unused slot after a line's end is zero
    # MapLibre's d._unit()._perp(): divide by the length, then rotate (x, y) -> (-y, x).
    next_n = np.empty((k, 2))
    np.divide(seg[:, 1], safe, out=next_n[:, 0])
    np.negative(next_n[:, 0], out=next_n[:, 0])
    np.divide(seg[:, 0], safe, out=next_n[:, 1])
    prev_n = np.empty((k, 2))
    prev_n[1:] = next_n[:-1]
    # A closed ring's last vertex repeats the first, so it continues into the first segment, and the
    # first vertex comes from the ring's last segment. Open ends pretend the line continues straight.
    if any_closed:
        next_n[ring_last] = next_n[ring_first]
        prev_n[ring_first] = next_n[ring_last - 1]
    next_n[open_last] = prev_n[open_last]
    prev_n[open_first] = next_n[open_first]
    has_prev = np.ones(k, bool)
    has_prev[open_first] = False
    has_next = np.ones(k, bool)
    has_next[open_last] = False

    px, py, nx, ny = prev_n[:, 0], prev_n[:, 1], next_n[:, 0], next_n[:, 1]
    join_n = prev_n + next_n
    jx, jy = join_n[:, 0], join_n[:, 1]
    s_mag = np.sqrt(jx * jx + jy * jy)
    s_mag[s_mag == 0] = 1.0  # a 180 degree turn keeps a zero join normal and an infinite miter
    join_n /= s_mag[:, None]
    cos_angle = px * nx + py * ny
    cos_half = jx * nx + jy * ny
    # MapLibre's explicit Infinity where cos_half is 0 (1 / -0 would be -inf).
    miter = np.full(k, np.inf)
    np.divide(1.0, cos_half, out=miter, where=cos_half != 0)
    middle = has_prev & has_next
    sharp = (cos_half < COS_HALF_SHARP_CORNER) & middle
    turns_left = px * ny - py * nx > 0

    # Join kind, with MapLibre's fallbacks applied in its order (MapLibre forces a miter limit of
    # 1.05 for bevel joins). A join shared by all lines (the usual case) needs no per-vertex copies.
    code: np.ndarray
    limit: np.ndarray | float
    if isinstance(join_code, np.ndarray):
        lj = np.repeat(join_code, counts)
        code = np.where(middle, lj, cap_code)
        limit = np.where(lj == BEVEL, 1.05, miter_limit)
        rnd = middle & (code == ROUND)
        any_round = bool(rnd.any())
    else:
        code = np.where(middle, join_code, cap_code)
        limit = 1.05 if join_code == BEVEL else miter_limit
        rnd = middle
        any_round = join_code == ROUND
    if any_round:
        code[rnd & (miter < round_limit)] = MITER
        code[rnd & ~(miter < round_limit) & (miter <= 2)] = FAKEROUND
    code[(code == MITER) & (miter > limit)] = BEVEL
    bev = code == BEVEL
    code[bev & (miter > 2)] = FLIPBEVEL
    code[bev & (miter < limit)] = MITER
    # Join kinds present: the emitter skips the work of absent ones (most of them in a typical bucket).
    kinds = np.bincount(code, minlength=ROUND + 1).tolist()
    n_fake = np.zeros(k, np.int64)
    if kinds[FAKEROUND]:
        fr = np.flatnonzero(code == FAKEROUND)
        approx_angle = 2 * np.sqrt(np.maximum(2 - 2 * cos_half[fr], 0.0))
        n_fake[fr] = js_round(approx_angle * 180 / np.pi / DEG_PER_TRIANGLE)

    if any_closed:
        # A closed ring's first vertex already counts the closing segment, as MapLibre's
        # updateDistance does.
        in_len[ring_first] = _dist(pts[ring_first], pts[ring_last - 1])
    if not sharp.any():
        # No sharp-corner points: the distance only grows at the vertices.
        none = np.zeros(k, bool)
        no_idx = np.zeros(0, np.int64)
        d_cur = _cumulative(in_len, line_start, counts)
        return VertexPlan(
            pos=pts, prev_n=prev_n, next_n=next_n, join_n=join_n, miter=miter, cos_angle=cos_angle,
            turns_left=turns_left, code=code, kinds=kinds, has_prev=has_prev, has_next=has_next,
            n_fake=n_fake, pre=none, pre_idx=no_idx, pre_pos=pts, post=none, post_idx=no_idx, post_pos=pts,
            d_pre=d_cur, d_cur=d_cur, d_post=d_cur,
        )

    # Sharp-corner points: one after the vertex on the outgoing segment, one before the vertex on the
    # incoming segment. The "before" point is measured from where the incoming segment really starts
    # (the previous vertex's "after" point), exactly as MapLibre reuses the moved vertex.
    sco = sharp_corner_offset
    # Sharp corners are middle vertices, so only a ring's ends need excluding (its last vertex
    # repeats the first; its first has no incoming segment in this batch).
    post = sharp & (seg_len > 2 * sco)
    if any_closed:
        post[ring_last] = False
    pi = np.flatnonzero(post)
    post_pos = pts.copy()
    post_pos[pi] += js_round(seg[pi] * (sco / seg_len[pi])[:, None] / grid) * grid
    moved = pi + 1  # segments starting at a moved point are shorter
    in_len[moved] = _dist(pts[moved], post_pos[pi])
    pre = sharp & (in_len > 2 * sco)
    if any_closed:
        pre[ring_first] = False
    qi = np.flatnonzero(pre)
    seg_start = post_pos[qi - 1]
    pre_pos = pts.copy()
    pre_pos[qi] -= js_round((pts[qi] - seg_start) * (sco / in_len[qi])[:, None] / grid) * grid

    # Distance increments in MapLibre's order: start -> pre point -> vertex -> post point.
    inc_pre = np.zeros(k)
    inc_pre[qi] = _dist(pre_pos[qi], seg_start)
    inc_cur = in_len
    inc_cur[qi] = _dist(pts[qi], pre_pos[qi])
    inc_post = np.zeros(k)
    inc_post[pi] = _dist(post_pos[pi], pts[pi])
    d_post = _cumulative(inc_pre + inc_cur + inc_post, line_start, counts)
    d_cur = d_post - inc_post
    d_pre = d_cur - inc_cur

    return VertexPlan(
        pos=pts, prev_n=prev_n, next_n=next_n, join_n=join_n, miter=miter, cos_angle=cos_angle,
        turns_left=turns_left, code=code, kinds=kinds, has_prev=has_prev, has_next=has_next,
        n_fake=n_fake, pre=pre, pre_idx=qi, pre_pos=pre_pos, post=post, post_idx=pi, post_pos=post_pos,
        d_pre=d_pre, d_cur=d_cur, d_post=d_post,
    )


def _cumulative(total: np.ndarray, line_start: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sum of ``total`` restarting at each line: one cumulative sum over the batch minus the
    sum before the line's first vertex."""
    d = np.cumsum(total)
    if len(counts) > 1:  # a single line would subtract exactly 0 (total[0] - total[0])
        d -= np.repeat(d[line_start] - total[line_start], counts)
    return d
