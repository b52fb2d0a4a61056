from __future__ import annotations

import pytest

from server.carto.cartocss import CartoCSSError, parse
from server.carto.cartocss.colors import apply, css
from server.carto.cartocss.evaluate import at_zoom, evaluate, resolve
from server.carto.datasource import Feature
from server.carto.translate import build


def values(css_text: str, props: dict, zoom: int = 3, gtype: int = 3, version: str = "3.0.12") -> dict:
    res = at_zoom(parse(css_text), zoom, version)
    out = resolve(res, props, gtype)
    return {a: {p: evaluate(e, props, res.variables) for p, e in d.items()} for a, d in out.items()}


def test_cascade_most_specific_wins_and_later_breaks_ties() -> None:
    text = "#a { polygon-fill: #111; [v > 1] { polygon-fill: #222; } } #b { polygon-fill: #333; }"
    # #b is later with the same specificity as #a's plain rule, so it wins for v <= 1.
    assert values(text, {"v": 0})["__default__"]["polygon-fill"] == (0x33, 0x33, 0x33, 1.0)
    assert values(text, {"v": 2})["__default__"]["polygon-fill"] == (0x22, 0x22, 0x22, 1.0)


def test_zoom_filters_fold_at_the_request_zoom() -> None:
    text = "#l { line-width: 1; [zoom >= 5] { line-width: 3; } [zoom = 2] { line-width: 7; } }"
    assert values(text, {}, zoom=4)["__default__"]["line-width"] == 1
    assert values(text, {}, zoom=5)["__default__"]["line-width"] == 3
    assert values(text, {}, zoom=2)["__default__"]["line-width"] == 7


def test_filters_strings_null_regex_and_geometry_type() -> None:
    text = ("#l { marker-width: 1; [name = 'Oslo'] { marker-width: 2; } [name = null] { marker-width: 3; }"
            " [name =~ 'Hel.*'] { marker-width: 4; } [mapnik::geometry_type = 3] { marker-width: 5; } }")
    assert values(text, {"name": "Oslo"}, gtype=1)["__default__"]["marker-width"] == 2
    assert values(text, {}, gtype=1)["__default__"]["marker-width"] == 3
    assert values(text, {"name": "Helsinki"}, gtype=1)["__default__"]["marker-width"] == 4
    assert values(text, {"name": "Rome"}, gtype=3)["__default__"]["marker-width"] == 5


def test_attachments_variables_expressions_and_comments() -> None:
    text = """@w: 2; // line comment
    /* block */ #l { line-width: @w * 2; ::outline { line-color: #000; line-width: @w + 1; }
      ::labels { text-name: [name] + ' (' + [pop] + ')'; text-face-name: 'Open Sans Regular'; } }"""
    v = values(text, {"name": "X", "pop": 5.0})
    assert v["__default__"]["line-width"] == 4
    assert v["outline"]["line-width"] == 3
    assert v["labels"]["text-name"] == "X (5)"
    res = at_zoom(parse(text), 3)
    assert res.attachments == ["__default__", "outline", "labels"]


def test_colour_functions() -> None:
    red = (255, 0, 0, 1.0)
    assert css(apply("lighten", [red, 20.0])) == "rgba(255,102,102,1)"
    assert css(apply("darken", [red, 20.0])) == "rgba(153,0,0,1)"
    assert css(apply("fade", [red, 50.0])) == "rgba(255,0,0,0.5)"
    assert css(apply("spin", [red, 120.0])) == "rgba(0,255,0,1)"
    assert css(apply("mix", [red, (0, 0, 255, 1.0), 50.0])) == "rgba(128,0,128,1)"
    assert values("#l { polygon-fill: rgba(10, 20, 30, 0.5); }", {})["__default__"]["polygon-fill"] == \
        (10, 20, 30, 0.5)
    assert values("#l { polygon-fill: steelblue; }", {})["__default__"]["polygon-fill"] == (70, 130, 180, 1.0)


def test_version_transforms() -> None:
    # Before 3.0 a rule with some marker-line-* property gets marker-line-width 1.
    v = values("#l { marker-line-color: #fff; }", {}, gtype=1, version="2.3.0")
    assert v["__default__"]["marker-line-width"] == 1
    assert "marker-line-width" not in values("#l { marker-line-color: #fff; }", {}, gtype=1)["__default__"]
    # 2.0.x doubles marker sizes and renames marker-opacity.
    v = values("#l { marker-width: 5; marker-opacity: 0.5; }", {}, gtype=1, version="2.0.0")["__default__"]
    assert v["marker-width"] == 10 and v["marker-fill-opacity"] == 0.5


def test_unsupported_properties_are_warnings_not_errors() -> None:
    res = at_zoom(parse("#l { polygon-fill: red; polygon-comp-op: multiply; building-height: 3; }"), 3)
    assert any("polygon-comp-op" in w for w in res.warnings)
    assert any("building-height" in w for w in res.warnings)


@pytest.mark.parametrize("bad", ["#l { polygon-fill: ; }", "#l { polygon-fill: #12; }", "#l { line-width: 1",
                                 "#l { ~ }"])
def test_syntax_errors(bad: str) -> None:
    with pytest.raises(CartoCSSError):
        parse(bad)


def test_undefined_variable_is_an_error() -> None:
    with pytest.raises(CartoCSSError, match="@nope"):
        values("#l { polygon-fill: @nope; }", {})


def test_build_emits_style_layers_with_mapnik_conversions() -> None:
    text = ("#l { polygon-fill: #f00; line-color: #00f; line-width: 2; line-dasharray: 4, 2; line-offset: 1;"
            " marker-width: 10; marker-line-width: 2; }")
    res = at_zoom(parse(text), 3, "3.0.12")
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    out = build(res, [Feature(square, {"a": 1})], "l0")
    kinds = [la["type"] for la in out.layers]
    assert kinds == ["fill", "line", "circle"]
    fill, line, circle = out.layers
    assert fill["paint"]["fill-color"] == "rgba(255,0,0,1)"
    assert line["paint"]["line-dasharray"] == [2.0, 1.0]  # pixels divided by the width
    assert line["paint"]["line-offset"] == -1.0  # Mapnik's positive offset is to the left
    assert circle["paint"]["circle-radius"] == 4.0  # outer size kept: 10/2 - 2/2
    features = out.source["data"]["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "Point"]  # marker at the centroid
    assert features[1]["geometry"]["coordinates"] == pytest.approx([0.5, 0.5])


def test_markers_collide_unless_allowed() -> None:
    pts = [Feature({"type": "Point", "coordinates": [0.0, 0.0]}, {}),
           Feature({"type": "Point", "coordinates": [0.0, 0.0]}, {})]
    from server.carto.translate import Collisions

    for css_text, expected in (("#l { marker-width: 10; }", 1), ("#l { marker-allow-overlap: true; }", 2)):
        res = at_zoom(parse(css_text), 3)
        out = build(res, pts, "l0", project=lambda lon, lat: (lon, lat), collisions=Collisions())
        assert len(out.source["data"]["features"]) == expected
