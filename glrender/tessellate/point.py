"""Quads for point rendering (circles, heatmap): 4 vertices and 2 triangles per point."""

from __future__ import annotations

import numpy as np

from glrender._record import record

# Corner order and triangles follow MapLibre's CircleBucket: (-1,-1), (1,-1), (1,1), (-1,1);
# triangles (0,1,2) and (0,3,2).
_CORNERS = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32)
_TRIS = np.array([[0, 1, 2], [0, 3, 2]], dtype=np.int64)


@record
class QuadMesh:
    pos: np.ndarray  # (N, 2) float32 point position, repeated for the 4 corners
    corner: np.ndarray  # (N, 2) float32 in {-1, 1}
    point_index: np.ndarray  # (N,) int32 index of the input point
    indices: np.ndarray  # (M, 3) uint32

    def __len__(self) -> int:
        return len(self.pos)


def tessellate_points(points: np.ndarray) -> QuadMesh:
    """One quad per point of a (P, 2) array in tile coordinates."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p = len(pts)
    tris = (4 * np.arange(p)[:, None, None] + _TRIS[None]).reshape(-1, 3)
    return QuadMesh(
        pos=np.repeat(pts, 4, axis=0).astype(np.float32),
        corner=np.tile(_CORNERS, (p, 1)),
        point_index=np.repeat(np.arange(p), 4).astype(np.int32),
        indices=tris.astype(np.uint32),
    )
