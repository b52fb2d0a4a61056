"""Vectorised filters must agree with per-feature evaluation on every feature."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from glrender.style import compile_filter
from glrender.style.expressions import EvalContext
from glrender.style.vectorize import Columns, filter_mask
from glrender.tiles.features import Feature

FILTERS: list[Any] = [
    ["==", ["get", "class"], "park"],
    ["!=", ["get", "class"], "park"],
    ["==", ["get", "n"], 1],
    ["match", ["get", "class"], ["park", "wood"], True, False],
    ["match", ["get", "n"], [1, 2], False, True],
    ["all", ["==", ["geometry-type"], "Polygon"], ["!", ["has", "name"]]],
    ["any", ["==", ["get", "class"], "grass"], ["has", "name"]],
    ["<", ["get", "n"], 2],
    [">=", ["get", "n"], 1],
    ["<=", ["get", "n"], ["step", ["zoom"], 0, 14, 1]],  # operand depends on zoom only
    [">", 1.5, ["get", "n"]],                             # the get on the right
    ["all", ["has", "class"], ["<=", ["get", "n"], 1]],
    ["==", "class", "park"],  # legacy: per-feature path
    ["<", ["get", "class"], "p"],  # string order: per-feature path
    True,
]
VECTORISED = FILTERS[:12]


def _features(n: int) -> list[Feature]:
    rnd = random.Random(7)
    values: list[Any] = ["park", "wood", "grass", 1, 1.0, 2, 0.5, True, False, None, "1", float("nan")]
    out = []
    for i in range(n):
        props: dict[str, Any] = {}
        for key in ("class", "n", "name"):
            v = rnd.choice(values)
            if v is not None:
                props[key] = v
        out.append(Feature(rnd.choice([1, 2, 3]), [np.zeros((1, 2))], props, i))
    return out


@pytest.mark.parametrize("raw", FILTERS, ids=[str(f) for f in FILTERS])
def test_mask_equals_per_feature(raw: Any) -> None:
    flt = compile_filter(raw)
    feats = _features(400)
    expected = [flt.evaluate(EvalContext(zoom=14, feature=f)) for f in feats]
    mask = filter_mask(flt, Columns(feats), EvalContext(zoom=14))
    if mask is not None:
        assert mask.tolist() == expected
    assert sum(expected) not in (0, len(feats)) or raw is True


def test_common_shapes_are_vectorised() -> None:
    cols = Columns(_features(10))
    for raw in VECTORISED:
        assert filter_mask(compile_filter(raw), cols, EvalContext(zoom=14)) is not None, raw


def test_zoom_operand_is_evaluated_at_the_tile_zoom() -> None:
    flt = compile_filter(["<=", ["get", "rank"], ["step", ["zoom"], 3, 15, 8]])
    feats = [Feature(1, [np.zeros((1, 2))], {"rank": r}, i) for i, r in enumerate([1, 3, 5, 8, 9, "4", True])]
    cols = Columns(feats)
    at14 = filter_mask(flt, cols, EvalContext(zoom=14))
    at15 = filter_mask(flt, cols, EvalContext(zoom=15))
    assert at14 is not None and at15 is not None
    assert at14.tolist() == [True, True, False, False, False, False, False]
    assert at15.tolist() == [True, True, True, True, False, False, False]
    # without a zoom to evaluate it at, the per-feature path decides
    assert filter_mask(flt, cols) is None


def test_match_on_unhashable_values_falls_back() -> None:
    flt = compile_filter(["match", ["get", "class"], ["park"], True, False])
    feats = [Feature(1, [np.zeros((1, 2))], {"class": v}, i) for i, v in enumerate(["park", ["park"], {"a": 1}])]
    assert filter_mask(flt, Columns(feats)) is None
    assert [flt.evaluate(EvalContext(zoom=14, feature=f)) for f in feats] == [True, False, False]
