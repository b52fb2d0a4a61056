"""case, match, coalesce, comparisons, !, all, any."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import ev

from glrender.errors import EvaluationError, ExpressionError
from glrender.style.color import Color
from glrender.style.expressions import ResolvedImage, compile_expression


def test_case() -> None:
    e = ["case", ["==", ["get", "k"], "a"], 1, ["==", ["get", "k"], "b"], 2, 3]
    assert ev(e, {"k": "a"}) == 1
    assert ev(e, {"k": "b"}) == 2
    assert ev(e, {"k": "c"}) == 3
    with pytest.raises(ExpressionError, match="odd number"):
        compile_expression(["case", True, 1, False, 2], path="p")


def test_match() -> None:
    e = ["match", ["get", "k"], ["a", "b"], 1, "c", 2, 0]
    assert ev(e, {"k": "b"}) == 1
    assert ev(e, {"k": "c"}) == 2
    assert ev(e, {"k": "z"}) == 0
    assert ev(e, {"k": 1}) == 0  # a number never matches string labels
    n = ["match", ["get", "n"], 1, "one", 2, "two", "other"]
    assert ev(n, {"n": 1.0}) == "one"
    assert ev(n, {"n": "1"}) == "other"


@pytest.mark.parametrize(
    ("expr", "msg"),
    [
        (["match", ["get", "k"], 1.5, 1, 0], "integer"),
        (["match", ["get", "k"], "a", 1, "a", 2, 0], "unique"),
        (["match", ["get", "k"], "a", 1, 2, 2, 0], "Expected string but found number"),
        (["match", ["get", "k"], True, 1, 0], "numbers or strings"),
        (["match", ["get", "k"], [], 1, 0], "at least one branch label"),
        (["match", ["get", "k"], "a", 1], "at least 4 arguments"),
    ],
)
def test_match_errors(expr: Any, msg: str) -> None:
    with pytest.raises(ExpressionError, match=msg):
        compile_expression(expr, path="p")


def test_match_input_type_checked_at_parse() -> None:
    with pytest.raises(ExpressionError, match=r"p\[1\]: Expected string but found number"):
        compile_expression(["match", 1, "a", 1, 0], path="p")


def test_coalesce() -> None:
    assert ev(["coalesce", ["get", "a"], ["get", "b"], 3], {"b": 2}) == 2
    assert ev(["coalesce", ["get", "a"], ["get", "b"]], {}) is None
    assert ev(["coalesce", ["get", "a"], "red"], {}, expected="color") == Color(1, 0, 0, 1)
    # Unavailable images are skipped; the last resort is the first missing name.
    e = ["coalesce", ["image", "a"], ["image", "b"]]
    assert ev(e, available_images={"b"}) == ResolvedImage("b", True)
    assert ev(e, available_images=set()) == "a"


@pytest.mark.parametrize(
    ("expr", "out"),
    [
        (["==", 1, 1], True),
        (["==", ["get", "n"], 1], True),
        (["==", ["get", "s"], 1], False),  # different runtime types: false, not an error
        (["!=", ["get", "s"], 1], True),
        (["==", ["get", "missing"], None], True),
        (["==", ["get", "b"], 1], False),  # true is not 1
        (["<", ["get", "n"], 2], True),
        ([">=", ["get", "s"], "a"], True),
        (["<", "a", "b"], True),
        (["!", ["==", 1, 2]], True),
        (["all", True, ["==", ["get", "n"], 1]], True),
        (["all"], True),
        (["any"], False),
        (["any", False, ["get", "b"]], True),
    ],
)
def test_comparisons(expr: Any, out: bool) -> None:
    assert ev(expr, {"n": 1, "s": "x", "b": True}) is out


def test_comparison_errors() -> None:
    with pytest.raises(ExpressionError, match="Cannot compare types 'number' and 'string'"):
        compile_expression(["==", 1, "a"], path="p")
    msg = r"p\[1\]: \"<\" comparisons are not supported for type 'boolean'"
    with pytest.raises(ExpressionError, match=msg):
        compile_expression(["<", True, False], path="p")
    with pytest.raises(EvaluationError, match=r"Expected value to be of type number, but found string"):
        ev(["<", ["get", "s"], 1], {"s": "x"})
    with pytest.raises(EvaluationError, match=r'Expected arguments for "<" to be \(string, string\)'):
        ev(["<", ["get", "s"], ["get", "n"]], {"s": "x", "n": 1})


def test_collator_comparisons() -> None:
    ci = ["collator", {"case-sensitive": False}]
    assert ev(["==", "a", "A", ci]) is True
    assert ev(["==", "a", "A", ["collator", {"case-sensitive": True}]]) is False
    assert ev(["==", "é", "e", ["collator", {"diacritic-sensitive": False}]]) is True
    assert ev(["<", "a", "B", ci]) is True
    assert ev(["resolved-locale", ["collator", {"locale": "de"}]]) == "de"
