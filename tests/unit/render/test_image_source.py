"""Image sources: MapLibre's holding tile, corner rounding and projective warp (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.render.draw_raster import grid_mesh
from glrender.render.image_source import (
    BILINEAR_WARP,
    corner_tile,
    corner_tile_coords,
    image_warp,
)

COORDS = [(-122.51596391201019, 37.56238816766053), (-122.51467645168304, 37.56410183312965),
          (-122.51309394836426, 37.563391708549425), (-122.51423120498657, 37.56161849366671)]


def test_corner_tile_is_the_zoom_whose_tile_just_holds_the_extent() -> None:
    assert corner_tile(COORDS) == (16, 10464, 25379)
    corners = corner_tile_coords(COORDS, (16, 10464, 25379))
    assert corners == [(5320.0, 7456.0), (7240.0, 4232.0), (9600.0, 5568.0), (7904.0, 8904.0)]


def test_rectangles_and_parallelograms_are_bilinear() -> None:
    assert image_warp([(0, 0), (10, 0), (10, 10), (0, 10)]) == BILINEAR_WARP
    assert image_warp([(0, 0), (10, 2), (12, 12), (2, 10)]) == BILINEAR_WARP


def test_trapezoid_warp_maps_the_unit_square_onto_the_corners() -> None:
    corners = [(2.0, 0.0), (8.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    px, py, blend = image_warp(corners)
    assert blend == 0.0
    tl, tr, br, bl = (np.array(c) for c in corners)
    for (u, v), want in (((0, 0), tl), ((1, 0), tr), ((1, 1), br), ((0, 1), bl)):
        den = px * u + py * v + 1
        pos = ((tr - tl + px * tr) * u + (bl - tl + py * bl) * v + tl) / den
        assert pos == pytest.approx(want)


def test_concave_quad_falls_back_to_bilinear() -> None:
    assert image_warp([(0, 0), (10, 0), (2, 2), (0, 10)]) == BILINEAR_WARP


def test_grid_mesh_covers_the_square_with_two_triangles_per_cell() -> None:
    verts, idx = grid_mesh(4)
    assert verts.shape == (25, 2) and len(idx) == 4 * 4 * 6
    tri = verts[idx].reshape(-1, 3, 2)
    a, b = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    area = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum() / 2
    assert area == pytest.approx(1.0)
