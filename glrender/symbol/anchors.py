"""Where symbols go along lines: evenly spaced anchors that keep labels on the line and off sharp
bends (MapLibre's getAnchors / resample / checkMaxAngle / getCenterAnchor behaviour)."""

from __future__ import annotations

import math

import numpy as np

from glrender._record import record


@record(frozen=True)
class Anchor:
    x: float
    y: float
    angle: float     # radians, direction of the segment
    segment: int     # index of the segment's first vertex (-1 for point anchors)


def _seg_lengths(line: np.ndarray) -> np.ndarray:
    d = np.diff(line, axis=0)
    return np.hypot(d[:, 0], d[:, 1])


def check_max_angle(line: np.ndarray | list[list[float]], anchor: Anchor, label_length: float, window: float,
                    max_angle: float) -> bool:
    """False when the label would bend more than ``max_angle`` within any ``window`` of its length.
    ``line`` may be an array or its ``tolist()`` (the same numbers, read several times faster)."""
    if anchor.segment < 0 or label_length == 0:
        return True
    p = (anchor.x, anchor.y)
    index = anchor.segment + 1
    dist = 0.0
    # go back to where the label starts
    while dist > -label_length / 2:
        index -= 1
        if index < 0:
            return False
        dist -= math.hypot(line[index][0] - p[0], line[index][1] - p[1])
        p = (line[index][0], line[index][1])
    dist += math.hypot(line[index][0] - line[index + 1][0], line[index][1] - line[index + 1][1])
    index += 1
    recent: list[tuple[float, float]] = []  # (distance, angle delta)
    total = 0.0
    while dist < label_length / 2:
        if index + 1 >= len(line):
            return False
        prev, cur, nxt = line[index - 1], line[index], line[index + 1]
        a_in = math.atan2(cur[1] - prev[1], cur[0] - prev[0])
        a_out = math.atan2(nxt[1] - cur[1], nxt[0] - cur[0])
        # bends count by their size whatever their direction (a zigzag adds up)
        delta = abs((a_out - a_in + 3 * math.pi) % (2 * math.pi) - math.pi)
        recent.append((dist, delta))
        total += delta
        while recent and dist - recent[0][0] > window:
            total -= recent.pop(0)[1]
        if total > max_angle:
            return False
        index += 1
        dist += math.hypot(cur[0] - nxt[0], cur[1] - nxt[1])
    return True


def _resample(line: np.ndarray, offset: float, spacing: float, window: float, max_angle: float,
              label_length: float, continued: bool, middle: bool, extent: float) -> list[Anchor]:
    half = label_length / 2
    seg = _seg_lengths(line)
    total = float(seg.sum())
    dist = 0.0
    marked = offset - spacing
    out: list[Anchor] = []
    # Python floats: the same arithmetic as on numpy scalars, without their per-operation cost
    pts, segs = line.tolist(), seg.tolist()
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        sd = segs[i]
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        while marked + spacing < dist + sd:
            marked += spacing
            t = (marked - dist) / sd
            x = a[0] + (b[0] - a[0]) * t
            y = a[1] + (b[1] - a[1]) * t
            if 0 <= x < extent and 0 <= y < extent and marked - half >= 0 and marked + half <= total:
                anc = Anchor(_round(x), _round(y), angle, i)
                if not window or check_max_angle(pts, anc, label_length, window, max_angle):
                    out.append(anc)
        dist += sd
    if not middle and not out and not continued:
        out = _resample(line, dist / 2, spacing, window, max_angle, label_length, continued, True, extent)
    return out


def line_anchors(line: np.ndarray, spacing: float, max_angle: float, label_length: float, window: float,
                 overscaling: float, extent: float, glyph_size: float = 24.0, box_scale: float = 1.0) -> list[Anchor]:
    """Anchors every ``spacing`` tile units; lines entering from outside the tile start half a spacing in."""
    if len(line) < 2:
        return []
    x0, y0 = line[0]
    continued = x0 == 0 or x0 == extent or y0 == 0 or y0 == extent
    if spacing - label_length < spacing / 4:
        spacing = label_length + spacing / 4
    extra = glyph_size * 2
    if not continued:
        # label_length is in tile units (layout length times box_scale)
        shaped = label_length / box_scale if box_scale else 0.0
        offset = ((shaped / 2 + extra) * box_scale * overscaling) % spacing
    else:
        offset = (spacing / 2 * overscaling) % spacing
    return _resample(line, offset, spacing, window, max_angle, label_length, continued, False, extent)


def center_anchor(line: np.ndarray, max_angle: float, label_length: float, window: float) -> Anchor | None:
    """The anchor at the middle of the line's length (symbol-placement line-center)."""
    if len(line) < 2:
        return None
    seg = _seg_lengths(line)
    center = float(seg.sum()) / 2
    prev = 0.0
    for i in range(len(line) - 1):
        sd = float(seg[i])
        if prev + sd > center:
            t = (center - prev) / sd if sd else 0.0
            a, b = line[i], line[i + 1]
            anc = Anchor(_round(a[0] + (b[0] - a[0]) * t), _round(a[1] + (b[1] - a[1]) * t),
                         math.atan2(b[1] - a[1], b[0] - a[0]), i)
            if not window or check_max_angle(line, anc, label_length, window, max_angle):
                return anc
            return None
        prev += sd
    return None


def _round(v: float) -> float:
    """C's round(): halves go away from zero (Python's round() goes to even)."""
    return float(math.copysign(math.floor(abs(v) + 0.5), v))


def _cut(p: tuple[float, float], q: tuple[float, float], axis: int, at: float) -> tuple[float, float]:
    """The point of segment p-q where coordinate ``axis`` equals ``at`` (other coordinate rounded, as
    MapLibre's integer tile geometry)."""
    o = 1 - axis
    v = _round(p[o] + (q[o] - p[o]) * ((at - p[axis]) / (q[axis] - p[axis])))
    return (at, v) if axis == 0 else (v, at)


def clip_lines(lines: list[np.ndarray], x1: float, y1: float, x2: float, y2: float) -> list[np.ndarray]:
    """Lines cut to the box [x1, x2) x [y1, y2), split where they leave it (MapLibre's clipLines).

    Line labels are placed on the part inside the tile only, so a line entering the tile starts exactly
    on its edge and counts as continued from the neighbour (its first anchor then sits half a spacing in).
    """
    out: list[list[tuple[float, float]]] = []
    for line in lines:
        # Python floats: a tile's lines are short, and numpy's per-call cost would dominate
        pts: list[tuple[float, float]] = list(map(tuple, np.asarray(line, np.float64).tolist()))
        if len(pts) >= 2 and all(x1 <= x < x2 and y1 <= y < y2 for x, y in pts):
            # Wholly inside (most lines of a tile): nothing is cut, so the segment walk below would
            # only copy the points, joining them to the previous part when it ends where this starts.
            if not out or out[-1][-1] != pts[0]:
                out.append([pts[0]])
            out[-1].extend(pts[1:])
            continue
        for p0, p1 in zip(pts, pts[1:], strict=False):
            skip = False
            # MapLibre's order (left, top, right, bottom) decides how the rounded cut points come out
            for axis, edge, low in ((0, x1, True), (1, y1, True), (0, x2, False), (1, y2, False)):
                out0 = p0[axis] < edge if low else p0[axis] >= edge
                out1 = p1[axis] < edge if low else p1[axis] >= edge
                if out0 and out1:
                    skip = True
                    break
                if out0:
                    p0 = _cut(p0, p1, axis, edge)
                elif out1:
                    p1 = _cut(p0, p1, axis, edge)
            if skip:
                continue
            if not out or out[-1][-1] != p0:
                out.append([p0])
            out[-1].append(p1)
    return [np.array(part, np.float64) for part in out]
