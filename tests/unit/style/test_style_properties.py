"""Property specs, constants, expressions and legacy functions as PropertyValues."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import feature

from glrender.errors import StyleError
from glrender.style.color import Color
from glrender.style.expressions import EvalContext, Formatted, ResolvedImage
from glrender.style.properties import (
    LIGHT_PROPERTIES,
    PROPERTIES,
    compile_property,
    layer_properties,
    property_spec,
    resolve_tokens,
)


def spec(layer: str, name: str):  # type: ignore[no-untyped-def]
    s = property_spec(layer, name)
    assert s is not None
    return s


@pytest.mark.parametrize(
    ("layer", "name", "default"),
    [
        ("line", "line-width", 1),
        ("fill", "fill-antialias", True),
        ("circle", "circle-radius", 5),
        ("fill-extrusion", "fill-extrusion-vertical-gradient", True),
        ("raster", "raster-fade-duration", 300),
        ("symbol", "text-font", ["Open Sans Regular", "Arial Unicode MS Regular"]),
        ("symbol", "text-size", 16),
        ("symbol", "icon-padding", [2]),
        ("line", "line-miter-limit", 2),
        ("line", "line-round-limit", 1.05),
        ("heatmap", "heatmap-radius", 30),
        ("hillshade", "hillshade-exaggeration", 0.5),
        ("background", "background-color", "#000000"),
        ("symbol", "text-halo-color", "rgba(0, 0, 0, 0)"),
    ],
)
def test_spec_defaults(layer: str, name: str, default: Any) -> None:
    assert spec(layer, name).default == default


def test_table_shape() -> None:
    for lt in ("background", "fill", "line", "circle", "fill-extrusion", "raster", "symbol", "heatmap",
               "hillshade"):
        assert "visibility" in PROPERTIES[lt]["layout"]
    assert spec("line", "line-cap").values == ("butt", "round", "square")
    assert spec("line", "line-width").data_driven and not spec("line", "line-translate").data_driven
    assert spec("fill", "fill-translate").length == 2
    assert spec("symbol", "text-field").tokens
    assert set(LIGHT_PROPERTIES) == {"anchor", "position", "color", "intensity"}
    assert LIGHT_PROPERTIES["position"].default == [1.15, 210, 30]
    assert layer_properties("nope", "paint") == {}


def test_defaults_are_coerced() -> None:
    assert compile_property(None, spec("line", "line-width"), path="p").constant_value == 1.0
    assert compile_property(None, spec("fill", "fill-color"), path="p").constant_value == Color(0, 0, 0, 1)
    assert compile_property(None, spec("fill", "fill-outline-color"), path="p").constant_value is None
    assert compile_property(None, spec("symbol", "icon-padding"), path="p").constant_value == [2, 2, 2, 2]
    assert compile_property(None, spec("line", "line-cap"), path="p").constant_value == "butt"
    hm = compile_property(None, spec("heatmap", "heatmap-color"), path="p")
    assert not hm.is_constant
    assert hm.evaluate(ctx=EvalContext(heatmap_density=1.0)) == Color(1, 0, 0, 1)
    assert hm.evaluate(ctx=EvalContext(heatmap_density=0.0)) == Color(0, 0, 0, 0)


@pytest.mark.parametrize(
    ("layer", "name", "value", "out"),
    [
        ("line", "line-width", 3, 3.0),
        ("line", "line-color", "red", Color(1, 0, 0, 1)),
        ("line", "line-cap", "round", "round"),
        ("line", "line-dasharray", [2, 1], [2.0, 1.0]),
        ("fill", "fill-translate", [1, 2], [1.0, 2.0]),
        ("symbol", "text-field", "hi", Formatted.from_string("hi")),
        ("symbol", "icon-image", "bus", ResolvedImage("bus")),
        ("symbol", "icon-padding", [1, 2], [1, 2, 1, 2]),
        ("symbol", "text-variable-anchor", ["top", "left"], ["top", "left"]),
        ("hillshade", "hillshade-illumination-direction", 200, [200.0]),
        ("line", "line-opacity", 1.5, 1.0),  # clamped to the spec maximum
    ],
)
def test_constants(layer: str, name: str, value: Any, out: Any) -> None:
    pv = compile_property(value, spec(layer, name), path="p")
    assert pv.is_constant and pv.kind == "constant"
    assert pv.constant_value == out
    assert pv.evaluate(10) == out


@pytest.mark.parametrize(
    ("layer", "name", "value", "msg"),
    [
        ("line", "line-width", "abc", "number expected, string found: 'abc'"),
        ("line", "line-color", "nocolour", "color expected, 'nocolour' found"),
        ("line", "line-cap", "pointy", r"expected one of \[butt, round, square\], 'pointy' found"),
        ("fill", "fill-translate", [1], "array length 2 expected"),
        ("fill", "fill-antialias", 1, "boolean expected"),
        ("line", "line-translate", ["get", "x"], "data expressions not supported"),
        ("line", "line-width", ["*", ["zoom"], 2], "may only be used as input to a top-level"),
        ("line", "line-width", {"property": "w", "stops": [[0, 1]], "type": "nope"}, "unknown function"),
    ],
)
def test_constant_errors(layer: str, name: str, value: Any, msg: str) -> None:
    with pytest.raises(StyleError, match=msg) as info:
        compile_property(value, spec(layer, name), path="layers[4].paint.x")
    assert info.value.path.startswith("layers[4].paint.x")


def test_expression_values_fall_back_to_default() -> None:
    pv = compile_property(["get", "w"], spec("line", "line-width"), path="p")
    assert pv.kind == "source" and not pv.is_constant
    assert pv.evaluate(0, feature({"w": 4})) == 4.0
    assert pv.evaluate(0, feature({"w": "x"})) == 1.0  # assertion fails -> default
    assert pv.evaluate(0, feature({})) == 1.0  # null -> default
    col = compile_property(["get", "c"], spec("fill", "fill-color"), path="p")
    assert col.evaluate(0, feature({"c": "blue"})) == Color(0, 0, 1, 1)
    assert col.evaluate(0, feature({"c": "nope"})) == Color(0, 0, 0, 1)
    cap = compile_property(["get", "cap"], spec("line", "line-cap"), path="p")
    assert cap.evaluate(0, feature({"cap": "round"})) == "round"
    assert cap.evaluate(0, feature({"cap": "bogus"})) == "butt"  # not an enum value -> default


def test_kinds_and_zoom_stops() -> None:
    cam = compile_property(["interpolate", ["exponential", 2], ["zoom"], 5, 1, 10, 6],
                           spec("line", "line-width"), path="p")
    assert cam.kind == "camera" and cam.zoom_stops() == [5, 10]
    assert cam.interpolation_factor(6, 5, 10) == pytest.approx(1 / 31)
    comp = compile_property(["interpolate", ["linear"], ["zoom"], 0, ["get", "a"], 10, 5],
                            spec("line", "line-width"), path="p")
    assert comp.kind == "composite"
    assert comp.evaluate(5, feature({"a": 1})) == 3
    state = compile_property(["feature-state", "w"], spec("line", "line-width"), path="p")
    assert state.uses_feature_state
    assert state.evaluate(0, ctx=EvalContext(feature_state={"w": 9})) == 9


def test_tokens() -> None:
    assert resolve_tokens("{name} ({ref})", {"name": "A", "ref": 5}) == "A (5)"
    assert resolve_tokens("{missing}x", {}) == "x"
    assert resolve_tokens("{a}", {"a": None}) == "null"
    pv = compile_property("{name}-{n}", spec("symbol", "text-field"), path="p")
    assert not pv.is_constant and not pv.is_feature_constant
    assert pv.evaluate(0, feature({"name": "X", "n": 1.5})) == Formatted.from_string("X-1.5")
    icon = compile_property("{maki}-15", spec("symbol", "icon-image"), path="p")
    assert icon.evaluate(0, feature({"maki": "bus"})) == ResolvedImage("bus-15")


# -- legacy functions ----------------------------------------------------------------------------


def test_camera_functions() -> None:
    w = spec("line", "line-width")
    pv = compile_property({"stops": [[5, 1], [10, 6]]}, w, path="p")
    assert pv.kind == "camera" and pv.zoom_stops() == [5, 10]
    assert pv.evaluate(0) == 1 and pv.evaluate(7.5) == 3.5 and pv.evaluate(20) == 6
    pv = compile_property({"base": 2, "stops": [[0, 0], [2, 3]]}, w, path="p")
    assert pv.evaluate(1) == pytest.approx(1.0)
    # Non-interpolatable types default to interval functions.
    cap = compile_property({"stops": [[0, "butt"], [10, "round"]]}, spec("line", "line-cap"), path="p")
    assert cap.evaluate(9.9) == "butt" and cap.evaluate(10) == "round"
    iv = compile_property({"type": "interval", "stops": [[0, 1], [10, 5]]}, w, path="p")
    assert iv.evaluate(9) == 1


def test_color_functions_and_colour_spaces() -> None:
    c = spec("background", "background-color")
    pv = compile_property({"stops": [[0, "red"], [10, "blue"]]}, c, path="p")
    assert pv.evaluate(5) == Color(0.5, 0, 0.5, 1)
    lab = compile_property({"stops": [[0, "red"], [10, "blue"]], "colorSpace": "lab"}, c, path="p")
    hcl = compile_property({"stops": [[0, "red"], [10, "blue"]], "colorSpace": "hcl"}, c, path="p")
    assert lab.evaluate(5) != pv.evaluate(5) != hcl.evaluate(5)
    with pytest.raises(StyleError, match="unknown color space"):
        compile_property({"stops": [[0, "red"]], "colorSpace": "xyz"}, c, path="p")


def test_property_functions() -> None:
    color = spec("circle", "circle-color")
    cat = compile_property({"property": "k", "type": "categorical", "stops": [["a", "red"], [1, "blue"]],
                            "default": "green"}, color, path="p")
    assert cat.kind == "source"
    assert cat.evaluate(0, feature({"k": "a"})) == Color(1, 0, 0, 1)
    assert cat.evaluate(0, feature({"k": "z"})) == Color(0, 128 / 255, 0, 1)
    assert cat.evaluate(0, feature({})) == Color(0, 128 / 255, 0, 1)
    num = compile_property({"property": "k", "type": "categorical", "stops": [[1, 10], [2, 20]]},
                           spec("circle", "circle-radius"), path="p")
    assert num.evaluate(0, feature({"k": 2})) == 20
    assert num.evaluate(0, feature({"k": "2"})) == 5  # key type must match the first stop's -> default
    exp = compile_property({"property": "v", "stops": [[0, 0], [10, 100]]}, spec("circle", "circle-radius"),
                           path="p")
    assert exp.evaluate(0, feature({"v": 5})) == 50
    assert exp.evaluate(0, feature({"v": "x"})) == 5  # not a number -> spec default
    ident = compile_property({"property": "r", "type": "identity"}, spec("circle", "circle-radius"), path="p")
    assert ident.evaluate(0, feature({"r": 7})) == 7
    assert ident.evaluate(0, feature({"r": "7"})) == 5
    cid = compile_property({"property": "c", "type": "identity"}, color, path="p")
    assert cid.evaluate(0, feature({"c": "blue"})) == Color(0, 0, 1, 1)
    text = compile_property({"property": "name", "type": "identity"}, spec("symbol", "text-field"), path="p")
    assert text.evaluate(0, feature({"name": "X"})) == Formatted.from_string("X")


def test_zoom_and_property_functions() -> None:
    w = spec("line", "line-width")
    stops = [[{"zoom": 0, "value": 0}, 0], [{"zoom": 0, "value": 10}, 10],
             [{"zoom": 10, "value": 0}, 0], [{"zoom": 10, "value": 10}, 20]]
    pv = compile_property({"property": "w", "stops": stops}, w, path="p")
    assert pv.kind == "composite" and pv.zoom_stops() == [0, 10]
    assert pv.evaluate(0, feature({"w": 5})) == 5
    assert pv.evaluate(5, feature({"w": 5})) == 7.5
    assert pv.evaluate(10, feature({"w": 10})) == 20
    cat = compile_property({"property": "s", "type": "categorical", "stops": [
        [{"zoom": 0, "value": "a"}, 0], [{"zoom": 0, "value": "b"}, 0.8],
        [{"zoom": 2, "value": "a"}, 1.6], [{"zoom": 2, "value": "b"}, 0.8]]},
        spec("symbol", "text-letter-spacing"), path="p")
    assert cat.evaluate(1, feature({"s": "a"})) == pytest.approx(0.8)
    assert cat.evaluate(1, feature({"s": "b"})) == pytest.approx(0.8)


def test_data_function_on_non_data_property_is_an_error() -> None:
    with pytest.raises(StyleError, match="data functions not supported"):
        compile_property({"property": "x", "stops": [[0, [1, 1]]]}, spec("line", "line-translate"), path="p")
