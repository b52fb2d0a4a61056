"""literal, typeof, assertions, coercions, and the parse-time typing rules."""

from __future__ import annotations

import math
from typing import Any

import pytest
from _helpers import ev

from glrender.errors import EvaluationError, ExpressionError
from glrender.style.color import Color
from glrender.style.expressions import Formatted, Literal, ResolvedImage, compile_expression
from glrender.style.expressions.typing_ops import Assertion, Coercion


def test_literal_values() -> None:
    assert ev(["literal", [1, 2]]) == [1, 2]
    assert ev(["literal", {"a": 1}]) == {"a": 1}
    assert ev(1.5) == 1.5
    assert ev("x") == "x"
    assert ev(None) is None
    assert ev(True) is True


def test_literal_errors() -> None:
    with pytest.raises(ExpressionError, match="exactly one argument"):
        compile_expression(["literal", 1, 2], path="p")
    with pytest.raises(ExpressionError, match=r"p: Expected an array with at least one element"):
        compile_expression([], path="p")
    with pytest.raises(ExpressionError, match="Bare objects invalid"):
        compile_expression({"a": 1}, path="p")
    with pytest.raises(ExpressionError, match=r"p\[0\]: Unknown expression 'nope'"):
        compile_expression(["nope"], path="p")
    with pytest.raises(ExpressionError, match=r"p\[0\]: Expression name must be a string.*\(1\)"):
        compile_expression([1, 2], path="p")


@pytest.mark.parametrize(
    ("expr", "out"),
    [
        (["typeof", 1], "number"),
        (["typeof", "a"], "string"),
        (["typeof", True], "boolean"),
        (["typeof", None], "null"),
        (["typeof", ["literal", {}]], "object"),
        (["typeof", ["literal", [1, 2]]], "array<number, 2>"),
        (["typeof", ["literal", [1, "a"]]], "array<value, 2>"),
        (["typeof", ["literal", []]], "array<value, 0>"),
        (["typeof", ["to-color", "red"]], "color"),
        (["typeof", ["get", "s"]], "string"),
    ],
)
def test_typeof(expr: Any, out: str) -> None:
    assert ev(expr, {"s": "x"}) == out


def test_assertions() -> None:
    assert ev(["number", ["get", "x"]], {"x": 3}) == 3
    assert ev(["number", ["get", "missing"], ["get", "x"]], {"x": 3}) == 3
    assert ev(["string", ["get", "s"]], {"s": "a"}) == "a"
    assert ev(["boolean", ["get", "b"]], {"b": False}) is False
    assert ev(["object", ["get", "o"]], {"o": {"k": 1}}) == {"k": 1}
    assert ev(["array", ["get", "a"]], {"a": [1, "x"]}) == [1, "x"]
    assert ev(["array", "number", ["get", "a"]], {"a": [1, 2]}) == [1, 2]
    assert ev(["array", "number", 2, ["get", "a"]], {"a": [1, 2]}) == [1, 2]
    with pytest.raises(EvaluationError, match="Expected value to be of type number, but found string"):
        ev(["number", ["get", "s"]], {"s": "a"})
    with pytest.raises(EvaluationError, match="array<number, 3>"):
        ev(["array", "number", 3, ["get", "a"]], {"a": [1, 2]})
    with pytest.raises(EvaluationError):
        ev(["boolean", ["get", "n"]], {"n": 1})  # no truthiness in an assertion


def test_array_assertion_parse_errors() -> None:
    with pytest.raises(ExpressionError, match=r"p\[1\].*item type"):
        compile_expression(["array", "object", ["get", "a"]], path="p")
    with pytest.raises(ExpressionError, match=r"p\[2\].*length"):
        compile_expression(["array", "number", -1, ["get", "a"]], path="p")


@pytest.mark.parametrize(
    ("value", "out"),
    [(None, 0), ("12", 12), (" 1.5 ", 1.5), ("", 0), ("0x10", 16), (True, 1), (False, 0), ("1e3", 1000.0),
     (7, 7), ("Infinity", math.inf)],
)
def test_to_number(value: Any, out: float) -> None:
    assert ev(["to-number", ["get", "v"]], {"v": value}) == out


def test_to_number_fallbacks_and_errors() -> None:
    assert ev(["to-number", "abc", "5"]) == 5
    with pytest.raises(ExpressionError, match="Could not convert"):
        compile_expression(["to-number", "abc"], path="p")  # constant: folded, so a parse error
    with pytest.raises(EvaluationError, match='Could not convert "abc" to number'):
        ev(["to-number", ["get", "v"]], {"v": "abc"})


@pytest.mark.parametrize(
    ("value", "out"),
    [(None, False), ("", False), (0, False), ("0", True), (1, True), ([], True), ({}, True), (False, False)],
)
def test_to_boolean(value: Any, out: bool) -> None:
    assert ev(["to-boolean", ["get", "v"]], {"v": value}) is out


@pytest.mark.parametrize(
    ("value", "out"),
    [(None, ""), (1, "1"), (1.5, "1.5"), (True, "true"), ("s", "s"), ([1, "a"], '[1,"a"]'),
     ({"a": [1]}, '{"a":[1]}'), (1e21, "1e+21")],
)
def test_to_string(value: Any, out: str) -> None:
    assert ev(["to-string", ["get", "v"]], {"v": value}) == out


def test_to_string_colour() -> None:
    assert ev(["to-string", ["to-color", "red"]]) == "rgba(255,0,0,1)"


def test_to_color() -> None:
    assert ev(["to-color", ["get", "c"]], {"c": "#ff0000"}) == Color(1, 0, 0, 1)
    assert ev(["to-color", ["get", "bad"], "blue"], {"bad": "nope"}) == Color(0, 0, 1, 1)
    assert ev(["to-color", ["literal", [255, 0, 0]]]) == Color(1, 0, 0, 1)
    # GL JS does not premultiply array colours; we keep its numbers.
    assert ev(["to-color", ["literal", [255, 0, 0, 0.5]]]) == Color(1, 0, 0, 0.5)
    with pytest.raises(EvaluationError, match="Could not parse color from value 'nope'"):
        ev(["to-color", ["get", "c"]], {"c": "nope"})
    with pytest.raises(EvaluationError, match="three or four numeric values"):
        ev(["to-color", ["get", "c"]], {"c": [1, 2]})


def test_expected_type_inserts_assertion_or_coercion() -> None:
    e = compile_expression(["get", "x"], path="p", expected="number")
    assert isinstance(e, Assertion)
    e = compile_expression(["get", "x"], path="p", expected="color")
    assert isinstance(e, Coercion)
    e = compile_expression("red", path="p", expected="color")
    assert isinstance(e, Literal) and e.value == Color(1, 0, 0, 1)
    with pytest.raises(ExpressionError, match=r"p: Could not parse color from value 'notacolor'"):
        compile_expression("notacolor", path="p", expected="color")
    e = compile_expression("hello", path="p", expected="formatted")
    assert isinstance(e, Literal) and isinstance(e.value, Formatted) and str(e.value) == "hello"


def test_type_mismatch_is_a_parse_error() -> None:
    with pytest.raises(ExpressionError, match="Expected number but found string instead"):
        compile_expression("abc", path="p", expected="number")
    msg = r"layers\[3\]\.paint\.line-width\[2\]: Expected number but found string instead: 'a'"
    with pytest.raises(ExpressionError, match=msg):
        compile_expression(["+", 1, "a"], path="layers[3].paint.line-width")


def test_resolved_image_coercion_checks_availability() -> None:
    e = compile_expression(["get", "icon"], path="p", expected="resolvedImage")
    from _helpers import feature

    from glrender.style.expressions import EvalContext

    v = e.evaluate(EvalContext(feature=feature({"icon": "bus"}), available_images={"car"}))
    assert v == ResolvedImage("bus", False)
