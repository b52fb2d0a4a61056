"""Pole of inaccessibility: the label point of a polygon, found by quad-tree refinement."""

from __future__ import annotations

import heapq
import math

import numpy as np


def _signed_distance(x: float, y: float, rings: list[np.ndarray]) -> float:
    inside = False
    best = math.inf
    for ring in rings:
        a = ring
        b = np.roll(ring, -1, axis=0)
        ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        cross = ((ay > y) != (by > y)) & (x < (bx - ax) * (y - ay) / np.where(by - ay == 0, 1e-300, by - ay) + ax)
        inside ^= bool(np.count_nonzero(cross) % 2)
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / np.where(ll == 0, 1, ll), 0, 1)
        px, py = ax + t * dx - x, ay + t * dy - y
        d = float(np.min(px * px + py * py)) if len(px) else math.inf
        best = min(best, d)
    return (1 if inside else -1) * math.sqrt(best)


def pole_of_inaccessibility(rings: list[np.ndarray], precision: float = 16.0) -> tuple[float, float]:
    outer = rings[0]
    if len(outer) == 0:
        return 0.0, 0.0
    x0, y0 = outer.min(axis=0)
    x1, y1 = outer.max(axis=0)
    w, h = x1 - x0, y1 - y0
    size = min(w, h)
    if size == 0:
        return float(x0), float(y0)
    half = size / 2
    heap: list[tuple[float, float, float, float, float]] = []

    def push(cx: float, cy: float, hh: float) -> None:
        d = _signed_distance(cx, cy, rings)
        heapq.heappush(heap, (-(d + hh * math.sqrt(2)), d, cx, cy, hh))

    x = x0
    while x < x1:
        y = y0
        while y < y1:
            push(x + half, y + half, half)
            y += size
        x += size
    # centroid as the first guess
    a = outer
    b = np.roll(outer, -1, axis=0)
    f = a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1]
    area = f.sum() * 3
    if area != 0:
        cx = float(((a[:, 0] + b[:, 0]) * f).sum() / area)
        cy = float(((a[:, 1] + b[:, 1]) * f).sum() / area)
    else:
        cx, cy = float(outer[0, 0]), float(outer[0, 1])
    best_d, best = _signed_distance(cx, cy, rings), (cx, cy)
    bd = _signed_distance(x0 + w / 2, y0 + h / 2, rings)
    if bd > best_d:
        best_d, best = bd, (x0 + w / 2, y0 + h / 2)
    steps = 0
    while heap and steps < 2000:
        steps += 1
        neg_max, d, cx, cy, hh = heapq.heappop(heap)
        if d > best_d:
            best_d, best = d, (cx, cy)
        if -neg_max - best_d <= precision:
            continue
        hh /= 2
        for ox in (-hh, hh):
            for oy in (-hh, hh):
                push(cx + ox, cy + oy, hh)
    return float(best[0]), float(best[1])
