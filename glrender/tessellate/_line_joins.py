"""Per-vertex analysis for line tessellation: normals, join kinds, sharp-corner points, distances.

This mirrors the decisions MapLibre's LineBucket.addLine makes for every vertex, computed for all
vertices of a batch at once. The emitting half (turning these decisions into vertices) is in line.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._batch import js_round

# Join kinds after MapLibre's per-vertex fallbacks (round -> miter/fakeround, miter -> bevel -> flipbevel).
MITER, FLIPBEVEL, BEVEL, FAKEROUND, BUTT, SQUARE, ROUND = range(7)
JOIN_CODES = {"miter": MITER, "bevel": BEVEL, "round": ROUND, "fakeround": FAKEROUND}
CAP_CODES = {"butt": BUTT, "square": SQUARE, "round": ROUND}

# MapLibre adds extra vertices near corners sharper than 75 degrees so dashes tilt over a short stretch.
COS_HALF_SHARP_CORNER = float(np.cos(75 / 2 * (np.pi / 180)))
SHARP_CORNER_OFFSET = 15  # in pixels at overscaling 1
DEG_PER_TRIANGLE = 20  # angle per pie slice of a fake round join


@dataclass
class VertexPlan:
    """Everything the emitter needs per (deduplicated) line vertex; arrays are (K,) or (K, 2)."""

    pos: np.ndarray  # the vertex
    prev_n: np.ndarray  # normal of the incoming segment
    next_n: np.ndarray  # normal of the outgoing segment
    join_n: np.ndarray  # unit bisector of the two normals (or 0 for a 180 degree turn)
    miter: np.ndarray  # miter length (1 / cos of half the angle), inf for a 180 degree turn
    cos_angle: np.ndarray
    turns_left: np.ndarray
    code: np.ndarray  # join kind after fallbacks, or the cap kind at line ends
    has_prev: np.ndarray
    has_next: np.ndarray
    n_fake: np.ndarray  # pie slices of a fake round join
    pre: np.ndarray  # whether a sharp-corner point precedes the vertex
    pre_pos: np.ndarray
    post: np.ndarray  # whether a sharp-corner point follows the vertex
    post_pos: np.ndarray
    d_pre: np.ndarray  # distance along the line at pre_pos, pos and post_pos
    d_cur: np.ndarray
    d_post: np.ndarray


def _unit_perp(d: np.ndarray) -> np.ndarray:
    """MapLibre's ``d._unit()._perp()``: divide by the length, then rotate (x, y) -> (-y, x)."""
    mag = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    mag[mag == 0] = 1.0  # only the unused slot after each line's last vertex can be zero
    return np.stack([-(d[:, 1] / mag), d[:, 0] / mag], axis=1)


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])


def plan_vertices(
    pts: np.ndarray,
    counts: np.ndarray,
    closed: np.ndarray,
    join_code: np.ndarray,
    cap_code: int,
    miter_limit: float,
    round_limit: float,
    sharp_corner_offset: float,
) -> VertexPlan:
    """Decide the join/cap of every vertex. ``pts`` holds valid deduplicated lines back to back;
    closed lines end with their first point repeated, as MapLibre's polygon rings do."""
    k = len(pts)
    idx = np.arange(k)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    n = np.repeat(counts, counts)
    j = idx - starts
    cl = np.repeat(closed, counts)
    first, last = j == 0, j == n - 1

    # Normal of the segment from each vertex to the next one (garbage after a line's last vertex).
    seg = np.zeros((k, 2))
    if k > 1:
        seg[:-1] = pts[1:] - pts[:-1]
    seg_len = np.sqrt(seg[:, 0] * seg[:, 0] + seg[:, 1] * seg[:, 1])
    seg_n = _unit_perp(seg)

    next_n = seg_n.copy()
    prev_n = np.empty_like(seg_n)
    prev_n[1:] = seg_n[:-1]
    # A closed ring's last vertex repeats the first, so it continues into the first segment, and the
    # first vertex comes from the ring's last segment.
    ring_last = last & cl
    next_n[ring_last] = seg_n[idx[ring_last] - n[ring_last] + 1]
    ring_first = first & cl
    prev_n[ring_first] = seg_n[idx[ring_first] + n[ring_first] - 2]
    # Open ends pretend the line continues straight.
    open_last = last & ~cl
    next_n[open_last] = prev_n[open_last]
    open_first = first & ~cl
    prev_n[open_first] = next_n[open_first]
    has_prev = ~first | cl
    has_next = ~last | cl

    s = prev_n + next_n
    s_mag = np.sqrt(s[:, 0] * s[:, 0] + s[:, 1] * s[:, 1])
    nonzero = (s[:, 0] != 0) | (s[:, 1] != 0)
    join_n = np.where(nonzero[:, None], s / np.where(nonzero, s_mag, 1.0)[:, None], 0.0)
    cos_angle = prev_n[:, 0] * next_n[:, 0] + prev_n[:, 1] * next_n[:, 1]
    cos_half = join_n[:, 0] * next_n[:, 0] + join_n[:, 1] * next_n[:, 1]
    with np.errstate(divide="ignore"):
        miter = np.where(cos_half != 0, 1.0 / np.where(cos_half != 0, cos_half, 1.0), np.inf)
    approx_angle = 2 * np.sqrt(np.maximum(2 - 2 * cos_half, 0.0))
    sharp = (cos_half < COS_HALF_SHARP_CORNER) & has_prev & has_next
    turns_left = prev_n[:, 0] * next_n[:, 1] - prev_n[:, 1] * next_n[:, 0] > 0

    # Join kind, with MapLibre's fallbacks applied in its order.
    lj = np.repeat(join_code, counts)
    middle = has_prev & has_next
    code = np.where(middle, lj, cap_code)
    limit = np.where(lj == BEVEL, 1.05, miter_limit)  # MapLibre forces 1.05 for bevel joins
    rnd = middle & (code == ROUND)
    code[rnd & (miter < round_limit)] = MITER
    code[rnd & ~(miter < round_limit) & (miter <= 2)] = FAKEROUND
    code[(code == MITER) & (miter > limit)] = BEVEL
    bev = code == BEVEL
    code[bev & (miter > 2)] = FLIPBEVEL
    code[bev & (miter < limit)] = MITER
    n_fake = np.where(code == FAKEROUND, js_round(approx_angle * 180 / np.pi / DEG_PER_TRIANGLE), 0)

    # Sharp-corner points: one after the vertex on the outgoing segment, one before the vertex on the
    # incoming segment. The "before" point is measured from where the incoming segment really starts
    # (the previous vertex's "after" point), exactly as MapLibre reuses the moved vertex.
    sco = sharp_corner_offset
    post = sharp & ~last & (seg_len > 2 * sco)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = js_round(seg * (sco / np.where(post, seg_len, 1.0))[:, None])
    post_pos = np.where(post[:, None], pts + step, pts)
    seg_start = np.empty_like(pts)  # where the segment ending at each vertex starts
    seg_start[1:] = post_pos[:-1]
    seg_start[first] = pts[first]
    in_len = _dist(pts, seg_start)
    pre = sharp & ~first & (in_len > 2 * sco)
    with np.errstate(divide="ignore", invalid="ignore"):
        back = js_round((pts - seg_start) * (sco / np.where(pre, in_len, 1.0))[:, None])
    pre_pos = np.where(pre[:, None], pts - back, pts)

    # Distance increments in MapLibre's order: start -> pre point -> vertex -> post point. A closed
    # ring's first vertex already counts the closing segment, as MapLibre's updateDistance does.
    inc = np.zeros((k, 3))
    inc[:, 0] = np.where(pre, _dist(pre_pos, seg_start), 0.0)
    inc[:, 1] = np.where(pre, _dist(pts, pre_pos), in_len)
    ring_prev = np.where(ring_first, idx + n - 2, idx)
    inc[ring_first, 1] = _dist(pts[ring_first], pts[ring_prev[ring_first]])
    inc[open_first, 1] = 0.0
    inc[:, 2] = np.where(post, _dist(post_pos, pts), 0.0)
    cum = np.cumsum(inc.reshape(-1)).reshape(k, 3)
    # Make the running sum restart at each line: subtract the total before the line's first vertex.
    base = (cum[:, 0] - inc[:, 0])[starts]
    d = cum - base[:, None]

    return VertexPlan(
        pos=pts, prev_n=prev_n, next_n=next_n, join_n=join_n, miter=miter, cos_angle=cos_angle,
        turns_left=turns_left, code=code, has_prev=has_prev, has_next=has_next,
        n_fake=n_fake.astype(np.int64), pre=pre, pre_pos=pre_pos, post=post, post_pos=post_pos,
        d_pre=d[:, 0], d_cur=d[:, 1], d_post=d[:, 2],
    )
