"""step, interpolate (all kinds), math with JS semantics, strings, number-format, format, image, rgb."""

from __future__ import annotations

import math
from typing import Any

import pytest
from _helpers import ev

from glrender.errors import EvaluationError, ExpressionError
from glrender.style.color import Color
from glrender.style.expressions import Formatted, Padding, ResolvedImage, compile_expression
from glrender.style.expressions.ramps import unit_bezier


def test_step() -> None:
    e = ["step", ["get", "x"], "a", 1, "b", 5, "c"]
    assert [ev(e, {"x": x}) for x in (0, 1, 3, 5, 99)] == ["a", "b", "b", "c", "c"]
    assert ev(["step", ["zoom"], 0, 10, 1], zoom=10) == 1


def test_interpolate_linear_exponential_bezier() -> None:
    lin = ["interpolate", ["linear"], ["zoom"], 0, 0, 10, 100]
    assert ev(lin, zoom=2.5) == 25
    assert ev(lin, zoom=-1) == 0 and ev(lin, zoom=11) == 100
    exp = ["interpolate", ["exponential", 2], ["zoom"], 0, 0, 2, 3]
    assert ev(exp, zoom=1) == pytest.approx(1.0)  # (2^1 - 1) / (2^2 - 1) * 3
    bez = ["interpolate", ["cubic-bezier", 0.42, 0, 0.58, 1], ["zoom"], 0, 0, 1, 1]
    assert ev(bez, zoom=0.5) == pytest.approx(0.5, abs=1e-6)
    assert unit_bezier(0.42, 0, 1, 1, 0.25) < 0.25  # ease-in starts slow


def test_interpolate_outputs() -> None:
    col = ["interpolate", ["linear"], ["zoom"], 0, "red", 1, "blue"]
    assert ev(col, zoom=0.5, expected="color") == Color(0.5, 0, 0.5, 1)
    with pytest.raises(ExpressionError, match="Type string is not interpolatable"):
        compile_expression(col, path="p")  # without an expected type the stops are plain strings
    arr = ["interpolate", ["linear"], ["zoom"], 0, ["literal", [0, 10]], 1, ["literal", [10, 20]]]
    assert ev(arr, zoom=0.5) == [5, 15]
    lab = ev(["interpolate-lab", ["linear"], ["zoom"], 0, "red", 1, "blue"], zoom=0.5)
    hcl = ev(["interpolate-hcl", ["linear"], ["zoom"], 0, "red", 1, "blue"], zoom=0.5)
    assert isinstance(lab, Color) and isinstance(hcl, Color)
    assert lab != hcl and lab.a == 1
    pad_expr = ["interpolate", ["linear"], ["zoom"], 0, 0, 1, ["literal", [2, 4]]]
    pad = ev(pad_expr, zoom=0.5, expected="padding")
    assert pad == Padding(1, 2, 1, 2)


@pytest.mark.parametrize(
    ("expr", "msg"),
    [
        (["interpolate", ["linear"], ["zoom"], 1, 0, 1, 1], "strictly ascending"),
        (["interpolate", ["linear"], ["zoom"], ["get", "x"], 0, 1, 1], "literal numeric values"),
        (["interpolate", ["exponential"], ["zoom"], 0, 0, 1, 1], "numeric base"),
        (["interpolate", ["cubic-bezier", 0, 0, 2, 1], ["zoom"], 0, 0, 1, 1], "between 0 and 1"),
        (["interpolate", ["nope"], ["zoom"], 0, 0, 1, 1], "Unknown interpolation type 'nope'"),
        (["interpolate", ["linear"], ["zoom"], 0, "a", 1, "b"], "Type string is not interpolatable"),
        (["step", ["zoom"], 0, 1], "at least 4 arguments"),
    ],
)
def test_ramp_errors(expr: Any, msg: str) -> None:
    with pytest.raises(ExpressionError, match=msg):
        compile_expression(expr, path="p")


@pytest.mark.parametrize(
    ("expr", "out"),
    [
        (["+", 1, 2, 3], 6),
        (["-", 5, 2], 3),
        (["-", 5], -5),
        (["*", 2, 3, 4], 24),
        (["/", 1, 4], 0.25),
        (["%", 7, 3], 1),
        (["%", -7, 3], -1),  # JS keeps the dividend's sign
        (["^", 2, 10], 1024),
        (["sqrt", 16], 4),
        (["log10", 1000], pytest.approx(3)),
        (["log2", 8], pytest.approx(3)),
        (["ln", ["e"]], pytest.approx(1)),
        (["abs", -3], 3),
        (["round", 2.5], 3),
        (["round", -2.5], -3),  # halves away from zero
        (["floor", -1.5], -2),
        (["ceil", 1.2], 2),
        (["min", 3, 1, 2], 1),
        (["max", 3, 1, 2], 3),
        (["ln2"], math.log(2)),
        (["pi"], math.pi),
        (["sin", 0], 0),
        (["cos", 0], 1),
        (["atan", 1], pytest.approx(math.pi / 4)),
    ],
)
def test_math(expr: Any, out: Any) -> None:
    assert ev(expr) == out


def test_math_never_raises_like_python() -> None:
    assert ev(["/", ["get", "a"], 0], {"a": 1}) == math.inf
    assert ev(["/", ["get", "a"], 0], {"a": -1}) == -math.inf
    assert math.isnan(ev(["/", ["get", "a"], 0], {"a": 0}))
    assert math.isnan(ev(["sqrt", ["get", "a"]], {"a": -1}))
    assert ev(["ln", ["get", "a"]], {"a": 0}) == -math.inf
    assert math.isnan(ev(["%", ["get", "a"], 0], {"a": 1}))
    assert math.isnan(ev(["^", ["get", "a"], 0.5], {"a": -1}))


def test_math_typing() -> None:
    assert ev(["+", ["get", "a"], 1], {"a": 2}) == 3
    with pytest.raises(EvaluationError, match="Expected value to be of type number"):
        ev(["+", ["get", "a"], 1], {"a": "2"})
    with pytest.raises(ExpressionError, match=r"Expected arguments of type \(number, number\) \| \(number\)"):
        compile_expression(["-", 1, 2, 3], path="p")


def test_strings() -> None:
    assert ev(["concat", "a", 1, True, None, ["get", "x"]], {"x": 1.5}) == "a1true1.5"
    assert ev(["upcase", "abc"]) == "ABC"
    assert ev(["downcase", "ÀBC"]) == "àbc"
    assert ev(["is-supported-script", "ಗೌರವಾರ್ಥ"]) is True


@pytest.mark.parametrize(
    ("opts", "out"),
    [
        ({}, "1,234.568"),
        ({"max-fraction-digits": 1}, "1,234.6"),
        ({"min-fraction-digits": 4}, "1,234.5678"),
        ({"locale": "de"}, "1.234,568"),
        ({"currency": "USD"}, "$1,234.57"),
        ({"currency": "EUR", "locale": "en"}, "€1,234.57"),
    ],
)
def test_number_format(opts: dict[str, Any], out: str) -> None:
    assert ev(["number-format", 1234.5678, opts]) == out


def test_number_format_rounding_and_zero() -> None:
    # 0 is falsy, so GL JS ignores it and keeps the default of 3 digits.
    assert ev(["number-format", 0.5, {"max-fraction-digits": 0}]) == "0.5"
    assert ev(["number-format", 0.25, {"max-fraction-digits": 1}]) == "0.3"
    assert ev(["number-format", -0.0001, {}]) == "0"
    assert ev(["number-format", -1234, {}]) == "-1,234"


def test_format() -> None:
    v = ev(["format", "big", {"font-scale": 1.5, "text-color": "red"}, "\n", {}, ["image", "bus"],
            ["get", "n"], {"text-font": ["literal", ["A", "B"]]}], {"n": 5})
    assert isinstance(v, Formatted)
    secs = v.sections
    assert [s.text for s in secs] == ["big", "\n", "", "5"]
    assert secs[0].scale == 1.5 and secs[0].text_color == Color(1, 0, 0, 1)
    assert secs[2].image == ResolvedImage("bus")
    assert secs[3].font_stack == "A,B"
    with pytest.raises(ExpressionError, match="vertical-align"):
        compile_expression(["format", "a", {"vertical-align": "middle"}], path="p")


def test_image() -> None:
    assert ev(["image", "x"]) == ResolvedImage("x", True)
    assert ev(["image", ["get", "i"]], {"i": "y"}, available_images={"x"}) == ResolvedImage("y", False)


def test_rgb_rgba_to_rgba() -> None:
    assert ev(["rgb", 255, 0, 0]) == Color(1, 0, 0, 1)
    assert ev(["rgba", 255, 0, 0, 0.5]) == Color(0.5, 0, 0, 0.5)
    assert ev(["to-rgba", ["rgba", 255, 0, 0, 0.5]]) == [255, 0, 0, 0.5]
    with pytest.raises(ExpressionError, match="'r', 'g', and 'b' must be between 0 and 255"):
        compile_expression(["rgb", 256, 0, 0], path="p")
    with pytest.raises(EvaluationError, match="'a' must be between 0 and 1"):
        ev(["rgba", 0, 0, 0, ["get", "a"]], {"a": 2})


def test_colour_interpolation_matches_gl_js_reference_outputs() -> None:
    # Outputs published with MapLibre's expression test-suite (premultiplied r, g, b, a).
    e = ["interpolate", ["linear"], ["get", "x"], 1, "red", 11, ["get", "color"]]
    for c in ("blue", "#0000ff00", "rgb(0% 0% 100% / 0)", "hsl(240 100% 50% / 0)"):
        want = (0.6, 0, 0.4, 1) if c == "blue" else (0.36, 0, 0.24, 0.6)
        got = ev(e, {"x": 5, "color": c}, expected="color")
        assert tuple(round(v, 6) for v in got) == want
    hcl = ["interpolate-hcl", ["linear"], ["get", "x"], 1, "red", 11, ["get", "color"]]
    assert tuple(round(v, 6) for v in ev(hcl, {"x": 5, "color": "blue"})) == (1, 0, 0.425112, 1)
    with pytest.raises(EvaluationError, match="Could not parse color from value 'oops blue'"):
        ev(hcl, {"x": 11, "color": "oops blue"})
