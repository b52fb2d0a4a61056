"""Output vertices of line tessellation and the pairs written into them (MapLibre's addCurrentVertex).

line._emit gives every line vertex a block of output vertices, gathers the left/right pairs of all
join kinds in a PairBatch and writes them with two scatters: buckets are small, so the number of
numpy calls, not the amount of data, is what costs.
"""

from __future__ import annotations

import numpy as np

from ._line_joins import VertexPlan


class LineOut:
    """Output half-vertices of all lines; each vertex's block starts at ``off`` (see line._emit)."""

    def __init__(self, p: VertexPlan, nv: np.ndarray, vertex_line: np.ndarray) -> None:
        ends = np.cumsum(nv)
        self.off = ends - nv
        n = int(ends[-1])
        # Most output vertices sit on their line vertex at its distance; sharp-corner pairs override.
        # Each float32 (x, y) row repeated as one 8-byte item: numpy's 1-d repeat is much faster.
        pos32 = p.pos.astype(np.float32)
        self.pos = np.repeat(pos32.view(np.int64).ravel(), nv).view(np.float32).reshape(-1, 2)
        self.dist = np.repeat(p.d_cur, nv)
        self.line = np.repeat(vertex_line, nv)
        self.ext = np.empty((n, 2), np.float32)
        self.ex, self.ey = self.ext[:, 0], self.ext[:, 1]  # views: written in place
        self.round = np.zeros(n, bool)
        self.up = np.zeros(n, bool)
        self.half = np.zeros(n, bool)  # fake-round pie slices (no distance-restart check there)
        self.dir = np.zeros(n, np.float32)

    def _pairs(self, o: np.ndarray, normal: np.ndarray, end_l: np.ndarray | float,
               end_r: np.ndarray | float) -> np.ndarray:
        """MapLibre's addCurrentVertex: left (down) vertex at output slots ``o``, right (up) after it.
        Returns the right slots."""
        o1 = o + 1
        nx, ny = normal[:, 0], normal[:, 1]
        self.ex[o] = nx + ny * end_l
        self.ey[o] = ny - nx * end_l
        self.ex[o1] = ny * end_r - nx
        self.ey[o1] = -ny - nx * end_r
        self.up[o1] = True
        return o1

    def even_pairs(self, slots: list[np.ndarray], normals: list[np.ndarray], ends: list[float]) -> None:
        """Pairs whose two ends are the same number per group (0 unless a round cap or join quad).
        All groups go through one scatter: at these sizes the numpy call count is the cost. An end
        of 0 leaves the direction +0; the round quads (ends +-1) get the round flag."""
        if not slots:
            return
        o = np.concatenate(slots)
        normal = np.concatenate(normals)
        if not any(ends):
            self._pairs(o, normal, 0.0, 0.0)
            return
        end = np.repeat(np.array(ends), [len(g) for g in slots])
        o1 = self._pairs(o, normal, end, end)
        rnd = end != 0
        self.round[o] = rnd
        self.round[o1] = rnd
        self.dir[o] = end  # sign(end), +0 included
        self.dir[o1] = 0.0 - end  # -sign(end), but +0 for 0

    def sided_pairs(self, slots: list[np.ndarray], normals: list[np.ndarray], end_l: list[np.ndarray],
                    end_r: list[np.ndarray]) -> None:
        """Pairs with an end per vertex (square caps, bevels): directions sign(end_l) and -sign(end_r),
        -0 included, as MapLibre's addCurrentVertex computes them."""
        if not slots:
            return
        o = np.concatenate(slots)
        el, er = np.concatenate(end_l), np.concatenate(end_r)
        o1 = self._pairs(o, np.concatenate(normals), el, er)
        self.dir[o] = np.sign(el)
        self.dir[o1] = -np.sign(er)


class PairBatch:
    """Pairs gathered over the join kinds, then written by LineOut with two scatters: at bucket sizes
    the number of numpy calls, not the data, is the cost. ``even``: both ends the same number (0
    unless a round quad); ``sided``: an end per vertex and side (square caps, bevels)."""

    def __init__(self) -> None:
        self.even_o: list[np.ndarray] = []
        self.even_n: list[np.ndarray] = []
        self.even_end: list[float] = []
        self.sided_o: list[np.ndarray] = []
        self.sided_n: list[np.ndarray] = []
        self.sided_l: list[np.ndarray] = []
        self.sided_r: list[np.ndarray] = []

    def even(self, o: np.ndarray, normal: np.ndarray, end: float) -> None:
        self.even_o.append(o)
        self.even_n.append(normal)
        self.even_end.append(end)

    def sided(self, o: np.ndarray, normal: np.ndarray, end_l: np.ndarray, end_r: np.ndarray) -> None:
        self.sided_o.append(o)
        self.sided_n.append(normal)
        self.sided_l.append(end_l)
        self.sided_r.append(end_r)

    def write(self, out: LineOut) -> None:
        out.even_pairs(self.even_o, self.even_n, self.even_end)
        out.sided_pairs(self.sided_o, self.sided_n, self.sided_l, self.sided_r)
