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
    ["==", "class", "park"],  # legacy: per-feature path
    ["<", ["get", "n"], 2],   # not vectorised: per-feature path
    True,
]


def _features(n: int) -> list[Feature]:
    rnd = random.Random(7)
    values: list[Any] = ["park", "wood", "grass", 1, 1.0, 2, True, None, "1"]
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
    mask = filter_mask(flt, Columns(feats))
    if mask is not None:
        assert mask.tolist() == expected
    assert sum(expected) not in (0, len(feats)) or raw is True


def test_common_shapes_are_vectorised() -> None:
    cols = Columns(_features(10))
    for raw in FILTERS[:7]:
        assert filter_mask(compile_filter(raw), cols) is not None, raw
