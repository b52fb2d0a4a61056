"""Polygon, extrusion and point tessellation with exact numbers."""

from __future__ import annotations

import numpy as np

from glrender.tessellate import (
    pack_normal_ed,
    tessellate_extrusions,
    tessellate_points,
    tessellate_polygons,
)
from glrender.tessellate.polygon import limit_rings, signed_areas

# Vector-tile winding: exterior clockwise on screen (positive area with y down), holes opposite.
SQUARE = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=np.float64)
HOLE = np.array([[2, 2], [2, 8], [8, 8], [8, 2]], dtype=np.float64)


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _tri_area(pos: np.ndarray, tris: np.ndarray) -> float:
    a, b, c = (pos[tris[:, i]].astype(np.float64) for i in range(3))
    return float(np.abs(_cross(b - a, c - a)).sum() / 2)


def test_square_with_hole() -> None:
    m = tessellate_polygons([[SQUARE, HOLE]])
    assert len(m.pos) == 8
    assert len(m.triangles) == 8  # n + 2 * holes - 2
    assert _tri_area(m.pos, m.triangles) == 64.0
    pairs = [[0, 1], [1, 2], [2, 3], [3, 0], [4, 5], [5, 6], [6, 7], [7, 4]]
    np.testing.assert_array_equal(m.outlines, pairs)
    np.testing.assert_array_equal(m.polygon_index, [0] * 8)
    assert m.triangles.dtype == np.uint32 and m.outlines.dtype == np.uint32 and m.pos.dtype == np.float32


def test_batch_offsets_and_closed_rings() -> None:
    closed = np.vstack([SQUARE, SQUARE[:1]]) + 100
    m = tessellate_polygons([[SQUARE], [], [closed, HOLE + 100]])
    np.testing.assert_array_equal(m.polygon_index, [0] * 4 + [2] * 9)
    assert m.triangles.min() >= 0 and m.triangles.max() < 13
    assert np.all(m.polygon_index[m.triangles] == m.polygon_index[m.triangles][:, :1])
    assert _tri_area(m.pos, m.triangles) == 100 + 64
    # The closed ring's zero-length closing edge is not an outline; its real edges are.
    assert len(m.outlines) == 4 + 4 + 4
    assert not np.any(np.all(m.pos[m.outlines[:, 0]] == m.pos[m.outlines[:, 1]], axis=1))


def test_signed_area_matches_maplibre_sign() -> None:
    pts = np.vstack([SQUARE, HOLE])
    np.testing.assert_array_equal(signed_areas(pts, np.array([4, 4])), [200, -72])


def test_ring_limit_keeps_largest_holes() -> None:
    outer = np.array([[0, 0], [4096, 0], [4096, 4096], [0, 4096]], dtype=np.float64)
    holes = [np.array([[x, 10], [x, 10 + s], [x + s, 10 + s], [x + s, 10]], dtype=np.float64)
             for x, s in zip(range(20, 4000, 6), [1, 2, 3, 4] * 200, strict=False)]
    kept = limit_rings([outer, *holes], 5)
    assert len(kept) == 5 and kept[0] is outer
    assert all(r[1, 1] - r[0, 1] == 4 for r in kept[1:])
    m = tessellate_polygons([[outer, *holes]], max_rings=500)
    assert len(m.pos) == 4 * 500


def test_extrusion_square() -> None:
    m = tessellate_extrusions([[SQUARE]])
    assert len(m.pos) == 4 * 4 + 4
    assert len(m.indices) == 4 * 2 + 2
    walls = slice(0, 16)
    # MapLibre walks the closed ring from its first point: edge p[i-1] -> p[i], normal
    # unit(perp(p[i] - p[i-1])), which points into a vector-tile exterior ring.
    np.testing.assert_allclose(m.normal[walls][::4], [[0, 1, 0], [-1, 0, 0], [0, -1, 0], [1, 0, 0]], atol=0)
    np.testing.assert_array_equal(m.pos[0:4], [[10, 0], [10, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(m.top[0:4], [0, 1, 0, 1])
    np.testing.assert_array_equal(m.edge_distance[walls], np.repeat([0, 10, 10, 20, 20, 30, 30, 40], 2))
    np.testing.assert_array_equal(m.indices[:2], [[0, 2, 1], [1, 2, 3]])
    np.testing.assert_array_equal(m.normal[16:], [[0, 0, 1]] * 4)
    np.testing.assert_array_equal(m.top[16:], 1)
    roof = m.indices[8:]
    assert _tri_area(m.pos, roof) == 100
    # Roof triangles are earcut's reversed, as MapLibre emits them (it culls back faces).
    p = m.pos.astype(np.float64)
    a, b, c = p[roof[:, 0]], p[roof[:, 1]], p[roof[:, 2]]
    assert np.all(_cross(b - a, c - a) < 0)
    packed = pack_normal_ed(m)
    np.testing.assert_array_equal(packed[0], [0, 16384, 0, 0])
    np.testing.assert_array_equal(packed[1], [1, 16384, 0, 0])
    np.testing.assert_array_equal(packed[16], [1, 0, 16384, 0])


def test_extrusion_boundary_edges_and_outside() -> None:
    # Left edge at x = -64 lies on the buffer border outside the tile: no wall there.
    ring = np.array([[-64, 0], [100, 0], [100, 100], [-64, 100]], dtype=np.float64)
    outside = np.array([[-100, 0], [-50, 0], [-50, 50]], dtype=np.float64)
    m = tessellate_extrusions([[ring], [outside]])
    assert len(m.indices) == 3 * 2 + 2
    np.testing.assert_array_equal(np.unique(m.polygon_index), [0])
    assert not np.any((m.normal[:, 0] == 1) & (m.pos[:, 0] < 0))


def test_extrusion_hole_and_lines() -> None:
    m = tessellate_extrusions([[SQUARE, HOLE]])
    assert len(m.indices) == 8 * 2 + 8
    # A line feature: walls along it (not closed), no roof.
    line = np.array([[0, 0], [10, 0], [10, 10]], dtype=np.float64)
    m = tessellate_extrusions([[line], [SQUARE]], is_polygon=[False, True])
    assert np.count_nonzero(m.polygon_index == 0) == 2 * 4
    assert np.all(m.normal[m.polygon_index == 0, 2] == 0)


def test_extrusion_edge_distance_restart() -> None:
    # MapLibre works in 8192-unit tiles and restarts before an edge would end past 32768 there.
    # Skewed so no edge lies along the tile border; edges are 10000 long at extent 8192.
    ring = np.array([[0, 0], [10000, 0.01], [10000.01, 10000], [0.01, 10000.01]], dtype=np.float64)
    m = tessellate_extrusions([[ring]], extent=8192)
    np.testing.assert_allclose(m.edge_distance[:16:4], [0, 10000, 20000, 0], atol=0.1)
    # At extent 4096 the same restart happens at 16384 of our units, and packing doubles distances.
    m = tessellate_extrusions([[ring / 2]], extent=4096)
    np.testing.assert_allclose(m.edge_distance[:16:4], [0, 5000, 10000, 0], atol=0.1)
    np.testing.assert_allclose(pack_normal_ed(m, 4096)[2:16:4, 3], [10000, 20000, 30000, 10000])


def test_points() -> None:
    q = tessellate_points(np.array([[1, 2], [3, 4]], dtype=np.float64))
    np.testing.assert_array_equal(q.pos[::4], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(q.corner[:4], [[-1, -1], [1, -1], [1, 1], [-1, 1]])
    np.testing.assert_array_equal(q.point_index, [0, 0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(q.indices, [[0, 1, 2], [0, 3, 2], [4, 5, 6], [4, 7, 6]])
    assert len(tessellate_points(np.zeros((0, 2)))) == 0
