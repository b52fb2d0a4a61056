"""Line uniforms that need no GL: dash layout scale and translated tile clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glrender.geo.camera import Camera, TileID
from glrender.render.uniforms import tile_ratio, translated, translated_clip_rect, translation_units


def test_tile_ratio_is_pixels_per_tile_unit_at_the_integer_zoom() -> None:
    cam = Camera(lon=0.0, lat=0.0, zoom=2.7, width=256, height=256)
    assert tile_ratio(cam, TileID(2, 1, 1, 2), 8192) == 512 / 8192
    # An overscaled tile's geometry is in its canonical tile's units.
    assert tile_ratio(cam, TileID(1, 0, 0, 2), 4096) == 1024 / 4096


def test_translation_in_map_frame_is_css_pixels_times_units_per_pixel() -> None:
    cam = Camera(lon=0.0, lat=0.0, zoom=3, bearing=90, width=256, height=256)
    assert translation_units([15, -5], "map", cam, 2.0) == (30.0, -10.0)


def test_viewport_translation_turns_with_the_bearing() -> None:
    cam = Camera(lon=0.0, lat=0.0, zoom=3, bearing=90, width=256, height=256)
    tx, ty = translation_units([10, 0], "viewport", cam, 1.0)
    # With bearing 90 the view faces east, so screen right is south: tile +y.
    assert tx == pytest.approx(0.0, abs=1e-9) and ty == pytest.approx(10.0)
    m = translated(np.eye(4), [10, 0], "viewport", cam, 1.0)
    assert m[1, 3] == pytest.approx(ty) and math.isclose(m[0, 3], tx, abs_tol=1e-9)


def test_translated_geometry_is_clipped_to_its_tiles_square() -> None:
    # Shifted right and down by 30 units: the last 30 units of the tile fall outside, and the clip
    # (tested on untranslated positions) must start 30 units before the tile's origin.
    assert translated_clip_rect(4096, (30.0, 30.0)) == (-30.0, -30.0, 4066.0, 4066.0)
    assert translated_clip_rect(4096, (0.0, 0.0)) == (0.0, 0.0, 4096.0, 4096.0)
