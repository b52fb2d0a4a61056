"""The collision index: shapes in screen pixels of the WHOLE output image, in a grid.

Shapes are axis-aligned boxes ``(x1, y1, x2, y2)`` or circles ``(cx, cy, r)``; labels along lines
collide as a chain of circles, everything else as boxes, as in MapLibre's GridIndex. MapLibre's
CollisionIndex works on the viewport plus a 100 px margin; shapes entirely outside that area are never
placed. Overlap modes: "never" symbols avoid every shape, "always" ignore them, "cooperative" ones only
avoid shapes of "never" symbols.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

VIEWPORT_PADDING = 100.0

# (x1, y1, x2, y2) or (cx, cy, r)
Shape = tuple[float, ...]


def bounds(s: Shape) -> tuple[float, float, float, float]:
    if len(s) == 3:
        cx, cy, r = s
        return (cx - r, cy - r, cx + r, cy + r)
    return (s[0], s[1], s[2], s[3])


def _collide(a: Shape, b: Shape) -> bool:
    if len(a) == 4 and len(b) == 4:
        # touching counts, as in MapLibre's grid
        return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
    if len(a) == 3 and len(b) == 3:
        dx, dy, rr = a[0] - b[0], a[1] - b[1], a[2] + b[2]
        return dx * dx + dy * dy < rr * rr
    c, box = (a, b) if len(a) == 3 else (b, a)
    hw, hh = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    dx = abs(c[0] - (box[0] + hw))
    dy = abs(c[1] - (box[1] + hh))
    r = c[2]
    if dx > hw + r or dy > hh + r:
        return False
    if dx <= hw or dy <= hh:
        return True
    ex, ey = dx - hw, dy - hh
    return ex * ex + ey * ey <= r * r


_Entry = tuple[Shape, str]  # a placed shape and its overlap mode


class CollisionGrid:
    def __init__(self, width: float, height: float, cell: float = 64.0) -> None:
        self.x0 = -VIEWPORT_PADDING
        self.y0 = -VIEWPORT_PADDING
        self.x1 = width + VIEWPORT_PADDING
        self.y1 = height + VIEWPORT_PADDING
        self.cell = cell
        self.cols = max(1, math.ceil((self.x1 - self.x0) / cell))
        self.rows = max(1, math.ceil((self.y1 - self.y0) / cell))
        # Each cell lists the entries of the shapes touching it (one tuple shared by all its cells):
        # the tests below read shapes straight from the cells, with no index to look up.
        self._cells: dict[int, list[_Entry]] = {}

    def inside(self, *shape: float) -> bool:
        x1, y1, x2, y2 = bounds(shape)
        return x2 >= self.x0 and x1 < self.x1 and y2 >= self.y0 and y1 < self.y1

    def _span(self, x1: float, y1: float, x2: float, y2: float) -> tuple[int, int, int, int]:
        c = self.cell
        cx1 = max(0, min(self.cols - 1, int((x1 - self.x0) // c)))
        cx2 = max(0, min(self.cols - 1, int((x2 - self.x0) // c)))
        cy1 = max(0, min(self.rows - 1, int((y1 - self.y0) // c)))
        cy2 = max(0, min(self.rows - 1, int((y2 - self.y0) // c)))
        return cx1, cy1, cx2, cy2

    def _near(self, x1: float, y1: float, x2: float, y2: float) -> list[list[_Entry]]:
        """The non-empty cells a box touches (a shape spanning several is in each of them)."""
        cx1, cy1, cx2, cy2 = self._span(x1, y1, x2, y2)
        cells, cols = self._cells, self.cols
        if cx1 == cx2 and cy1 == cy2:  # most labels are smaller than a cell
            got = cells.get(cy1 * cols + cx1)
            return [got] if got else []
        out = []
        for cy in range(cy1, cy2 + 1):
            row = cy * cols
            for cx in range(cx1, cx2 + 1):
                got = cells.get(row + cx)
                if got:
                    out.append(got)
        return out

    def hit(self, *shape: float, mode: str = "never") -> bool:
        if mode == "never":
            # the common tests, without the generic shape dispatch
            return self.hit_box(*shape) if len(shape) == 4 else self.hit_circle(*shape)
        for cell in self._near(*bounds(shape)):
            for other, omode in cell:
                if mode == "cooperative" and omode != "never":
                    continue
                if _collide(shape, other):
                    return True
        return False

    def hit_box(self, x1: float, y1: float, x2: float, y2: float) -> bool:
        """``hit`` for a box in "never" mode, the test most labels make."""
        for cell in self._near(x1, y1, x2, y2):
            for o, _mode in cell:
                if len(o) == 4:
                    if x1 <= o[2] and o[0] <= x2 and y1 <= o[3] and o[1] <= y2:
                        return True
                elif _collide((x1, y1, x2, y2), o):
                    return True
        return False

    def hit_circle(self, cx: float, cy: float, r: float) -> bool:
        """``hit`` for a circle in "never" mode (labels along lines test a chain of them)."""
        circle = (cx, cy, r)
        for cell in self._near(cx - r, cy - r, cx + r, cy + r):
            for o, _mode in cell:
                if _collide(circle, o):
                    return True
        return False

    def hit_any(self, shapes: Sequence[Shape], mode: str = "never") -> bool:
        """Whether any of a label's shapes collides (``hit`` for each, circles the fast way)."""
        if mode == "never":
            for sh in shapes:
                if self.hit_circle(*sh) if len(sh) == 3 else self.hit_box(*sh):
                    return True
            return False
        return any(self.hit(*sh, mode=mode) for sh in shapes)

    def any_inside(self, shapes: Sequence[Shape]) -> bool:
        """Whether any of the shapes reaches the collision area (``inside`` for each)."""
        x0, y0, x1, y1 = self.x0, self.y0, self.x1, self.y1
        for sh in shapes:
            if len(sh) == 3:
                cx, cy, r = sh
                if cx + r >= x0 and cx - r < x1 and cy + r >= y0 and cy - r < y1:
                    return True
            elif sh[2] >= x0 and sh[0] < x1 and sh[3] >= y0 and sh[1] < y1:
                return True
        return False

    def insert_box(self, x1: float, y1: float, x2: float, y2: float, mode: str = "never") -> None:
        """``insert`` for a box (``insert`` hands boxes here)."""
        self._add(((x1, y1, x2, y2), mode), x1, y1, x2, y2)

    def insert(self, *shape: float, mode: str = "never") -> None:
        if len(shape) == 4:
            self.insert_box(*shape, mode=mode)
            return
        self._add((tuple(shape), mode), *bounds(shape))

    def _add(self, entry: _Entry, x1: float, y1: float, x2: float, y2: float) -> None:
        cx1, cy1, cx2, cy2 = self._span(x1, y1, x2, y2)
        cells, cols = self._cells, self.cols
        for cy in range(cy1, cy2 + 1):
            row = cy * cols
            for cx in range(cx1, cx2 + 1):
                got = cells.get(row + cx)
                if got is None:
                    cells[row + cx] = [entry]
                else:
                    got.append(entry)
