"""MapLibre's line-distance restarts, without a per-vertex loop.

MapLibre packs linesofar into 15 bits, so once the distance of a pair of line vertices passes
16384 tile units it adds the pair again with distance 0 and measures on from there. Restarts depend on
the previous restart, so we iterate, but over restart rounds (a handful) rather than over vertices,
and only over the events that are far enough along a line to possibly restart.
"""

from __future__ import annotations

import numpy as np


def apply_distance_resets(
    dist: np.ndarray, can_reset: np.ndarray, line: np.ndarray, threshold: float, enabled: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Return (distance since the latest restart, restart flag) per event.

    ``dist``: distance from the line start per event, non-decreasing within a line, events of a line
    contiguous. ``can_reset``: events at which MapLibre checks (pairs). A restarting event keeps its own
    distance; only the events after it are measured from it.
    """
    reset = np.zeros(len(dist), bool)
    if not enabled or len(dist) == 0:
        return dist, reset
    cand = np.flatnonzero(can_reset & (dist > threshold))
    if len(cand) == 0:
        return dist, reset
    n_lines = int(line.max()) + 1
    base = np.zeros(n_lines)
    last = np.full(n_lines, -1, np.int64)
    while len(cand):
        cl = line[cand]
        rel = dist[cand] - base[cl]
        hit = cand[(rel > threshold) & (cand > last[cl])]
        if len(hit) == 0:
            break
        # First qualifying event per line (candidates are in event order, so np.unique's first index).
        _, first = np.unique(line[hit], return_index=True)
        r = hit[first]
        reset[r] = True
        base[line[r]] = dist[r]
        last[line[r]] = r
        cand = cand[cand > last[line[cand]]]
    restarts = np.flatnonzero(reset)
    # Every event after a restart (same line) is measured from the latest earlier restart.
    k = np.searchsorted(restarts, np.arange(len(dist)), side="left") - 1
    has = k >= 0
    r = restarts[np.where(has, k, 0)]
    has &= line[r] == line
    return np.where(has, dist - dist[r], dist), reset


def restart_runs(start: np.ndarray, end: np.ndarray, group: np.ndarray, threshold: float) -> np.ndarray:
    """Base to subtract from ``start``/``end`` of consecutive spans (e.g. wall edges of one ring).

    MapLibre's fill-extrusion edge distance restarts at 0 at a span whose end would pass ``threshold``.
    ``start``/``end`` are cumulative along each group (groups contiguous); returns one base per span.
    """
    base = np.zeros(len(start))
    if len(start) == 0:
        return base
    cand = np.flatnonzero(end > threshold)
    if len(cand) == 0:
        return base
    n_groups = int(group.max()) + 1
    gbase = np.zeros(n_groups)
    last = np.full(n_groups, -1, np.int64)
    restarts = []
    while len(cand):
        g = group[cand]
        hit = cand[(end[cand] - gbase[g] > threshold) & (cand > last[g])]
        if len(hit) == 0:
            break
        _, first = np.unique(group[hit], return_index=True)
        r = hit[first]
        restarts.append(r)
        gbase[group[r]] = start[r]
        last[group[r]] = r
        cand = cand[cand > last[group[cand]]]
    rs = np.sort(np.concatenate(restarts))
    # Each span is measured from the latest restart at or before it in its group.
    k = np.searchsorted(rs, np.arange(len(start)), side="right") - 1
    has = k >= 0
    r = rs[np.where(has, k, 0)]
    has &= group[r] == group
    return np.where(has, start[r], 0.0)
