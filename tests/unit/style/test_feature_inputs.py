"""Static feature-input analysis of property values and the memoized per-feature evaluation."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from _helpers import feature

from glrender.buckets.base import Bucket, paint_values
from glrender.geo.camera import TileID
from glrender.style.feature_inputs import (
    FeatureInputs,
    combined_inputs,
    evaluate_rows,
    property_inputs,
)
from glrender.style.properties import PropertyValue, compile_property, property_spec
from glrender.tiles.features import Feature


def prop(layer: str, name: str, value: Any) -> PropertyValue:
    s = property_spec(layer, name)
    assert s is not None
    return compile_property(value, s, path=f"{layer}.{name}")


def keys(layer: str, name: str, value: Any) -> FeatureInputs | None:
    return property_inputs(prop(layer, name, value))


# ---------------------------------------------------------------------------------------------------
# Analysis


def test_literal_get() -> None:
    assert keys("line", "line-width", ["get", "w"]) == FeatureInputs(("w",))


def test_nested_match_case_coalesce_collects_every_key_once() -> None:
    value = ["match", ["get", "class"],
             "motorway", ["case", ["==", ["get", "rank"], 1], "#f00",
                          ["to-string", ["coalesce", ["get", "colour"], ["get", "class"]]]],
             ["case", ["has", "tunnel"], "#0f0", "#00f"]]
    assert keys("symbol", "text-field", value) == FeatureInputs(("class", "rank", "colour", "tunnel"))


def test_let_var_and_zoom_curve() -> None:
    value = ["interpolate", ["linear"], ["zoom"],
             10, ["let", "h", ["get", "height"], ["*", ["var", "h"], ["to-number", ["get", "levels"], 1]]],
             16, ["get", "height"]]
    assert keys("fill-extrusion", "fill-extrusion-height", value) == FeatureInputs(("height", "levels"))


def test_geometry_type_id_and_global_state() -> None:
    value = ["case", ["==", ["geometry-type"], "Polygon"], ["to-number", ["id"]],
             ["global-state", "w"]]
    assert keys("line", "line-width", value) == FeatureInputs((), geometry_type=True, feature_id=True)


def test_legacy_functions_read_their_property() -> None:
    categorical = {"property": "class", "type": "categorical", "stops": [["a", "#f00"], ["b", "#0f0"]]}
    assert keys("fill", "fill-color", categorical) == FeatureInputs(("class",))
    composite = {"property": "rank", "stops": [[{"zoom": 10, "value": 1}, 1], [{"zoom": 15, "value": 5}, 4]]}
    assert keys("line", "line-width", composite) == FeatureInputs(("rank",))
    assert keys("line", "line-width", {"stops": [[10, 1], [15, 4]]}) == FeatureInputs()


def test_token_strings() -> None:
    assert keys("symbol", "text-field", "{name} ({ref}) {name}") == FeatureInputs(("name", "ref"))
    assert keys("symbol", "icon-image", "shield-{ref_length}") == FeatureInputs(("ref_length",))
    assert keys("line", "line-width", 3) == FeatureInputs()


@pytest.mark.parametrize("value", [
    ["get", ["concat", "name:", ["get", "lang"]]],          # computed key
    ["to-number", ["get", "w", ["properties"]]],             # the whole property object
    ["coalesce", ["feature-state", "hover"], 1],             # feature state
    ["case", ["has", ["to-string", ["get", "k"]]], 1, 2],   # computed key for has
])
def test_dynamic_reads_cannot_be_listed(value: Any) -> None:
    assert keys("line", "line-width", value) is None


def test_line_progress_and_within_cannot_be_listed() -> None:
    assert keys("line", "line-gradient", ["interpolate", ["linear"], ["line-progress"], 0, "red", 1, "blue"]) is None
    poly = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    assert keys("circle", "circle-radius", ["case", ["within", poly], 2, 1]) is None


def test_combined_inputs() -> None:
    a = prop("line", "line-width", ["get", "w"])
    b = prop("line", "line-cap", ["match", ["get", "kind"], "path", "round", "butt"])
    assert combined_inputs([a, None, b]) == FeatureInputs(("w", "kind"))
    assert combined_inputs([a, prop("line", "line-width", ["get", "w", ["properties"]])]) is None


# ---------------------------------------------------------------------------------------------------
# Memoized evaluation equals per-feature evaluation

_NAN = float("nan")
MIXED: list[Feature] = [
    feature({"x": v, "y": y}, geom_type=g, fid=fid)
    for v in (1, 1.0, True, "1", None, 0, 0.0, -0.0, False, "", [1], {"a": 1}, _NAN)
    for y in ("a", 1)
    for g, fid in ((1, 7), (3, 7.0), (3, "7"))
] + [feature({}, fid=None), feature({"y": "a"}, geom_type=2), Feature(1, [], None, None)]  # type: ignore[arg-type]


def _same(a: Any, b: Any) -> bool:
    """Bit-identical: same type and repr (tells -0.0 from 0.0, 1 from 1.0 from True; NaN equals NaN)."""
    if isinstance(a, float) and isinstance(b, float):
        return type(a) is type(b) and (math.isnan(a) and math.isnan(b) or
                                       (a == b and math.copysign(1, a) == math.copysign(1, b)))
    return type(a) is type(b) and repr(a) == repr(b)


@pytest.mark.parametrize(("layer", "name", "value"), [
    ("symbol", "text-field", ["to-string", ["get", "x"]]),
    ("symbol", "text-field", ["typeof", ["get", "x"]]),
    ("symbol", "text-field", ["case", ["==", ["get", "x"], True], "true", ["==", ["get", "x"], 1], "one",
                              ["==", ["get", "x"], "1"], "string", "other"]),
    ("circle", "circle-radius", ["/", 1, ["get", "x"]]),
    ("circle", "circle-radius", ["*", ["to-number", ["get", "x"], 3], ["match", ["get", "y"], "a", 2, 5]]),
    ("circle", "circle-radius", ["case", ["has", "x"], 1, 2]),
    ("symbol", "text-field", ["concat", ["geometry-type"], ["to-string", ["id"]], ["get", "y"]]),
    ("fill", "fill-color", {"property": "x", "type": "categorical", "stops": [[1, "#f00"], [2, "#0f0"]],
                            "default": "#00f"}),
    ("fill", "fill-color", {"property": "x", "type": "categorical", "stops": [[True, "#f00"]]}),
    ("circle", "circle-radius", {"property": "x", "type": "identity"}),
    ("circle", "circle-radius", {"property": "x", "stops": [[0, 1], [10, 5]], "default": 9}),
    ("symbol", "text-field", "{x}/{y}"),
    ("symbol", "icon-image", "icon-{x}"),
])
def test_memoized_equals_per_feature(layer: str, name: str, value: Any) -> None:
    pv = prop(layer, name, value)
    inputs = property_inputs(pv)
    assert inputs is not None
    calls = 0

    def row(f: Feature) -> Any:
        nonlocal calls
        calls += 1
        return pv.evaluate(14.0, f)

    memo = evaluate_rows(inputs, MIXED, row)
    direct = [pv.evaluate(14.0, f) for f in MIXED]
    assert len(memo) == len(direct)
    for f, a, b in zip(MIXED, memo, direct, strict=True):
        assert _same(a, b), (f, a, b)
    assert calls < len(MIXED)  # the memo did share work


def test_memo_keeps_types_apart() -> None:
    pv = prop("symbol", "text-field", ["to-string", ["get", "x"]])
    feats = [feature({"x": v}) for v in (1, 1.0, True, "1")] * 50
    seen: list[Any] = []
    out = evaluate_rows(property_inputs(pv), feats, lambda f: seen.append(f) or pv.evaluate(0.0, f))
    assert len(seen) == 4
    assert [str(v) for v in out[:4]] == [str(pv.evaluate(0.0, f)) for f in feats[:4]]


def test_no_inputs_means_no_memo_of_unknown_reads() -> None:
    calls: list[Feature] = []
    feats = [feature({"x": i}) for i in range(5)]
    assert evaluate_rows(None, feats, lambda f: calls.append(f) or f.properties["x"]) == list(range(5))
    assert len(calls) == 5


def test_paint_values_unchanged_by_memo() -> None:
    color = prop("fill", "fill-color", ["match", ["get", "class"], "park", "#0f0", "water", "#00f", "#888"])
    opacity = prop("fill", "fill-opacity", ["case", ["==", ["get", "x"], True], 0.5, ["==", ["get", "x"], 1], 0.25,
                                            1])
    layer = SimpleNamespace(paint={"fill-color": color, "fill-opacity": opacity}, layout={})
    feats = [feature({"class": c, "x": x}) for c in ("park", "water", "road", None) for x in (1, 1.0, True, "1")]
    index = np.repeat(np.arange(len(feats), dtype=np.int32), 3)
    bucket = Bucket("fill", TileID(14, 1, 2, 14), 4096, feats, {}, np.zeros((0, 3), np.uint32), index)
    table = {"color": ("fill-color", "vec4"), "opacity": ("fill-opacity", "float")}
    _, attrs = paint_values(bucket, layer, table, 14.0)
    want_color = np.array([tuple(color.evaluate(14.0, f)) for f in feats], np.float32)[index]
    want_opacity = np.array([opacity.evaluate(14.0, f) for f in feats], np.float32)[index].reshape(-1, 1)
    assert np.array_equal(attrs["color"], want_color)
    assert np.array_equal(attrs["opacity"], want_opacity)


def test_memo_given_up_for_unique_inputs_still_evaluates_every_feature() -> None:
    pv = prop("fill-extrusion", "fill-extrusion-height", ["+", 14, ["%", ["abs", ["get", "osm_id"]], 11]])
    feats = [feature({"osm_id": -i * 7919}) for i in range(600)] + [feature({"osm_id": 5})] * 50
    out = evaluate_rows(property_inputs(pv), feats, lambda f: pv.evaluate(16.0, f))
    assert out == [pv.evaluate(16.0, f) for f in feats]
