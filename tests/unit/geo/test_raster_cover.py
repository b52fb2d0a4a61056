"""Raster cover details: source bounds and the masking of parent tiles by their children."""

from __future__ import annotations

import math

from glrender.geo.camera import Camera, TileID
from glrender.geo.cover import tile_in_bounds, unmasked_rects


def test_tile_in_bounds_follows_tilebounds_rounding() -> None:
    # Berlin bounds at z14 span x 8802.05..8803.00 and y 5374.46..5375.02: floor/ceil keep x 8802
    # and y 5374..5375 (a sliver of 0.016 tile is enough)
    b = (13.4043671, 52.4959407, 13.425247606101294, 52.5033795378269)
    assert tile_in_bounds(14, 8802, 5374, b)
    assert tile_in_bounds(14, 8802, 5375, b)
    assert not tile_in_bounds(14, 8801, 5374, b)
    assert not tile_in_bounds(14, 8803, 5374, b)
    assert not tile_in_bounds(14, 8802, 5373, b)
    assert tile_in_bounds(0, 0, 0, b)
    assert tile_in_bounds(3, 5, 1, None)


def test_parent_shows_only_where_no_child_is_drawn() -> None:
    parent = TileID(1, 0, 0, 1)
    child = TileID(2, 1, 1, 2)  # bottom-right quarter of the parent
    rects = unmasked_rects([child, parent])
    assert rects[child] == [(0.0, 0.0, 1.0, 1.0)]
    assert sorted(rects[parent]) == [(0.0, 0.0, 0.5, 0.5), (0.0, 0.5, 0.5, 1.0), (0.5, 0.0, 1.0, 0.5)]


def test_deep_child_cuts_a_quadtree_hole() -> None:
    parent = TileID(0, 0, 0, 0)
    child = TileID(2, 0, 0, 2)
    cells = unmasked_rects([parent, child])[parent]
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in cells)
    assert math.isclose(area, 1 - 1 / 16)
    assert len(cells) == 3 + 3


def test_other_world_copies_and_covering_ancestors() -> None:
    a = TileID(1, 0, 0, 1, wrap=0)
    b = TileID(2, 0, 0, 2, wrap=1)
    assert unmasked_rects([a, b])[a] == [(0.0, 0.0, 1.0, 1.0)]
    # the same canonical tile drawn overscaled above hides it completely
    over = TileID(1, 0, 0, 3)
    assert unmasked_rects([a, over])[a] == []


def test_aligned_matrix_snaps_the_centre_to_the_pixel_grid() -> None:
    cam = Camera(13.418056, 52.499167, 16, width=512, height=256)
    x, y = cam.center_point
    p = cam.aligned_proj_matrix() @ [x, y, 0.0, 1.0]
    sx = (p[0] / p[3] + 1) / 2 * cam.width
    sy = (1 - p[1] / p[3]) / 2 * cam.height
    # the true centre lands at the middle shifted by its sub-pixel part: whole pixels everywhere
    wx, wy = sx - (x - math.floor(x + 0.5)), sy - (y - math.floor(y + 0.5))
    assert abs(wx - 256) < 1e-6 and abs(wy - 128) < 1e-6
