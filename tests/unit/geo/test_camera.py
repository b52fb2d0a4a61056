from __future__ import annotations

import math

import numpy as np
import pytest

from glrender.errors import RenderError
from glrender.geo import mercator
from glrender.geo.camera import Camera, TileID, sub_frustum
from glrender.geo.cover import covering_tiles, covering_zoom


def test_mercator_known_values() -> None:
    assert mercator.lon_to_x(0.0) == 0.5
    assert mercator.lon_to_x(-180.0) == 0.0
    assert mercator.lat_to_y(0.0) == pytest.approx(0.5)
    assert mercator.lat_to_y(mercator.MAX_LAT) == pytest.approx(0.0, abs=1e-12)
    assert mercator.y_to_lat(mercator.lat_to_y(60.1716)) == pytest.approx(60.1716)


def test_center_projects_to_middle_of_view() -> None:
    cam = Camera(24.9443, 60.1716, 14.0, 30.0, 45.0, 800, 600)
    px = cam.project(np.array([cam.center_point]))[0]
    assert px == pytest.approx([400.0, 300.0], abs=1e-6)


def test_flat_view_is_512px_tiles() -> None:
    # At zoom 1 the world is 1024 px wide; lon +90 lies 256 px right of lon 0 at the centre.
    cam = Camera(0.0, 0.0, 1.0, 0.0, 0.0, 512, 512)
    x = mercator.lon_to_x(90.0) * cam.world_size
    y = cam.center_point[1]
    px = cam.project(np.array([[x, y]]))[0]
    assert px == pytest.approx([512.0, 256.0], abs=1e-6)


def test_bearing_is_clockwise() -> None:
    # With bearing 90 the map's east points up: a point east of the centre appears above it.
    cam = Camera(0.0, 0.0, 2.0, 90.0, 0.0, 512, 512)
    cx, cy = cam.center_point
    px = cam.project(np.array([[cx + 100, cy]]))[0]
    assert px == pytest.approx([256.0, 156.0], abs=1e-6)


def test_roll_turns_the_image_about_its_centre() -> None:
    # MapLibre applies roll about the view axis after pitch: the pitched image turns as a whole, the
    # same way a bearing turns a flat one (east goes up for 90 degrees).
    flat = Camera(0.0, 0.0, 2.0, 0.0, 0.0, 512, 512, roll=90.0)
    cx, cy = flat.center_point
    assert flat.project(np.array([[cx + 100, cy]]))[0] == pytest.approx([256.0, 156.0], abs=1e-6)
    pts = np.array([[cx + 70, cy - 40], [cx - 30, cy + 90]])
    base = Camera(0.0, 0.0, 2.0, 20.0, 55.0, 512, 512).project(pts)
    rolled = Camera(0.0, 0.0, 2.0, 20.0, 55.0, 512, 512, roll=30.0).project(pts)
    a = math.radians(30.0)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    assert rolled == pytest.approx((base - 256.0) @ rot.T + 256.0, abs=1e-6)


def test_camera_distance_and_fov() -> None:
    cam = Camera(0, 0, 0, 0, 0, 512, 1280)
    assert cam.camera_to_center_distance == pytest.approx(0.5 / math.tan(0.6435011087932844 / 2) * 1280)
    assert cam.camera_to_center_distance == pytest.approx(1920.0)


def test_pitch_moves_far_points_up_and_shrinks_them() -> None:
    cam = Camera(0.0, 0.0, 3.0, 0.0, 60.0, 512, 512)
    cx, cy = cam.center_point
    near, far = cam.project(np.array([[cx, cy + 50], [cx, cy - 50]]))
    assert near[1] - 256 > 256 - far[1] > 0


def test_unproject_inverts_project() -> None:
    cam = Camera(10.0, 50.0, 12.3, 200.0, 50.0, 640, 480)
    cx, cy = cam.center_point
    pts = np.array([[cx + 30, cy - 20], [cx - 100, cy + 5]])
    back = cam.unproject(cam.project(pts))
    assert back == pytest.approx(pts, abs=1e-6)


def test_sub_frustum_pieces_tile_the_view() -> None:
    cam = Camera(0.0, 0.0, 3.0, 20.0, 40.0, 200, 100, scale=2)
    full = cam.world_matrix()
    p = np.array([cam.center_point[0] + 37, cam.center_point[1] - 11, 0, 1])
    clip = full @ p
    ndc = clip[:2] / clip[3]
    dev = ((ndc[0] + 1) / 2 * 400, (1 - ndc[1]) / 2 * 200)
    # The same point in the piece that contains it lands at the same device pixel.
    x0, y0 = 256, 0
    c2 = sub_frustum(400, 200, x0, y0, 144, 128) @ clip
    n2 = c2[:2] / c2[3]
    dev2 = ((n2[0] + 1) / 2 * 144 + x0, (1 - n2[1]) / 2 * 128 + y0)
    assert dev2 == pytest.approx(dev, abs=1e-9)


def test_bad_camera_values_raise() -> None:
    with pytest.raises(RenderError, match="pitch"):
        Camera(0, 0, 1, 0, 90, 10, 10)
    with pytest.raises(RenderError, match="nan"):
        Camera(float("nan"), 0, 1)
    with pytest.raises(RenderError, match="width"):
        Camera(0, 0, 1, width=0)


def test_covering_zoom_rules() -> None:
    cam = Camera(0, 0, 14.7)
    assert covering_zoom(cam, 512, False) == 14
    assert covering_zoom(cam, 256, True) == 16
    assert covering_zoom(cam, 512, True) == 15


def test_cover_flat_view_exact_tiles() -> None:
    # 512x512 at integer zoom 2 centred on a tile corner: the four tiles around it.
    cam = Camera(0.0, 0.0, 2.0, 0, 0, 512, 512)
    tiles = covering_tiles(cam, maxzoom=14)
    assert {(t.z, t.x, t.y) for t in tiles} == {(2, 1, 1), (2, 2, 1), (2, 1, 2), (2, 2, 2)}


def test_cover_overzoom_and_underzoom() -> None:
    cam = Camera(24.94, 60.17, 16.5, 0, 0, 256, 256)
    tiles = covering_tiles(cam, maxzoom=15)
    assert tiles and all(t.z == 15 and t.overscaled_z == 16 for t in tiles)
    assert covering_tiles(Camera(0, 0, 3), minzoom=5) == []


def test_cover_pitched_uses_lower_zoom_far_away() -> None:
    cam = Camera(13.4, 52.5, 16.0, 0, 80.0, 1024, 1024)
    tiles = covering_tiles(cam, maxzoom=22)
    zs = {t.z for t in tiles}
    assert 16 in zs and min(zs) < 16
    assert len(tiles) < 400


def test_tile_matrix_maps_tile_corner() -> None:
    cam = Camera(0.0, 0.0, 2.0, 0, 0, 512, 512)
    m = cam.tile_matrix(TileID(2, 2, 2, 2), 4096)
    clip = m @ np.array([0, 0, 0, 1.0])
    assert clip[:2] / clip[3] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_cover_wide_low_zoom_view_uses_world_copies() -> None:
    # 1600 px at zoom 0 spans more than three 512-px worlds: copies -2..2 (the outer ones partly).
    tiles = covering_tiles(Camera(0.0, 0.0, 0.0, 0, 0, 1600, 400), maxzoom=6)
    assert {t.wrap for t in tiles} == {-2, -1, 0, 1, 2}
    assert all((t.z, t.x, t.y) == (0, 0, 0) for t in tiles)


def test_camera_world_position_is_the_inverted_view_at_the_origin() -> None:
    """The eye worked out by hand is where the view matrix puts the camera: its inverse applied to the
    view-space origin (to float error), and exactly above the centre without pitch."""
    import random

    import numpy as np

    from glrender.geo.camera import Camera

    rng = random.Random(7)
    for _ in range(300):
        cam = Camera(rng.uniform(-180, 180), rng.uniform(-80, 80), rng.uniform(0, 20), rng.uniform(0, 360),
                     rng.uniform(0, 85), rng.randint(10, 2000), rng.randint(10, 2000))
        ref = np.linalg.inv(cam.view_matrix()) @ np.array([0.0, 0.0, 0.0, 1.0])
        assert np.allclose(cam.camera_world_position(), ref[:3] / ref[3], rtol=1e-8, atol=1e-6)
    flat = Camera(24.9, 60.2, 11.3, 37.0, 0.0, 300, 200)
    x, y = flat.center_point
    assert tuple(flat.camera_world_position()) == (x, y, flat.camera_to_center_distance)


def test_cover_is_kept_with_the_camera_per_arguments() -> None:
    """A camera's whole-view cover is worked out once per set of arguments; callers get their own list."""
    from unittest import mock

    import glrender.geo.cover as cover
    from glrender.geo.camera import Camera

    cam = Camera(24.9, 60.2, 11.3, 20.0, 30.0, 300, 200)
    with mock.patch.object(cover, "_covering_tiles", wraps=cover._covering_tiles) as spy:
        first = cover.covering_tiles(cam, tile_size=512, maxzoom=14)
        first.clear()  # the caller's list, not the kept one
        again = cover.covering_tiles(cam, tile_size=512, maxzoom=14)
        assert spy.call_count == 1 and again
        other = cover.covering_tiles(cam, tile_size=256, maxzoom=14)
        assert spy.call_count == 2
        fresh = Camera(24.9, 60.2, 11.3, 20.0, 30.0, 300, 200)
        assert cover.covering_tiles(fresh, tile_size=256, maxzoom=14) == other and spy.call_count == 3
