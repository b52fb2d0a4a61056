"""get/has/properties/id/geometry-type/feature-state/global-state, collections, let/var, zoom inputs."""

from __future__ import annotations

import pytest
from _helpers import ev, feature

from glrender.errors import EvaluationError, ExpressionError
from glrender.style.expressions import EvalContext, compile_expression


def test_get_has_properties() -> None:
    props = {"a": 1, "n": None, "o": {"k": "v"}}
    assert ev(["get", "a"], props) == 1
    assert ev(["get", "zz"], props) is None
    assert ev(["get", "k", ["get", "o"]], props) == "v"
    assert ev(["has", "a"], props) is True
    assert ev(["has", "n"], props) is False  # null counts as absent, like undefined in GL JS
    assert ev(["has", "k", ["get", "o"]], props) is True
    assert ev(["properties"], props) == props


def test_feature_metadata() -> None:
    assert ev(["id"], fid=42) == 42
    assert ev(["id"]) is None
    assert ev(["geometry-type"], geom_type=1) == "Point"
    assert ev(["geometry-type"], geom_type=2) == "LineString"
    # Multi geometries report their simple type, as the spec says.
    f = feature({}, 3, geometry=[[[[0, 0], [1, 0], [1, 1]]], [[[5, 5], [6, 5], [6, 6]]]])
    e = compile_expression(["geometry-type"], path="p")
    assert e.evaluate(EvalContext(feature=f)) == "Polygon"


def test_feature_state_and_dependencies() -> None:
    e = compile_expression(["feature-state", "hover"], path="p")
    assert e.evaluate(EvalContext(feature_state={"hover": True})) is True
    assert e.evaluate(EvalContext()) is None
    assert not e.is_feature_constant and e.is_zoom_constant and not e.is_state_constant
    g = compile_expression(["get", "x"], path="p")
    assert not g.is_feature_constant
    assert compile_expression(["get", "k", ["literal", {"k": 1}]], path="p").is_feature_constant
    z = compile_expression(["interpolate", ["linear"], ["zoom"], 0, 0, 10, 10], path="p")
    assert not z.is_zoom_constant and z.is_feature_constant
    assert z.zoom_stops() == [0, 10]


def test_global_state() -> None:
    e = compile_expression(["global-state", "c"], path="p", global_state_defaults={"c": "red"})
    assert e.evaluate(EvalContext()) == "red"
    assert e.evaluate(EvalContext(global_state={"c": "blue"})) == "blue"
    assert compile_expression(["global-state", "x"], path="p").evaluate(EvalContext()) is None
    with pytest.raises(ExpressionError, match="must be string"):
        compile_expression(["global-state", 1], path="p")


def test_zoom_and_special_inputs() -> None:
    assert ev(["zoom"], zoom=3.5) == 3.5
    assert ev(["line-progress"], line_progress=0.25) == 0.25
    assert ev(["heatmap-density"], heatmap_density=0.7) == 0.7
    assert ev(["heatmap-density"]) == 0
    assert ev(["accumulated"], accumulated=5) == 5
    e = compile_expression(["line-progress"], path="p")
    assert e.uses_global("line-progress")


def test_at_in_index_of_slice_length() -> None:
    arr = ["literal", [10, 20, 30]]
    assert ev(["at", 1, arr]) == 20
    with pytest.raises(ExpressionError, match="out of bounds"):
        compile_expression(["at", 3, arr], path="p")
    with pytest.raises(EvaluationError, match=r"Array index out of bounds: -1 < 0"):
        ev(["at", ["get", "i"], arr], {"i": -1})
    with pytest.raises(EvaluationError, match="must be an integer"):
        ev(["at", ["get", "i"], arr], {"i": 1.5})
    assert ev(["in", 20, arr]) is True
    assert ev(["in", "20", arr]) is False  # strict equality
    assert ev(["in", "b", "abc"]) is True
    assert ev(["in", ["get", "x"], ["get", "missing"]], {"x": 1}) is False
    assert ev(["index-of", 30, arr]) == 2
    assert ev(["index-of", 99, arr]) == -1
    assert ev(["index-of", "c", "abcabc", 3]) == 5
    assert ev(["index-of", 10, arr, 1]) == -1
    assert ev(["slice", arr, 1]) == [20, 30]
    assert ev(["slice", "abcdef", 1, 3]) == "bc"
    assert ev(["slice", "abcdef", -2]) == "ef"
    assert ev(["length", arr]) == 3
    assert ev(["length", "héllo"]) == 5
    with pytest.raises(ExpressionError, match="first argument to be of type boolean"):
        compile_expression(["in", ["literal", [1]], ["literal", [[1]]]], path="p")
    with pytest.raises(EvaluationError, match="second argument to be of type array or string"):
        ev(["in", 1, ["get", "n"]], {"n": 5})


def test_let_var() -> None:
    assert ev(["let", "a", 1, "b", 2, ["+", ["var", "a"], ["var", "b"]]]) == 3
    assert ev(["let", "a", ["get", "x"], ["*", ["var", "a"], 2]], {"x": 4}) == 8
    with pytest.raises(ExpressionError, match=r'p\[1\]: Unknown variable "b"'):
        compile_expression(["var", "b"], path="p")
    with pytest.raises(ExpressionError, match="alphanumeric"):
        compile_expression(["let", "a-b", 1, 2], path="p")
    e = compile_expression(["let", "z", ["zoom"], ["var", "z"]], path="p")
    assert not e.is_zoom_constant


def test_split_join() -> None:
    assert ev(["split", "a,b,c", ","]) == ["a", "b", "c"]
    assert ev(["split", "abc", ""]) == ["a", "b", "c"]
    assert ev(["join", ["literal", ["a", "b"]], "-"]) == "a-b"
