"""Line tessellation with exact numbers, worked out by hand from MapLibre's LineBucket rules."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.tessellate import tessellate_lines

S2 = np.sqrt(2.0)


def _a(*rows: object) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def test_straight_butt_line() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0])])
    np.testing.assert_array_equal(m.pos, [[0, 0], [0, 0], [100, 0], [100, 0]])
    # Normal of a segment along +x is perp(1, 0) = (0, 1); left vertex +normal, right vertex -normal.
    np.testing.assert_array_equal(m.extrude, [[0, 1], [0, -1], [0, 1], [0, -1]])
    np.testing.assert_array_equal(m.normal, [[0, -1], [0, 1], [0, -1], [0, 1]])
    np.testing.assert_array_equal(m.direction, [0, 0, 0, 0])
    np.testing.assert_array_equal(m.linesofar, [0, 0, 100, 100])
    np.testing.assert_array_equal(m.indices, [[0, 2, 1], [2, 3, 1]])
    np.testing.assert_array_equal(m.line_lengths, [100])
    assert m.pos.dtype == np.float32 and m.indices.dtype == np.uint32 and m.line_index.dtype == np.int32


def test_right_angle_miter() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0], [100, 100])], join="miter")
    assert len(m) == 6
    np.testing.assert_allclose(m.extrude[2:4], [[-1, 1], [1, -1]], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(m.extrude[2:4], axis=1), [S2, S2], rtol=1e-6)
    np.testing.assert_array_equal(m.linesofar, [0, 0, 100, 100, 200, 200])
    assert len(m.indices) == 4


def test_miter_past_limit_becomes_bevel() -> None:
    # Miter length sqrt(2) > limit 1.2 (and <= 2): a bevel, two pairs at the corner with offset -1.
    m = tessellate_lines([_a([0, 0], [100, 0], [100, 100])], join="miter", miter_limit=1.2)
    assert len(m) == 8
    np.testing.assert_allclose(m.extrude[2:6], [[-1, 1], [0, -1], [-1, 1], [1, 0]], atol=1e-6)
    np.testing.assert_array_equal(m.direction[2:6], [-1, 0, 1, 0])
    np.testing.assert_array_equal(m.pos[2:6], [[100, 0]] * 4)
    assert len(m.indices) == 6


def test_bevel_join_uses_limit_105() -> None:
    # join=bevel forces miter_limit 1.05: a gentle corner (miter length < 1.05) stays a miter.
    gentle = tessellate_lines([_a([0, 0], [100, 0], [200, 20])], join="bevel")
    assert len(gentle) == 6
    sharp = tessellate_lines([_a([0, 0], [100, 0], [100, 100])], join="bevel")
    assert len(sharp) == 8


def test_very_sharp_angle_flips_bevel() -> None:
    # Nearly reversing: miter length > 2 -> flipped bevel (two pairs with opposite vectors).
    m = tessellate_lines([_a([0, 0], [100, 0], [0, 10])], join="miter")
    assert len(m) == 8
    np.testing.assert_allclose(m.extrude[4:6], -m.extrude[2:4], atol=1e-6)
    assert np.all(np.linalg.norm(m.extrude, axis=1) <= 2.0 + 1e-6)


def test_round_caps() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0])], cap="round")
    assert len(m) == 8
    np.testing.assert_array_equal(m.normal[:, 0], [1, 1, 0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(m.direction, [-1, 1, 0, 0, 0, 0, 1, -1])
    # Cap vertices are pushed one half-width along the line, outwards.
    np.testing.assert_allclose(m.extrude[[0, 1, 6, 7]], [[-1, 1], [-1, -1], [1, 1], [1, -1]], atol=1e-6)
    np.testing.assert_array_equal(m.pos[:2], [[0, 0], [0, 0]])


def test_square_caps() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0])], cap="square")
    assert len(m) == 4
    np.testing.assert_allclose(m.extrude, [[-1, 1], [-1, -1], [1, 1], [1, -1]], atol=1e-6)
    np.testing.assert_array_equal(m.normal[:, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(m.direction, [-1, 1, 1, -1])


def test_round_join_small_angle_is_fake_round() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0], [100, 100])], join="round")
    # Right angle: miter length 1.41 in (1.05, 2] -> fake round with round(87.7 / 20) = 4 slices:
    # closing pair, 3 pie vertices, opening pair.
    assert len(m) == 2 + 2 + 3 + 2 + 2
    pie = m.extrude[4:7]
    np.testing.assert_allclose(np.linalg.norm(pie, axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(m.direction[4:7], 0)
    np.testing.assert_array_equal(m.normal[4:7, 0], 0)
    # Below round_limit it is a miter.
    assert len(tessellate_lines([_a([0, 0], [100, 0], [200, 10])], join="round")) == 6


def test_round_join_sharp_angle_uses_round_flag() -> None:
    m = tessellate_lines([_a([0, 0], [100, 0], [0, 30])], join="round")
    assert len(m) == 2 + 8 + 2
    np.testing.assert_array_equal(m.normal[2:10, 0], [0, 0, 1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(m.direction[2:10], [0, 0, 1, -1, -1, 1, 0, 0])


def test_closed_ring_joins_last_to_first() -> None:
    sq = _a([0, 0], [100, 0], [100, 100], [0, 100])
    m = tessellate_lines([sq], closed=True)
    assert len(m) == 10  # 4 corners + the first corner again, one miter pair each
    np.testing.assert_array_equal(m.pos[[0, 8]], [[0, 0], [0, 0]])
    np.testing.assert_allclose(m.extrude[0:2], m.extrude[8:10], atol=1e-6)
    np.testing.assert_allclose(np.abs(m.extrude), 1, atol=1e-6)  # every corner is a right-angle miter
    # MapLibre counts the closing segment before the first vertex.
    np.testing.assert_array_equal(m.linesofar[::2], [100, 200, 300, 400, 500])
    np.testing.assert_array_equal(m.line_lengths, [400])
    assert len(m.indices) == 8
    # Passing the ring already closed gives the same mesh.
    again = tessellate_lines([np.vstack([sq, sq[:1]])], closed=True)
    np.testing.assert_array_equal(again.extrude, m.extrude)


def test_repeated_points_dropped() -> None:
    m = tessellate_lines([_a([0, 0], [0, 0], [50, 0], [50, 0], [100, 0], [100, 0])])
    ref = tessellate_lines([_a([0, 0], [50, 0], [100, 0])])
    np.testing.assert_array_equal(m.pos, ref.pos)
    np.testing.assert_array_equal(m.extrude, ref.extrude)
    assert len(m) == 6


def test_linesofar_and_lengths() -> None:
    m = tessellate_lines([_a([0, 0], [30, 0], [30, 40])])
    np.testing.assert_array_equal(m.linesofar, [0, 0, 30, 30, 70, 70])
    np.testing.assert_array_equal(m.line_lengths, [70])


def test_sharp_corner_extra_vertices() -> None:
    # A right angle is "sharp" (< 75 deg half-angle rule); segments longer than 2 * 120 tile units get
    # extra pairs 120 units (15 px at extent 4096) before and after the corner.
    m = tessellate_lines([_a([0, 0], [1000, 0], [1000, 1000])])
    np.testing.assert_array_equal(m.pos[::2], [[0, 0], [880, 0], [1000, 0], [1000, 120], [1000, 1000]])
    np.testing.assert_array_equal(m.linesofar[::2], [0, 880, 1000, 1120, 2000])
    np.testing.assert_allclose(m.extrude[2:4], [[0, 1], [0, -1]], atol=1e-6)  # plain segment normal
    np.testing.assert_allclose(m.extrude[6:8], [[-1, 0], [1, 0]], atol=1e-6)
    # Overscaled tiles shrink the offset; past 16x it is 0 and MapLibre adds the pairs on the corner.
    m2 = tessellate_lines([_a([0, 0], [1000, 0], [1000, 1000])], overscaling=2)
    np.testing.assert_array_equal(m2.pos[2], [940, 0])


def test_distance_restart() -> None:
    # MapLibre restarts past 16384 of its 8192-unit tile, i.e. 8192 of ours at extent 4096.
    m = tessellate_lines([_a([0, 0], [8192, 0])])
    assert len(m) == 4
    m = tessellate_lines([_a([0, 0], [8193, 0])])
    assert len(m) == 6
    m = tessellate_lines([_a([0, 0], [20000, 0])])
    np.testing.assert_array_equal(m.linesofar, [0, 0, 20000, 20000, 0, 0])
    np.testing.assert_array_equal(m.pos[4:], m.pos[2:4])
    assert len(m.indices) == 4
    m = tessellate_lines([_a([0, 0], [20000, 0])], reset_distance=False)
    np.testing.assert_array_equal(m.linesofar, [0, 0, 20000, 20000])


def test_quantize_matches_packing() -> None:
    m = tessellate_lines([_a([0, 0], [101, 0], [201, 37])], quantize=True)
    np.testing.assert_allclose(m.extrude * 63, np.round(m.extrude * 63), atol=1e-4)
    # linesofar keeps 2 units of MapLibre's 8192-unit tile: 1 unit at extent 4096.
    np.testing.assert_array_equal(m.linesofar, [0, 0, 101, 101, 207, 207])
    m = tessellate_lines([_a([0, 0], [101, 0], [201, 37])], quantize=True, extent=8192)
    np.testing.assert_array_equal(m.linesofar, [0, 0, 100, 100, 206, 206])
    # Extrusions packed, distances exact (lines with clips pack their progress elsewhere).
    m = tessellate_lines([_a([0, 0], [101, 0], [201, 37])], quantize=True, quantize_distance=False)
    np.testing.assert_allclose(m.extrude * 63, np.round(m.extrude * 63), atol=1e-4)
    end = 101 + np.hypot(100, 37)
    np.testing.assert_allclose(m.linesofar, [0, 0, 101, 101, end, end], rtol=1e-6)


def test_quantize_wraps_long_miters_like_maplibres_unsigned_bytes() -> None:
    # A 2.236-width miter packs as round(63 * 2.236) + 128 = 269, stored as 13: the vertex flips to
    # -115 / 63 (line-miter-limit/global-state in MapLibre's render tests shows the artefact).
    m = tessellate_lines([_a([0, 200], [100, 0], [200, 200])], miter_limit=5, quantize=True)
    raw = tessellate_lines([_a([0, 200], [100, 0], [200, 200])], miter_limit=5)
    miter = np.abs(raw.extrude[:, 1]) > 2
    np.testing.assert_allclose(raw.extrude[miter, 1], [np.sqrt(5), -np.sqrt(5)], rtol=1e-6)
    np.testing.assert_allclose(m.extrude[miter, 1], [-115 / 63, 115 / 63], rtol=1e-6)


def test_batch_line_index_and_dropped_lines() -> None:
    lines = [_a([0, 0], [10, 0]), _a([5, 5]), _a([3, 3], [3, 3]), _a([0, 0], [0, 10], [10, 10])]
    m = tessellate_lines(lines, join=["miter", "miter", "round", "bevel"])
    np.testing.assert_array_equal(np.unique(m.line_index), [0, 3])
    np.testing.assert_array_equal(m.line_lengths, [10, 0, 0, 20])
    assert np.all(m.pos[m.line_index == 0, 1] == 0)
    # Triangles never mix lines.
    owner = m.line_index[m.indices]
    assert np.all(owner == owner[:, :1])
    assert np.count_nonzero(m.line_index == 3) == 8  # bevel at the corner


def test_empty_and_errors() -> None:
    m = tessellate_lines([])
    assert m.pos.shape == (0, 2) and m.indices.shape == (0, 3) and m.line_lengths.shape == (0,)
    m = tessellate_lines([_a([1, 1])])
    assert len(m) == 0 and m.line_lengths.shape == (1,)
    with pytest.raises(ValueError, match="line-join"):
        tessellate_lines([_a([0, 0], [1, 1])], join="pointy")
    with pytest.raises(ValueError, match="closed"):
        tessellate_lines([_a([0, 0], [1, 1])], closed=[True, False])
