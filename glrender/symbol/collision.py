"""The collision index: axis-aligned boxes in screen pixels of the WHOLE output image, in a grid.

MapLibre's CollisionIndex works on the viewport plus a 100 px margin; boxes entirely outside that area
are never placed. Overlap modes: "never" symbols avoid every box, "always" ignore them, "cooperative"
ones only avoid boxes of "never" symbols.
"""

from __future__ import annotations

import math

VIEWPORT_PADDING = 100.0


class CollisionGrid:
    def __init__(self, width: float, height: float, cell: float = 64.0) -> None:
        self.x0 = -VIEWPORT_PADDING
        self.y0 = -VIEWPORT_PADDING
        self.x1 = width + VIEWPORT_PADDING
        self.y1 = height + VIEWPORT_PADDING
        self.cell = cell
        self.cols = max(1, math.ceil((self.x1 - self.x0) / cell))
        self.rows = max(1, math.ceil((self.y1 - self.y0) / cell))
        self._cells: dict[int, list[int]] = {}
        self._boxes: list[tuple[float, float, float, float, str]] = []

    def inside(self, x1: float, y1: float, x2: float, y2: float) -> bool:
        return x2 >= self.x0 and x1 < self.x1 and y2 >= self.y0 and y1 < self.y1

    def _span(self, x1: float, y1: float, x2: float, y2: float) -> tuple[int, int, int, int]:
        c = self.cell
        cx1 = max(0, min(self.cols - 1, int((x1 - self.x0) // c)))
        cx2 = max(0, min(self.cols - 1, int((x2 - self.x0) // c)))
        cy1 = max(0, min(self.rows - 1, int((y1 - self.y0) // c)))
        cy2 = max(0, min(self.rows - 1, int((y2 - self.y0) // c)))
        return cx1, cy1, cx2, cy2

    def hit(self, x1: float, y1: float, x2: float, y2: float, mode: str = "never") -> bool:
        cx1, cy1, cx2, cy2 = self._span(x1, y1, x2, y2)
        boxes = self._boxes
        for cy in range(cy1, cy2 + 1):
            row = cy * self.cols
            for cx in range(cx1, cx2 + 1):
                for k in self._cells.get(row + cx, ()):
                    bx1, by1, bx2, by2, bmode = boxes[k]
                    if mode == "cooperative" and bmode != "never":
                        continue
                    if x1 <= bx2 and bx1 <= x2 and y1 <= by2 and by1 <= y2:
                        return True
        return False

    def insert(self, x1: float, y1: float, x2: float, y2: float, mode: str = "never") -> None:
        k = len(self._boxes)
        self._boxes.append((x1, y1, x2, y2, mode))
        cx1, cy1, cx2, cy2 = self._span(x1, y1, x2, y2)
        for cy in range(cy1, cy2 + 1):
            row = cy * self.cols
            for cx in range(cx1, cx2 + 1):
                self._cells.setdefault(row + cx, []).append(k)
