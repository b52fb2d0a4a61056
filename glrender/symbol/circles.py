"""Collision circles of labels along lines (MapLibre's bboxifyLabel and placeLineFeature behaviour).

A label that follows a line collides as a chain of circles laid along the line in tile units, not as
one box: a diagonal or curved street name then blocks only the strip it covers. At placement only the
circles between the first and the last glyph (as projected this frame) are used, thinned where they
crowd together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from glrender._record import record


@record(frozen=True)
class LineCircles:
    """Circle centres along the line (tile units), their signed distances from the anchor (padded by
    0.8 as MapLibre's, 0 for circles next to the anchor) and the radius in tile units."""

    centers: np.ndarray    # (n, 2)
    distances: np.ndarray  # (n,)
    radius: float


def line_circles(line: np.ndarray, anchor: tuple[float, float], segment: int, length: float, height: float,
                 box_scale: float, overscaling: float) -> LineCircles | None:
    """Circles covering a label ``length`` x ``height`` tile units long and tall (padding included)
    centred on the anchor, plus spare ones beyond its ends for labels that grow in pitched views."""
    if height <= 0:
        return None
    pts = line.tolist()  # Python floats: element access in the walks below is several times faster
    size = max(10.0 * box_scale, height)
    step = size / 2
    n_boxes = max(int(math.floor(length / step)), 1)
    n_pad = int(math.floor(n_boxes * (1 + 0.4 * math.log2(overscaling)) / 2))
    first_offset = -size / 2
    label_start = -length / 2
    pad_start = label_start - length / 8
    # walk back from the anchor to the vertex where the padded label starts
    p = (float(anchor[0]), float(anchor[1]))
    index = segment + 1
    anchor_dist = first_offset
    while True:
        if index == 0:
            if anchor_dist > label_start:
                return None  # no room before the start of the line
            break
        index -= 1
        q = pts[index]
        anchor_dist -= math.hypot(q[0] - p[0], q[1] - p[1])
        p = (float(q[0]), float(q[1]))
        if anchor_dist <= pad_start:
            break
    seg_len = math.hypot(pts[index + 1][0] - pts[index][0], pts[index + 1][1] - pts[index][1])
    centers: list[tuple[float, float]] = []
    dists: list[float] = []
    for i in range(-n_pad, n_boxes + n_pad):
        off = i * step
        d = label_start + off
        # spare circles spread out twice as far
        if off < 0:
            d += off
        if off > length:
            d += off - length
        if d < anchor_dist:
            continue  # the line does not reach back this far
        stop = False
        while anchor_dist + seg_len < d:
            anchor_dist += seg_len
            index += 1
            if index + 1 >= len(pts):
                stop = True
                break
            seg_len = math.hypot(pts[index + 1][0] - pts[index][0], pts[index + 1][1] - pts[index][1])
        if stop:
            break
        t = (d - anchor_dist) / seg_len if seg_len else 0.0
        a, b = pts[index], pts[index + 1]
        centers.append((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
        dists.append(0.0 if abs(d - first_offset) < step else (d - first_offset) * 0.8)
    if not centers:
        return None
    return LineCircles(np.array(centers, np.float64), np.array(dists, np.float64), size / 2)


def tile_distance(plane_line: Sequence[Sequence[float]], tile_line: np.ndarray, segment: int,
                  plane_anchor: Sequence[float], tile_anchor: np.ndarray, offset: float
                  ) -> tuple[float, float, float] | None:
    """How far along the line a glyph ``offset`` plane units from the anchor sits, as MapLibre's tile
    distance: tile units up to the last vertex passed, plane units from there, and the plane angle of
    its segment; None when it falls off the line. ``plane_line`` may be a list of (x, y) (faster)."""
    direction = 1 if offset > 0 else -1
    want = abs(offset)
    index = segment if direction > 0 else segment + 1
    first = index
    cur = plane_anchor
    walked = 0.0
    seg = 0.0
    prev = cur
    while walked + seg <= want:
        index += direction
        if index < 0 or index >= len(plane_line):
            return None
        prev = cur
        cur = plane_line[index]
        walked += seg
        seg = math.hypot(cur[0] - prev[0], cur[1] - prev[1])
    last_vertex = index - direction
    if last_vertex == first:
        prev_tile = 0.0
    else:
        # tile distance from the anchor to the last vertex passed: to the first vertex ahead of it,
        # then whole segments
        near = segment + 1 if direction > 0 else segment
        lo, hi = sorted((near, last_vertex))
        prev_tile = float(math.hypot(*(tile_line[near] - tile_anchor)))
        if hi > lo:
            prev_tile += float(np.hypot(*np.diff(tile_line[lo:hi + 1], axis=0).T).sum())
    angle = math.atan2(cur[1] - prev[1], cur[0] - prev[0])
    return prev_tile, want - walked, angle


def used_circles(circles: LineCircles, first: float, last: float, screen: np.ndarray,
                 radius_px: float) -> list[tuple[float, float, float]]:
    """Screen circles (cx, cy, r) of the label between tile distances ``-first`` and ``last``, dropping
    circles that crowd their predecessor (closer than sqrt(2) radii) unless the next one is unused."""
    out: list[tuple[float, float, float]] = []
    d = circles.distances.tolist()
    xy = screen.tolist()
    n = len(d)
    prev_placed = False
    for i in range(n):
        if d[i] < -first or d[i] > last:
            prev_placed = False
            continue
        x, y = xy[i]
        if prev_placed:
            px, py = out[-1][0], out[-1][1]
            if radius_px * radius_px * 2 > (x - px) ** 2 + (y - py) ** 2 and i + 1 < n \
                    and -first < d[i + 1] < last:
                prev_placed = False
                continue
        prev_placed = True
        out.append((x, y, radius_px))
    return out
