"""Raster-dem decoding, borders and colour ramps (pure)."""

from __future__ import annotations

import numpy as np

from glrender.render.dem import backfill, bordered, color_ramp, elevations, tile_lat_range, unpack_vector


def test_encodings() -> None:
    px = np.array([[[1, 134, 160, 255]]], dtype=np.uint8)
    # mapbox: (R * 65536 + G * 256 + B) / 10 - 10000
    want = np.float32(-10000 + (65536 + 134 * 256 + 160) / 10)
    assert elevations(px, unpack_vector({"encoding": "mapbox"}))[0, 0] == want
    # terrarium: R * 256 + G + B / 256 - 32768
    assert elevations(px, unpack_vector({"encoding": "terrarium"}))[0, 0] == np.float32(256 + 134 + 160 / 256 - 32768)
    custom = {"encoding": "custom", "redFactor": 2, "greenFactor": 3, "blueFactor": 4, "baseShift": 5}
    assert elevations(px, unpack_vector(custom))[0, 0] == 2 + 3 * 134 + 4 * 160 - 5
    assert unpack_vector({}) == unpack_vector({"encoding": "mapbox"})


def test_border_takes_neighbour_edges() -> None:
    own = np.zeros((3, 3), np.float32)
    dem = bordered(own)
    left = np.arange(9, dtype=np.float32).reshape(3, 3)
    backfill(dem, left, -1, 0)
    assert dem[1:4, 0].tolist() == [2, 5, 8]  # the left neighbour's right column
    corner = np.full((3, 3), 7, np.float32)
    corner[2, 2] = 9
    backfill(dem, corner, -1, -1)
    assert dem[0, 0] == 9 and dem[0, 1] == 0  # only the corner pixel comes from a diagonal neighbour
    below = np.arange(9, dtype=np.float32).reshape(3, 3)
    backfill(dem, below, 0, 1)
    assert dem[4, 1:4].tolist() == [0, 1, 2]


def test_lat_range_of_tiles() -> None:
    north, south = tile_lat_range(1, 0)
    assert abs(north - 85.0511287798) < 1e-6 and south == 0.0


def test_color_ramp_unpremultiplies_with_floor() -> None:
    ramp = color_ramp(lambda t: (0.5 * t, 0.0, 0.0, t))  # premultiplied red, alpha t
    assert ramp.shape == (1, 256, 4)
    assert ramp[0, 0].tolist() == [0, 0, 0, 0]
    assert ramp[0, 128].tolist() == [127, 0, 0, 127]
