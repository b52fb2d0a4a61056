"""The CartoCSS subset of research section 3: what is translated (text alignment, spacing, halo opacity,
miter limits, value expressions), and that everything else is skipped with a warning in the response
metadata, never an error at render time."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.carto.cartocss import CartoCSSError, parse
from server.carto.cartocss.evaluate import at_zoom
from server.carto.datasource import Feature
from server.carto.translate import build, text_anchor
from tests.server.carto.conftest import mapconfig

POINT = Feature({"type": "Point", "coordinates": [0.0, 0.0]}, {"name": "Abc", "pop": 2500.0, "kind": "x"})


def layers(css: str, features: list[Feature] | None = None) -> list[dict]:
    return build(at_zoom(parse(css), 3, "3.0.12"), features or [POINT], "l0").layers


@pytest.mark.parametrize("h, v, dx, dy, anchor", [
    ("auto", "auto", 0, 0, "center"),
    ("left", "middle", 0, 0, "right"),      # Mapnik "left": the text lies left of the point
    ("right", "top", 0, 0, "bottom-left"),
    ("middle", "bottom", 0, 0, "top"),
    ("auto", "auto", 5, 0, "left"),         # auto follows the displacement
    ("auto", "auto", -5, 8, "top-right"),
    ("adjust", "auto", 0, -3, "bottom"),
])
def test_text_alignment_maps_to_anchor(h: str, v: str, dx: float, dy: float, anchor: str) -> None:
    assert text_anchor(h, v, dx, dy) == anchor


def test_text_properties_reach_the_symbol_layer() -> None:
    (sym,) = layers("#l { text-name: [name]; text-size: 20; text-horizontal-alignment: right; text-dy: -10;"
                    " text-align: left; text-line-spacing: 4; text-halo-fill: #ff0000; text-halo-radius: 2;"
                    " text-halo-opacity: 0.5; text-face-name: 'DejaVu Sans Bold'; }")
    lay, paint = sym["layout"], sym["paint"]
    assert lay["text-anchor"] == "bottom-left" and lay["text-justify"] == "left"
    assert lay["text-offset"] == [0.0, -0.5]  # pixels in ems of the text size
    assert lay["text-line-height"] == pytest.approx(1.2 + 4 / 20)
    assert lay["text-font"] == ["Noto Sans Regular"]  # every face maps to the bundled font
    assert paint["text-halo-color"] == "rgba(255,0,0,0.5)" and paint["text-halo-width"] == 2.0
    (line_sym,) = layers("#l { text-name: [name]; text-placement: line; text-spacing: 300;"
                         " text-max-char-angle-delta: 20; }")
    assert line_sym["layout"]["symbol-spacing"] == 300 and line_sym["layout"]["text-max-angle"] == 20
    assert line_sym["layout"]["symbol-placement"] == "line"


def test_line_miter_limit_defaults_to_mapniks() -> None:
    square = Feature({"type": "LineString", "coordinates": [[0, 0], [1, 0], [1, 1]]}, {})
    (line,) = layers("#l { line-color: red; }", [square])
    assert line["layout"]["line-miter-limit"] == 4.0
    (line,) = layers("#l { line-color: red; line-miterlimit: 1.5; }", [square])
    assert line["layout"]["line-miter-limit"] == 1.5


def test_marker_width_expressions_are_per_feature() -> None:
    big = Feature({"type": "Point", "coordinates": [1.0, 1.0]}, {"pop": 10000.0})
    (circle,) = layers("#l { marker-width: [pop] / 500 + 2; marker-line-width: 0; marker-allow-overlap: true; }",
                       [POINT, big])
    assert circle["paint"]["circle-radius"] == ["get", "__0_circle-radius"]
    out = build(at_zoom(parse("#l { marker-width: [pop] / 500 + 2; marker-line-width: 0; }"), 3), [POINT, big], "l0")
    radii = [f["properties"]["__0_circle-radius"] for f in out.source["data"]["features"]]
    assert radii == [(2500 / 500 + 2) / 2, (10000 / 500 + 2) / 2]


@pytest.mark.parametrize("css, warning", [
    ("#l { marker-file: url(pin.svg); }", "unsupported CartoCSS property 'marker-file' skipped"),
    ("#l { marker-type: arrow; }", "CartoCSS 'marker-type: arrow' drawn as an ellipse"),
    ("#l { marker-placement: line; }", "CartoCSS 'marker-placement: line' drawn once per feature, at its middle"),
    ("#l { marker-width: 10; marker-height: 4; }", "CartoCSS 'marker-height' other than 'marker-width'"),
    ("#l { marker-fill: ramp([pop], (red, blue), quantiles); }",
     "unsupported CartoCSS function ramp() in 'marker-fill' skipped"),
    ("@c: foo(1); #l { polygon-fill: @c; }", "unsupported CartoCSS function foo() in 'polygon-fill' skipped"),
    ("#l { polygon-pattern-file: url(p.png); }", "unsupported CartoCSS property 'polygon-pattern-file' skipped"),
    ("#l { line-smooth: 1; }", "unsupported CartoCSS property 'line-smooth' skipped"),
    ("#l { text-name: [name]; text-orientation: 30; }", "unsupported CartoCSS property 'text-orientation' skipped"),
    ("#l { shield-name: [name]; }", "unsupported CartoCSS property 'shield-name' skipped"),
    ("#l { polygon-fill: red; image-filters: agg-stack-blur(2,2); }",
     "unsupported CartoCSS property 'image-filters' skipped"),
    ("Map { maximum-extent: '0,0,1,1'; } #l { polygon-fill: red; }",
     "unsupported CartoCSS Map property 'maximum-extent' skipped"),
])
def test_outside_the_subset_is_a_warning(css: str, warning: str) -> None:
    res = at_zoom(parse(css), 3)
    assert any(w.startswith(warning) for w in res.warnings), res.warnings


def test_no_effect_properties_are_silent_and_local_variables_work() -> None:
    res = at_zoom(parse("#l { @c: #123456; polygon-fill: @c; polygon-clip: false; polygon-gamma: 0.5; }"), 3)
    assert res.warnings == []
    (fill,) = build(res, [Feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, {})],
                    "l0").layers
    assert fill["paint"]["fill-color"] == "rgba(18,52,86,1)"
    with pytest.raises(CartoCSSError, match="@missing"):
        at_zoom(parse("#l { polygon-fill: @missing; }"), 3)


def test_colour_function_of_a_field_falls_back_to_the_default() -> None:
    # lighten() of a string field has no colour: Mapnik's default fill, not a failed image.
    (fill,) = layers("#l { polygon-fill: lighten([name], 10%); }",
                     [Feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, {"name": "a"})])
    assert fill["paint"]["fill-color"] == "rgba(128,128,128,1)"


def _token(client: TestClient, css: str, sql: str = "SELECT * FROM cities WHERE name = 'Helsinki'") -> tuple[str, list]:
    r = client.post("/api/v1/map", json=mapconfig({"type": "mapnik", "options": {
        "sql": sql, "cartocss": css, "cartocss_version": "2.3.0"}}))
    assert r.status_code == 200, r.text
    return r.json()["layergroupid"], r.json()["metadata"]["warnings"]


def test_unsupported_styles_render_and_list_their_warnings(client: TestClient) -> None:
    css = ("#l { marker-file: url(pin.svg); marker-type: rectangle;"
           " marker-fill: ramp([cartodb_id], (red, blue), jenks); marker-width: 12; marker-allow-overlap: true;"
           " comp-op: multiply; }")
    token, warnings = _token(client, css)
    assert len(warnings) == 4, warnings
    r = client.get(f"/api/v1/map/static/center/{token}/6/60.17/24.94/64/64.png")
    assert r.status_code == 200
    px = np.asarray(Image.open(io.BytesIO(r.content)))
    assert px[32, 32, 3] > 0  # the marker is still drawn (as the default blue ellipse)


def _ink_columns(client: TestClient, align: str) -> np.ndarray:
    css = f"#l {{ text-name: [name]; text-size: 16; text-fill: #000; text-horizontal-alignment: {align}; }}"
    token, warnings = _token(client, css)
    assert warnings == []
    r = client.get(f"/api/v1/map/static/center/{token}/8/60.17/24.94/200/60.png")
    assert r.status_code == 200
    alpha = np.asarray(Image.open(io.BytesIO(r.content)))[..., 3]
    return np.nonzero(alpha.max(axis=0) > 0)[0]


def test_horizontal_alignment_moves_the_label(client: TestClient) -> None:
    right, left = _ink_columns(client, "right"), _ink_columns(client, "left")
    assert right.size and left.size
    assert right.min() >= 98 and left.max() <= 102  # the text starts / ends at the point (x = 100)


@pytest.mark.parametrize("css, message", [
    ("#l { [name =~ '('] { marker-fill: red; } }", "bad regular expression"),
    ("@a: @b; @b: @a; #l { polygon-fill: @a; }", "variables refer to each other in a loop: @a -> @b -> @a"),
    ("#l { polygon-fill: red; [zoom = 15] { polygon-fill: @later; } }", "variable @later is undefined"),
])
def test_style_errors_surface_when_the_map_is_created(css: str, message: str) -> None:
    # At creation (parse and resolve at any zoom), not as a failed image later.
    with pytest.raises(CartoCSSError, match=message):
        at_zoom(parse(css), 3)


def test_text_without_size_draws_nothing() -> None:
    assert layers("#l { text-name: [name]; text-size: 0; }") == []
    assert layers("#l { text-name: [name]; text-size: -4; }") == []


@pytest.mark.parametrize("css, label", [
    ('#l { text-name: "[name]"; }', "Abc"),  # a quoted text-name is a Mapnik expression
    ("#l { text-name: \"[name] + ' (' + [pop] + ')'\"; }", "Abc (2500)"),
    ('#l { text-name: "Population: [pop]"; }', "Population: 2500"),  # not an expression: fields substituted
    ('#l { text-name: "no fields"; }', "no fields"),
    ("#l { text-name: [name] + '!'; }", "Abc!"),
])
def test_text_name_strings_are_expressions(css: str, label: str) -> None:
    out = build(at_zoom(parse(css), 3), [POINT], "l0")
    assert [f["properties"]["__0_text-field"] for f in out.source["data"]["features"]] == [label]


def test_absurd_sizes_are_clamped_and_collisions_stay_small() -> None:
    from server.carto.translate import MAX_LINE, MAX_TEXT, MAX_WIDTH, Collisions

    square = Feature({"type": "LineString", "coordinates": [[0, 0], [1, 0]]}, {})
    (line,) = layers("#l { line-width: 1e9; line-offset: -1e9; }", [square])
    assert line["paint"]["line-width"] == MAX_LINE and line["paint"]["line-offset"] == MAX_WIDTH
    (sym,) = layers("#l { text-name: [name]; text-size: 1e6; }")
    assert sym["layout"]["text-size"] == MAX_TEXT
    # Huge markers that may not overlap: one is placed, and the collision grid does not hold the box
    # in millions of cells (it used to, and ran out of memory).
    many = [Feature({"type": "Point", "coordinates": [float(i), 0.0]}, {}) for i in range(50)]
    det = Collisions()
    out = build(at_zoom(parse("#l { marker-width: 1e7; }"), 3), many, "l0", project=lambda lon, lat: (lon, lat),
                collisions=det)
    assert len(out.source["data"]["features"]) == 1
    assert out.layers[0]["paint"]["circle-radius"] <= MAX_WIDTH / 2
    assert sum(len(v) for v in det.grid.values()) + len(det.big) <= Collisions.MAX_CELLS
