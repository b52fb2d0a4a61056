"""Overlays drawn by the real renderer on the demo style, at places inside its data (Helsinki), land at
the pixels the Web Mercator maths says: pins (tip on the coordinate, also @2x and with bearing), paths,
GeoJSON polygons and points, ``auto`` and ``bbox``."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from server.config import demo_config

BASE = "/styles/v1/demo/basic/static"
LON, LAT, ZOOM = 24.94, 60.17, 14.0
W, H = 400, 300


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    pytest.importorskip("glrender.api")
    with TestClient(create_app(demo_config(), workers=0)) as c:
        probe = c.get(f"{BASE}/{LON},{LAT},{ZOOM}/8x8")
        if probe.status_code == 503:
            pytest.skip(f"no usable OpenGL here: {probe.json()['message']}")
        yield c


def _px(lon: float, lat: float, zoom: float = ZOOM, centre: tuple[float, float] = (LON, LAT)) -> tuple[float, float]:
    """CSS pixel of (lon, lat) in a north-up W x H image centred on ``centre``."""
    world = 512 * 2**zoom

    def merc(lo: float, la: float) -> tuple[float, float]:
        s = math.sin(math.radians(la))
        return (lo + 180) / 360 * world, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world

    x, y = merc(lon, lat)
    cx, cy = merc(*centre)
    return W / 2 + x - cx, H / 2 + y - cy


def _get(client: TestClient, path: str) -> np.ndarray:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")).astype(int)


def _is(pixel: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> bool:
    return bool(np.abs(pixel - np.array(rgb)).max() <= tol)


def _encode(obj: Any) -> str:
    return quote(json.dumps(obj, separators=(",", ":")), safe="")


def test_pin_tip_on_its_coordinate(client: TestClient) -> None:
    plon, plat = 24.936, 60.171
    img = _get(client, f"{BASE}/pin-l+ff0000({plon},{plat})/{LON},{LAT},{ZOOM}/{W}x{H}")
    x, y = (round(v) for v in _px(plon, plat))
    assert _is(img[y - 30, x], (255, 0, 0))  # the head (36 px wide) is 48 - 18 = 30 px above the tip
    assert _is(img[y - 3, x], (255, 0, 0), tol=60)  # the narrow end, just above the tip
    assert not _is(img[y + 3, x], (255, 0, 0), tol=60)  # nothing below the tip
    assert not _is(img[y - 30, x + 25], (255, 0, 0), tol=60)  # nor beside the head


def test_pin_at_2x_with_label(client: TestClient) -> None:
    img = _get(client, f"{BASE}/pin-s-a+0000ff({LON},{LAT})/{LON},{LAT},{ZOOM}/{W}x{H}@2x")
    assert img.shape == (2 * H, 2 * W, 3)
    cx, tip = W, H  # device pixels of the centre
    head = img[tip - 2 * 18, cx - 14: cx + 15]  # the head row through its middle (pin-s head centre is 18 px above)
    assert sum(_is(p, (0, 0, 255)) for p in head) >= 4  # blue body either side of the letter
    letter = img[tip - 2 * 18 - 8: tip - 2 * 18 + 8, cx - 6: cx + 6].reshape(-1, 3)
    assert sum(_is(p, (255, 255, 255), tol=40) for p in letter) > 5  # a white "A"


def test_path_pixels(client: TestClient) -> None:
    a, b = (24.934, LAT), (24.946, LAT)
    # Encode the two points as a precision-5 polyline (lat first, zig-zag varints).
    def enc(v: int) -> str:
        v = ~(v << 1) if v < 0 else v << 1
        out = ""
        while v >= 0x20:
            out += chr((0x20 | (v & 0x1F)) + 63)
            v >>= 5
        return out + chr(v + 63)

    pts = [(round(p[1] * 1e5), round(p[0] * 1e5)) for p in (a, b)]
    poly = enc(pts[0][0]) + enc(pts[0][1]) + enc(pts[1][0] - pts[0][0]) + enc(pts[1][1] - pts[0][1])
    img = _get(client, f"{BASE}/path-6+00ff00-1({quote(poly, safe='')})/{LON},{LAT},{ZOOM}/{W}x{H}")
    x0, y = (round(v) for v in _px(*a))
    x1, _ = (round(v) for v in _px(*b))
    assert all(_is(img[y, x], (0, 255, 0), tol=20) for x in range(x0 + 4, x1 - 4, 7))
    assert not _is(img[y + 8, (x0 + x1) // 2], (0, 255, 0), tol=60)  # 6 px wide: nothing 8 px off the line
    assert not _is(img[y, x0 - 8], (0, 255, 0), tol=60)


def test_geojson_polygon_fill_and_point_marker(client: TestClient) -> None:
    square = [[24.935, 60.169], [24.939, 60.169], [24.939, 60.171], [24.935, 60.171], [24.935, 60.169]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"fill": "#0000ff", "fill-opacity": 1, "stroke-width": 0},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"marker-color": "#ff00ff", "marker-size": "large"},
         "geometry": {"type": "Point", "coordinates": [24.944, 60.1715]}}]}
    img = _get(client, f"{BASE}/geojson({_encode(fc)})/{LON},{LAT},{ZOOM}/{W}x{H}")
    x0, y1 = _px(24.935, 60.169)
    x1, y0 = _px(24.939, 60.171)
    assert _is(img[round((y0 + y1) / 2), round((x0 + x1) / 2)], (0, 0, 255))
    assert _is(img[round(y0) + 3, round(x0) + 3], (0, 0, 255))
    assert not _is(img[round(y0) - 4, round(x0) - 4], (0, 0, 255), tol=60)
    px, py = (round(v) for v in _px(24.944, 60.1715))
    assert _is(img[py - 30, px], (255, 0, 255))  # a large magenta pin on the point


def test_default_simplestyle_polygon_is_translucent_grey(client: TestClient) -> None:
    square = [[24.935, 60.169], [24.939, 60.169], [24.939, 60.171], [24.935, 60.169]]
    plain = _get(client, f"{BASE}/{LON},{LAT},{ZOOM}/{W}x{H}")
    overlay = _encode({"type": "Polygon", "coordinates": [square]})
    img = _get(client, f"{BASE}/geojson({overlay})/{LON},{LAT},{ZOOM}/{W}x{H}")
    x, y = (round(v) for v in _px(24.938, 60.1695))
    # fill #555555 at opacity 0.6 over the map.
    expected = 0.6 * 0x55 + 0.4 * plain[y, x]
    assert np.abs(img[y, x] - expected).max() <= 6


def test_bearing_rotates_overlays_with_the_map(client: TestClient) -> None:
    # A pin east of the centre: with bearing 90 the map's top faces east, so the pin moves up.
    east = 24.943
    dx = _px(east, LAT)[0] - W / 2
    img = _get(client, f"{BASE}/pin-l+ff0000({east},{LAT})/{LON},{LAT},{ZOOM},90/{W}x{H}")
    tip_y = round(H / 2 - dx)
    assert _is(img[tip_y - 30, W // 2], (255, 0, 0))
    assert not _is(img[H // 2 - 30, round(W / 2 + dx)], (255, 0, 0), tol=60)


def test_auto_fits_all_overlays(client: TestClient) -> None:
    a, b = (24.935, 60.168), (24.945, 60.172)
    img = _get(client, f"{BASE}/pin-s+ff00ff({a[0]},{a[1]}),pin-s+00ffff({b[0]},{b[1]})/auto/{W}x{H}")
    # Default padding: 5 % of 300 = 15, capped at 12 px; the taller extent limits the zoom.
    reds = np.argwhere(np.abs(img - (255, 0, 255)).max(axis=2) < 12)  # colours the map itself never uses
    blues = np.argwhere(np.abs(img - (0, 255, 255)).max(axis=2) < 12)
    assert len(reds) > 20 and len(blues) > 20
    assert reds[:, 1].mean() < W / 2 < blues[:, 1].mean()  # a is west, b east
    assert reds[:, 0].mean() > H / 2 > blues[:, 0].mean()  # a south (lower), b north
    assert blues[:, 0].max() - 1 <= H / 2 and blues[:, 0].min() >= 0


def test_bbox_with_padding(client: TestClient) -> None:
    bbox = (24.935, 60.169, 24.945, 60.171)
    ring = [[bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[2], bbox[3]], [bbox[0], bbox[3]], [bbox[0], bbox[1]]]
    overlay = _encode({"type": "Feature", "properties": {"fill": "#00ff00", "fill-opacity": 1, "stroke-width": 0},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}})
    img = _get(client, f"{BASE}/geojson({overlay})/[{','.join(map(str, bbox))}]/{W}x{H}?padding=20")
    green = np.argwhere(np.abs(img - (0, 255, 0)).max(axis=2) < 12)
    top, left = green.min(axis=0)
    bottom, right = green.max(axis=0)
    # The box touches the padding on the limiting axis and is centred on the other.
    assert min(top, H - 1 - bottom) >= 18 or min(left, W - 1 - right) >= 18
    assert abs(top - (H - 1 - bottom)) <= 3 and abs(left - (W - 1 - right)) <= 3
    assert min(top, left) <= 24


def test_before_layer_puts_overlay_under_later_layers(client: TestClient) -> None:
    square = [[24.90, 60.15], [24.98, 60.15], [24.98, 60.19], [24.90, 60.19], [24.90, 60.15]]
    overlay = _encode({"type": "Feature", "properties": {"fill": "#ff00ff", "fill-opacity": 1, "stroke-width": 0},
                       "geometry": {"type": "Polygon", "coordinates": [square]}})
    on_top = _get(client, f"{BASE}/geojson({overlay})/{LON},{LAT},{ZOOM}/{W}x{H}")
    under = _get(client, f"{BASE}/geojson({overlay})/{LON},{LAT},{ZOOM}/{W}x{H}?before_layer=road")
    magenta_top = (np.abs(on_top - (255, 0, 255)).max(axis=2) < 12).mean()
    magenta_under = (np.abs(under - (255, 0, 255)).max(axis=2) < 12).mean()
    assert magenta_top > 0.9 and magenta_under < magenta_top - 0.05  # roads and labels now cover some of it


def _lonlat(px: float, py: float, zoom: float = ZOOM) -> tuple[float, float]:
    """Inverse of ``_px``: the (lon, lat) at CSS pixel (px, py) of the north-up test image."""
    world = 512 * 2**zoom
    s = math.sin(math.radians(LAT))
    cx = (LON + 180) / 360 * world
    cy = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world
    x, y = cx + px - W / 2, cy + py - H / 2
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world))))
    return x / world * 360 - 180, lat


def _polyline(points: list[tuple[float, float]]) -> str:
    """Google's precision-5 encoding of (lon, lat) points (the format ``path-`` takes)."""
    out, prev = [], (0, 0)
    for lon, lat in points:
        cur = (round(lat * 1e5), round(lon * 1e5))
        for delta in (cur[0] - prev[0], cur[1] - prev[1]):
            v = ~(delta << 1) if delta < 0 else delta << 1
            while v >= 0x20:
                out.append(chr((0x20 | (v & 0x1F)) + 63))
                v >>= 5
            out.append(chr(v + 63))
        prev = cur
    return "".join(out)


# A red pin-l on the image centre; its head (36 px wide, 48 px tall, tip on the coordinate) is centred
# 30 px above the tip. A thick blue path crosses the head horizontally.
HEAD = (W / 2, H / 2 - 30)
PIN = f"pin-l+f00({LON},{LAT})"
PATH = "path-10+00f-1({})".format(quote(_polyline([_lonlat(HEAD[0] - 60, HEAD[1]), _lonlat(HEAD[0] + 60, HEAD[1])]),
                                        safe=""))
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _head(img: np.ndarray) -> np.ndarray:
    return img[round(HEAD[1]), round(HEAD[0])]


def test_overlays_stack_in_url_order(client: TestClient) -> None:
    path_on_top = _get(client, f"{BASE}/{PIN},{PATH}/{LON},{LAT},{ZOOM}/{W}x{H}")
    pin_on_top = _get(client, f"{BASE}/{PATH},{PIN}/{LON},{LAT},{ZOOM}/{W}x{H}")
    assert _is(_head(path_on_top), BLUE), _head(path_on_top)
    assert _is(_head(pin_on_top), RED), _head(pin_on_top)
    # Away from the pin the path is the same in both; below the path the pin's body shows in both.
    for img in (path_on_top, pin_on_top):
        assert _is(img[round(HEAD[1]), round(HEAD[0] - 45)], BLUE)
        assert _is(img[round(HEAD[1]) + 12, round(HEAD[0])], RED)


def test_geojson_shapes_and_pins_interleave_in_url_order(client: TestClient) -> None:
    line = _encode({"type": "Feature", "properties": {"stroke": "#0000ff", "stroke-width": 10},
                    "geometry": {"type": "LineString",
                                 "coordinates": [list(_lonlat(HEAD[0] - 60, HEAD[1])),
                                                 list(_lonlat(HEAD[0] + 60, HEAD[1]))]}})
    over = _get(client, f"{BASE}/{PIN},geojson({line})/{LON},{LAT},{ZOOM}/{W}x{H}")
    under = _get(client, f"{BASE}/geojson({line}),{PIN}/{LON},{LAT},{ZOOM}/{W}x{H}")
    assert _is(_head(over), BLUE) and _is(_head(under), RED)


def test_before_layer_puts_pins_and_paths_under_the_map_above_it(client: TestClient) -> None:
    plain = _get(client, f"{BASE}/{LON},{LAT},{ZOOM}/{W}x{H}")
    # Inserted before the opaque background, every overlay (pins too) is under the whole map.
    hidden = _get(client, f"{BASE}/{PATH},{PIN}/{LON},{LAT},{ZOOM}/{W}x{H}?before_layer=background")
    assert np.abs(hidden - plain).max() <= 2
    # Inserted before the last layer (country labels, none here), both stay visible in URL order.
    top = _get(client, f"{BASE}/{PATH},{PIN}/{LON},{LAT},{ZOOM}/{W}x{H}?before_layer=world-country-label")
    assert _is(_head(top), RED) and _is(top[round(HEAD[1]), round(HEAD[0] - 45)], BLUE)
