"""Legacy and expression filters, and MapLibre's rule for telling them apart."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import feature

from glrender.errors import StyleError
from glrender.style.expressions import EvalContext
from glrender.style.filters import compile_filter, is_expression_filter

PROPS = {"class": "park", "n": 5, "s": "5", "b": True, "z": None}


def run(flt: Any, geom_type: int = 3, fid: Any = 7, zoom: float = 0) -> bool:
    f = compile_filter(flt, path="filter")
    return f.evaluate(EvalContext(zoom=zoom, feature=feature(PROPS, geom_type, fid)))


@pytest.mark.parametrize(
    ("flt", "out"),
    [
        (None, True),
        (["==", "class", "park"], True),
        (["==", "class", "wood"], False),
        (["!=", "class", "wood"], True),
        (["!=", "missing", "x"], True),
        (["==", "n", 5], True),
        (["==", "n", "5"], False),  # strict: no cross-type equality
        (["==", "s", 5], False),
        (["==", "b", 1], False),
        (["==", "z", None], True),
        (["==", "missing", None], False),  # undefined is not null
        (["<", "n", 6], True),
        ([">", "n", "4"], False),  # order comparisons need the same JS type
        (["<=", "s", "5"], True),
        (["in", "class", "wood", "park"], True),
        (["in", "n", "5"], False),
        (["in", "n", 1, 5], True),
        (["in", "class"], False),
        (["!in", "class", "wood"], True),
        (["!in", "class"], True),
        (["has", "z"], False),  # "has" is always the expression form, where null means absent
        (["!has", "z"], False),  # "!has" is always legacy, where a null value is present
        (["has", "missing"], False),
        (["!has", "missing"], True),
        (["==", "$type", "Polygon"], True),
        (["==", "$type", "Point"], False),
        (["in", "$type", "Point", "Polygon"], True),
        (["==", "$id", 7], True),
        (["has", "$id"], True),
        (["all", ["==", "class", "park"], [">", "n", 1]], True),
        (["any", ["==", "class", "wood"], ["==", "n", 5]], True),
        (["none", ["==", "class", "wood"], ["==", "n", 4]], True),
        (["none", ["==", "class", "park"]], False),
        (["all"], True),
        (["any"], False),
    ],
)
def test_legacy(flt: Any, out: bool) -> None:
    assert run(flt) is out


@pytest.mark.parametrize(
    ("flt", "out"),
    [
        (True, True),
        (False, False),
        (["==", ["get", "class"], "park"], True),
        (["==", ["geometry-type"], "Polygon"], True),
        (["in", ["get", "class"], ["literal", ["park", "wood"]]], True),
        (["has", "class"], True),
        (["!", ["has", "missing"]], True),
        (["all", ["==", ["get", "n"], 5], [">=", ["zoom"], 3]], False),
        (["<", ["get", "class"], 1], False),  # runtime type error -> feature filtered out
        (["get", "b"], True),
        (["get", "s"], False),  # not a boolean -> false
        (["==", ["id"], 7], True),
    ],
)
def test_expression(flt: Any, out: bool) -> None:
    assert run(flt) is out


def test_zoom_dependent_filter() -> None:
    f = compile_filter([">=", ["zoom"], 3], path="filter")
    assert not f.is_zoom_constant
    assert f(feature(PROPS), zoom=4) is True
    assert f(feature(PROPS), zoom=2) is False


def test_mixed_legacy_and_expression() -> None:
    flt = ["all", ["==", "class", "park"], ["==", ["get", "n"], 5]]
    assert not is_expression_filter(flt)
    assert run(flt) is True
    assert run(["all", ["==", "class", "park"], ["==", ["get", "n"], 4]]) is False


@pytest.mark.parametrize(
    ("flt", "is_expr"),
    [
        (["==", "a", 1], False),
        (["==", ["get", "a"], 1], True),
        (["in", "a", 1, 2], False),
        (["in", "a", ["literal", [1]]], True),
        (["in", 1, ["literal", [1]]], True),
        (["has", "a"], True),
        (["has", "$id"], False),
        (["!has", "a"], False),
        (["none"], False),
        (["all", ["==", ["get", "a"], 1], True], True),
        (["all", ["==", "a", 1]], False),
        (["get", "a"], True),
        (True, True),
    ],
)
def test_is_expression_filter(flt: Any, is_expr: bool) -> None:
    assert is_expression_filter(flt) is is_expr


def test_filter_errors_name_the_path() -> None:
    with pytest.raises(StyleError, match=r"layers\[2\]\.filter\[2\]"):
        compile_filter(["==", ["get", "a"], ["nope"]], path="layers[2].filter")
    with pytest.raises(StyleError, match="feature-state"):
        compile_filter(["==", ["feature-state", "a"], 1], path="filter")


def test_needs_geometry() -> None:
    sq = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    assert compile_filter(["within", sq], path="f").needs_geometry
    assert not compile_filter(["==", "a", 1], path="f").needs_geometry
