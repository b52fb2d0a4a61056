"""Collision circles of line labels and circle collisions in the grid (pure geometry, no GL)."""

from __future__ import annotations

import numpy as np

from glrender.symbol.circles import line_circles, tile_distance, used_circles
from glrender.symbol.collision import CollisionGrid


def test_circles_cover_the_label_along_the_line() -> None:
    line = np.array([[0.0, 0.0], [1000.0, 0.0]])
    c = line_circles(line, (500.0, 0.0), 0, length=100.0, height=20.0, box_scale=1.0, overscaling=1.0)
    assert c is not None and c.radius == 10.0
    assert np.allclose(c.centers[:, 1], 0.0)
    # circles half a diameter apart from the label's start at x=450 (MapLibre's first circle touches
    # it), spare ones twice as far apart beyond the label
    xs = c.centers[:, 0]
    own = xs[(xs >= 450) & (xs <= 560)]
    assert own.min() == 460.0 and own.max() == 560.0 and np.allclose(np.diff(own), 10.0)
    assert np.allclose(np.diff(xs[xs < 460]), 20.0) and np.allclose(np.diff(xs[xs > 560]), 20.0)
    # circles next to the anchor carry distance 0, the others 0.8 of theirs
    near = np.abs(c.centers[:, 0] - 500) < 10
    assert np.all(c.distances[near] == 0)
    assert np.allclose(c.distances[~near], (c.centers[~near, 0] - 500) * 0.8)


def test_circles_follow_bends_and_stop_at_the_line_end() -> None:
    line = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 60.0]])
    c = line_circles(line, (90.0, 0.0), 0, length=60.0, height=20.0, box_scale=1.0, overscaling=1.0)
    assert c is not None
    assert np.any(c.centers[:, 1] > 0) and np.all(c.centers[:, 1] <= 60.0)
    # no room before the start of the line: no circles at all
    assert line_circles(line, (5.0, 0.0), 0, length=60.0, height=20.0, box_scale=1.0, overscaling=1.0) is None


def test_tile_distance_counts_whole_segments_in_tile_units() -> None:
    tile_line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])
    plane_line = tile_line * 2  # two plane units per tile unit
    anchor = np.array([5.0, 0.0])
    prev, last, _ = tile_distance(plane_line, tile_line, 0, anchor * 2, anchor, 6.0)  # type: ignore[misc]
    assert (prev, last) == (0.0, 6.0)  # still on the anchor's segment
    prev, last, angle = tile_distance(plane_line, tile_line, 0, anchor * 2, anchor, 14.0)  # type: ignore[misc]
    assert (prev, last) == (5.0, 4.0) and abs(angle - np.pi / 2) < 1e-9
    assert tile_distance(plane_line, tile_line, 0, anchor * 2, anchor, 40.0) is None


def test_only_circles_between_the_end_glyphs_are_used_and_crowded_ones_dropped() -> None:
    line = np.array([[0.0, 0.0], [1000.0, 0.0]])
    c = line_circles(line, (500.0, 0.0), 0, length=100.0, height=20.0, box_scale=1.0, overscaling=1.0)
    assert c is not None
    screen = c.centers.copy()
    used = used_circles(c, 30.0, 30.0, screen, 10.0)
    xs = [x for x, _, _ in used]
    assert min(xs) >= 460 and max(xs) <= 540
    # circles 10 px apart with a 10 px radius crowd each other: every other one goes
    assert len(used) < int(np.sum(np.abs(c.distances) <= 30))


def test_grid_circles_hit_boxes_and_circles() -> None:
    g = CollisionGrid(512, 512)
    g.insert(100.0, 100.0, 10.0)
    assert g.hit(105.0, 105.0, 120.0, 120.0)          # box corner inside the circle
    assert not g.hit(108.0, 108.0, 120.0, 120.0)      # box corner outside the rounded edge
    assert g.hit(115.0, 100.0, 6.0)                   # circles overlapping
    assert not g.hit(125.0, 100.0, 5.0)               # circles apart
    g.insert(300.0, 300.0, 340.0, 310.0)
    assert g.hit(320.0, 318.0, 9.0) and not g.hit(320.0, 320.0, 9.0)
    assert g.inside(-105.0, 0.0, 10.0) and not g.inside(-111.0, 0.0, 10.0)
