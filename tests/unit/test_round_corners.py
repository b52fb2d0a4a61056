"""fill-extrusion-rounded-corner-distance: corner cutting in tile units, without GL."""

from __future__ import annotations

import numpy as np

from glrender.tessellate.round_corners import round_polygon_corners, units_per_meter


def _square(a: float, b: float) -> np.ndarray:
    return np.array([[a, a], [b, a], [b, b], [a, b], [a, a]], dtype=np.float64)


def test_units_per_meter_at_equator() -> None:
    # z0 tile at the equator row: 8192 units over the circumference.
    upm = units_per_meter(1, 0, 8192)
    assert upm > 8192 / (2 * np.pi * 6378137.0 / 2)  # the tile row's latitude shrinks metres


def test_corners_cut_and_grid_snapped() -> None:
    ring = _square(1000, 3000)
    upm = units_per_meter(16, 32768, 8192)
    (out,) = round_polygon_corners([ring], 100 / upm, 16, 32768, 8192)  # ~100 units
    assert np.all(out[0] == out[-1])  # still closed
    assert len(out) > len(ring)
    assert np.all(out == np.round(out))  # on the integer grid of an 8192 tile
    # The sharp corners are gone, and no point leaves the square.
    for corner in ring[:-1]:
        assert not np.any(np.all(out == corner, axis=1))
    assert out.min() >= 1000 and out.max() <= 3000
    # A cut never goes further than the distance along an edge.
    on_bottom = out[(out[:, 1] == 1000)]
    assert on_bottom[:, 0].min() >= 1000 + 99 - 1


def test_clamped_to_a_quarter_of_short_edges() -> None:
    ring = _square(1000, 1400)  # 400-unit edges
    (out,) = round_polygon_corners([ring], 1e6, 16, 32768, 8192)
    on_bottom = out[(out[:, 1] == 1000)]
    assert abs(on_bottom[:, 0].min() - 1100) <= 1


def test_zero_and_buffer_corners_unchanged() -> None:
    ring = _square(-100, 9000)  # every corner in the buffer, outside the tile
    assert round_polygon_corners([ring], 0.0, 16, 0, 8192)[0] is ring
    (out,) = round_polygon_corners([ring], 50.0, 16, 32768, 8192)
    np.testing.assert_array_equal(out, ring)
