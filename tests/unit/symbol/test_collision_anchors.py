"""Collision grid semantics and line anchors (pure geometry, no GL)."""

from __future__ import annotations

import math

import numpy as np

from glrender.symbol.anchors import Anchor, center_anchor, check_max_angle, clip_lines, line_anchors
from glrender.symbol.collision import CollisionGrid
from glrender.symbol.polylabel import pole_of_inaccessibility


def test_grid_hits_overlaps_only() -> None:
    g = CollisionGrid(512, 512)
    g.insert(10, 10, 50, 30)
    assert g.hit(40, 20, 80, 60)
    assert not g.hit(51, 10, 90, 30)
    assert g.hit(50, 30, 60, 40)  # touching counts, as in MapLibre's grid


def test_cooperative_ignores_boxes_that_allow_overlap() -> None:
    g = CollisionGrid(256, 256)
    g.insert(0, 0, 10, 10, mode="cooperative")
    assert not g.hit(5, 5, 15, 15, mode="cooperative")
    assert g.hit(5, 5, 15, 15, mode="never")
    g.insert(100, 100, 110, 110, mode="never")
    assert g.hit(105, 105, 120, 120, mode="cooperative")


def test_outside_the_padded_viewport_is_not_inside() -> None:
    g = CollisionGrid(100, 100)
    assert g.inside(-150, -150, -90, -90)
    assert not g.inside(-300, 0, -201, 10)


def test_anchors_are_spaced_and_inside_the_tile() -> None:
    line = np.array([[100.0, 100.0], [4000.0, 100.0]])
    anchors = line_anchors(line, spacing=1000, max_angle=math.radians(45), label_length=200, window=0,
                           overscaling=1, extent=4096)
    xs = [a.x for a in anchors]
    assert len(xs) >= 3
    assert np.allclose(np.diff(xs), 1000)
    assert all(0 <= x < 4096 for x in xs)


def test_short_line_gets_one_anchor_in_the_middle() -> None:
    line = np.array([[1000.0, 1000.0], [1300.0, 1000.0]])
    # the usual first anchor (half a label plus two ems in) would not fit: fall back to the middle
    anchors = line_anchors(line, spacing=2000, max_angle=1.0, label_length=290, window=0, overscaling=1,
                           extent=4096)
    assert [(a.x, a.y) for a in anchors] == [(1150.0, 1000.0)]
    anchors = line_anchors(line, spacing=2000, max_angle=1.0, label_length=100, window=0, overscaling=1,
                           extent=4096)
    assert [(a.x, a.y) for a in anchors] == [(1098.0, 1000.0)]


def test_sharp_bends_reject_the_anchor() -> None:
    line = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 10.0]])
    a = Anchor(90.0, 0.0, 0.0, 0)
    assert not check_max_angle(line, a, label_length=60, window=60, max_angle=math.radians(45))
    straight = np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]])
    assert check_max_angle(straight, Anchor(100.0, 0.0, 0.0, 0), 60, 60, math.radians(45))


def test_center_anchor() -> None:
    a = center_anchor(np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 30.0]]), 4.0, 0.0, 0.0)
    assert a is not None and (a.x, a.y) == (10.0, 10.0) and a.segment == 1


def test_pole_of_inaccessibility_of_an_l_shape() -> None:
    ring = np.array([[0, 0], [100, 0], [100, 20], [20, 20], [20, 100], [0, 100]], np.float64)
    x, y = pole_of_inaccessibility([ring], 1.0)
    assert 0 < x < 20 or 0 < y < 20


def test_clip_lines_cuts_at_the_tile_edges_and_splits() -> None:
    # enters from the left, leaves at the top, comes back: two parts, cut points on the edges
    line = np.array([[-100.0, 50.0], [100.0, 50.0], [100.0, -50.0], [200.0, -50.0], [200.0, 60.0]])
    parts = clip_lines([line], 0, 0, 4096, 4096)
    assert [p.tolist() for p in parts] == [[[0.0, 50.0], [100.0, 50.0], [100.0, 0.0]],
                                           [[200.0, 0.0], [200.0, 60.0]]]
    # cut coordinates round half away from zero, as C's round()
    assert clip_lines([np.array([[-1.0, 0.0], [1.0, 5.0]])], 0, 0, 10, 10)[0][0].tolist() == [0.0, 3.0]
    assert clip_lines([np.array([[-5.0, 5.0], [-1.0, 5.0]])], 0, 0, 10, 10) == []


def test_clipped_lines_entering_the_tile_start_half_a_spacing_in() -> None:
    line = clip_lines([np.array([[-500.0, 100.0], [4000.0, 100.0]])], 0, 0, 4096, 4096)[0]
    anchors = line_anchors(line, spacing=1000, max_angle=1.0, label_length=200, window=0, overscaling=1,
                           extent=4096)
    assert [a.x for a in anchors][:2] == [500.0, 1500.0]


def test_circle_and_batch_tests_agree_with_the_generic_ones() -> None:
    """hit_circle / hit_any / any_inside are written-out forms of hit and inside: same answers."""
    import random

    from glrender.symbol.collision import CollisionGrid, _collide

    rng = random.Random(7)
    for trial in range(40):
        grid = CollisionGrid(400, 300, cell=rng.choice([16.0, 64.0]))
        placed: list[tuple[float, ...]] = []
        for _ in range(rng.randint(0, 60)):
            if rng.random() < 0.5:
                s: tuple[float, ...] = (rng.uniform(-150, 550), rng.uniform(-150, 450), rng.uniform(0.5, 30))
            else:
                x, y = rng.uniform(-150, 550), rng.uniform(-150, 450)
                s = (x, y, x + rng.uniform(0, 60), y + rng.uniform(0, 30))
            grid.insert(*s)
            placed.append(s)
        for _ in range(50):
            shapes: list[tuple[float, ...]] = []
            for _ in range(rng.randint(1, 4)):
                cx, cy = rng.uniform(-200, 600), rng.uniform(-200, 500)
                shapes.append((cx, cy, rng.uniform(0.5, 25)) if rng.random() < 0.7
                              else (cx, cy, cx + rng.uniform(0, 40), cy + rng.uniform(0, 20)))
            want_hit = any(grid.hit(*s, mode="never") for s in shapes)
            assert grid.hit_any(shapes) == want_hit, (trial, shapes)
            # and the generic hit agrees with a brute-force scan
            assert want_hit == any(_collide(s, o) for s in shapes for o in placed), (trial, shapes)
            assert grid.any_inside(shapes) == any(grid.inside(*s) for s in shapes), (trial, shapes)
            for s in shapes:
                if len(s) == 3:
                    assert grid.hit_circle(*s) == grid.hit(*s, mode="never")
