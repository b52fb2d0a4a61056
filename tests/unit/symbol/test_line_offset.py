"""Glyph positions along lines with text-offset (pure geometry, no GL)."""

from __future__ import annotations

import math

import numpy as np

from glrender.symbol.project import along_line, offset_line


def test_offset_line_meets_at_the_corners() -> None:
    # a right-angle corner moved 1 to the left of the direction of travel (y down as on screen)
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])
    moved = offset_line(line, 1.0)
    assert np.allclose(moved, [[0.0, 1.0], [9.0, 1.0], [9.0, 10.0]])
    # straight lines just move sideways
    assert np.allclose(offset_line(np.array([[0.0, 0.0], [5.0, 0.0], [9.0, 0.0]]), -2.0), [[0, -2], [5, -2], [9, -2]])


def test_offset_glyphs_walk_the_moved_line_with_the_lines_angles() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])
    # anchor at x=5; glyphs 0 and 6 units on along the inside of the corner (9 + 2 down the moved line)
    pts, ang, ok = along_line(line, 0, np.array([5.0, 0.0]), np.array([0.0, 6.0]), False, 0.0, 1.0)
    assert ok
    assert np.allclose(pts, [[5.0, 1.0], [9.0, 3.0]])
    assert np.allclose(ang, [0.0, math.pi / 2])


def test_text_offset_x_moves_the_label_centre_and_survives_flipping() -> None:
    line = np.array([[0.0, 0.0], [100.0, 0.0]])
    centers = np.array([-2.0, 2.0])
    pts, _, _ = along_line(line, 0, np.array([50.0, 0.0]), centers, False, 10.0)
    assert np.allclose(pts[:, 0], [58.0, 62.0])
    # a flipped label mirrors its glyphs about the same centre, still 10 on along the line
    pts, ang, _ = along_line(line, 0, np.array([50.0, 0.0]), centers, True, 10.0)
    assert np.allclose(pts[:, 0], [62.0, 58.0]) and np.allclose(ang, math.pi)


def test_label_running_off_the_line_does_not_fit() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert not along_line(line, 0, np.array([5.0, 0.0]), np.array([-6.0, 0.0]), False)[2]
