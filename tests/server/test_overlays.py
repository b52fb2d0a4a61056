"""Overlay grammar, polyline decoding, simplestyle defaults, the bbox/auto fit and marker art."""

from __future__ import annotations

import numpy as np
import pytest

from server.errors import ApiError
from server.fit import fit_bounds
from server.grammar import Padding, Size, parse_padding
from server.overlays import Marker, Shapes, decode_polyline, parse_overlays
from server.pins import PIN_SIZES, composite, pin_image

SPEC_POLYLINE = "}rpeFxbnjVsFwdAvr@cHgFor@jEmAlFmEMwM_FuItCkOi@wc@bg@wBSgM"


def test_polyline_precision_5() -> None:
    coords = decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@")  # the format's reference example
    assert np.allclose(coords, [(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)])
    spec = decode_polyline(SPEC_POLYLINE)
    assert spec[0] == pytest.approx((-122.46589, 37.77343)) and len(spec) == 12


def test_polyline_errors() -> None:
    for bad in ("_p~iF", "_p~iF~ps|U_ulL", "a b"):
        with pytest.raises(ApiError):
            decode_polyline(bad)
    # A precision-6 polyline read at precision 5 lands out of range: the spec's error.
    with pytest.raises(ApiError) as info:
        decode_polyline("_izlhA~rlgdF_{geC~ywl@_kwzCn`{nI")
    assert info.value.message == "Overlay bounds are out of range."


def test_pins_urls_paths_in_order() -> None:
    o = parse_overlays("pin-s-a+9ed4bd(-122.46589,37.77343),pin-l-embassy+f74e4e(1,2),pin-s(3,4),"
                       "url-https://example.com/a(b),c.png(5,6),path-5+f44-0.5(" + SPEC_POLYLINE
                       + "),pin-s-07+000(0,0)")
    kinds = [i.kind if isinstance(i, Marker) else "shape" for i in o.items]
    assert kinds == ["pin-s", "pin-l", "pin-s", "url", "shape", "pin-s"]
    a, embassy, plain, url, path, seven = o.items
    assert isinstance(a, Marker) and (a.label, a.color) == ("a", "#9ed4bd")
    assert isinstance(embassy, Marker) and embassy.label == "embassy"
    assert isinstance(plain, Marker) and (plain.label, plain.color) == (None, "#7e7e7e")
    assert isinstance(url, Marker) and url.url == "https://example.com/a(b),c.png" and (url.lon, url.lat) == (5, 6)
    assert isinstance(path, Shapes)
    props = path.features[0]["properties"]
    assert props == {"stroke": "#ff4444", "stroke-width": 5.0, "stroke-opacity": 0.5}
    assert isinstance(seven, Marker) and seven.label == "7"


def test_path_parts_optional_and_fill() -> None:
    (only,) = parse_overlays(f"path({SPEC_POLYLINE})").items
    assert isinstance(only, Shapes) and only.features[0]["geometry"]["type"] == "LineString"
    assert only.features[0]["properties"]["stroke"] == "#555555"
    (filled,) = parse_overlays(f"path-2+000-1+0f0-0.25({SPEC_POLYLINE})").items
    assert isinstance(filled, Shapes)
    f = filled.features[0]
    ring = f["geometry"]["coordinates"][0]
    assert f["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    assert (f["properties"]["fill"], f["properties"]["fill-opacity"]) == ("#00ff00", 0.25)


def test_geojson_kinds_and_simplestyle_defaults() -> None:
    fc = ('{"type":"FeatureCollection","features":['
          '{"type":"Feature","properties":{"marker-color":"#462eff","marker-size":"large","marker-symbol":"bus"},'
          '"geometry":{"type":"Point","coordinates":[24.94,60.17]}},'
          '{"type":"Feature","properties":{"stroke":"#f00"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},'
          '{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},'
          '{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":['
          '{"type":"MultiPoint","coordinates":[[1,1],[2,2]]},{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]},'
          '{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}]}}]}')
    o = parse_overlays(f"geojson({fc})")
    markers = o.markers
    assert [(m.kind, m.label, m.color) for m in markers] == [
        ("pin-l", "bus", "#462eff"), ("pin-m", None, "#7e7e7e"), ("pin-m", None, "#7e7e7e")]
    shapes = [i for i in o.items if isinstance(i, Shapes)]
    props = [f["properties"] for s in shapes for f in s.features]
    assert props[0] == {"stroke": "#ff0000", "stroke-width": 2.0, "stroke-opacity": 1.0}
    assert props[1] == {"stroke": "#555555", "stroke-width": 2.0, "stroke-opacity": 1.0, "fill": "#555555",
                        "fill-opacity": 0.6}
    assert o.geojson_features == 4
    assert parse_overlays('geojson({"type":"Point","coordinates":[1,2]})').markers[0].lon == 1


@pytest.mark.parametrize(("text", "status", "message"), [
    ('geojson({"type":"Circle","coordinates":[1,2]})', 422,
     "The GeoJSON argument has an unknown or unsupported geometry type"),
    ('geojson({"type":"Feature","geometry":{"type":"Blob"}})', 422,
     "The GeoJSON argument has an unknown or unsupported geometry type"),
    ('geojson({"type":"Point","coordinates":[200,2]})', 422, "Overlay bounds are out of range."),
    ("pin-s(0,86)", 422, "Overlay bounds are out of range."),
    ("marker-s(0,0)", 400, "Invalid overlay: it must start with geojson, pin-s, pin-l, url- or path."),
    ("pin-x(0,0)", 422, "Invalid marker: use pin-s or pin-l, then an optional -label and +color."),
    ("pin-s-notanicon(0,0)", 422, "Invalid marker label 'notanicon': use a-z, 0-99 or a Maki icon name."),
    ("pin-s-100(0,0)", 422, "Invalid marker label '100': use a-z, 0-99 or a Maki icon name."),
    ("pin-s+12345(0,0)", 422, "Invalid marker color: it must be a 3- or 6-digit hex code."),
    ("geojson({bad)", 422, "The GeoJSON argument is not valid JSON."),
    ('geojson({"type":"Point","coordinates":[NaN,1]})', 422, "The GeoJSON argument is not valid JSON."),
    ("pin-s(0,0)pin-s(1,1)", 422, "Invalid overlay: expected ',' between overlays at character 10."),
])
def test_overlay_errors(text: str, status: int, message: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_overlays(text)
    assert (info.value.status, info.value.message) == (status, message)


def test_padding_css_order_and_limits() -> None:
    size = Size(400, 300)
    assert parse_padding("5", size) == Padding(5, 5, 5, 5)
    assert parse_padding("50,10,20", size) == Padding(50, 10, 20, 10)
    assert parse_padding("5,8,10,7", size) == Padding(5, 8, 10, 7)
    for bad in ("", "1,2,3,4,5", "a", "-1", "1.5"):
        with pytest.raises(ApiError, match="Padding must be 1-4 numbers, comma-delimited."):
            parse_padding(bad, size)
    with pytest.raises(ApiError, match="The padding cannot exceed"):
        parse_padding("150", size)


def test_fit_bounds_centres_and_pads() -> None:
    lon, lat, zoom = fit_bounds(24.9, 60.1, 25.0, 60.2, 512, 512, Padding(0, 0, 0, 0))
    assert lon == pytest.approx(24.95) and 60.1 < lat < 60.2
    # 0.1 degree of longitude is 512 * 0.1/360 px at zoom 0: it must fill 512 px.
    assert zoom == pytest.approx(np.floor(np.log2(512 / (512 * 0.1 / 360)) * 100) / 100, abs=0.01) or zoom < 12
    _, _, single = fit_bounds(1, 1, 1, 1, 100, 100, Padding(0, 0, 0, 0))
    assert single == 16
    l2, _, _ = fit_bounds(0, 0, 1, 1, 400, 400, Padding(0, 0, 0, 100))
    assert l2 < 0.5  # more padding on the left pushes the centre west, so the box moves right


def test_pin_art_is_crisp_at_2x() -> None:
    one, two = pin_image("pin-s", "a", "#000000", 1), pin_image("pin-s", "a", "#000000", 2)
    assert one.shape == (28, 20, 4) and two.shape == (56, 40, 4)
    assert two[-3:, 19:21, 3].max() > 0 and two[-3:, :10, 3].max() == 0  # the tip is the bottom centre
    assert (two[..., 3] == 255).sum() > 3 * (one[..., 3] == 255).sum()  # drawn at 2x, not upscaled
    icon = pin_image("pin-l", "embassy", "#f74e4e", 2)
    head = icon[:PIN_SIZES["pin-l"][0] * 2]
    assert (head[..., :3] == 255).all(axis=2).sum() > 50  # a white Maki glyph on the red head


def test_composite_straight_alpha_and_clipping() -> None:
    base = np.zeros((4, 4, 4), np.uint8)
    base[...] = (0, 0, 255, 255)
    sprite = np.zeros((2, 2, 4), np.uint8)
    sprite[...] = (255, 0, 0, 128)
    composite(base, sprite, 3, 3)  # only one pixel lands inside
    assert tuple(base[3, 3]) == (128, 0, 127, 255) and tuple(base[2, 2]) == (0, 0, 255, 255)
    composite(base, sprite, -5, -5)  # entirely outside: nothing happens
