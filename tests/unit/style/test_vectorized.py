"""Column-at-once paint values must equal per-feature evaluation on every feature, bit for bit."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import glrender.buckets.base as base
from glrender.buckets.base import Bucket, paint_values, value_for_shader
from glrender.geo.camera import TileID
from glrender.style.expressions import EvalContext
from glrender.style.properties import compile_property, property_spec
from glrender.style.vectorize import Columns
from glrender.style.vectorized import compile_paint
from glrender.tiles.features import Feature

BENCH = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "bench"
NUMBER = property_spec("fill-extrusion", "fill-extrusion-height")
COLOR = property_spec("fill-extrusion", "fill-extrusion-color")
ZOOMS = (9.0, 12.5, 14.0, 16.0, 17.25, 19.0)

NUMBERS: list[Any] = [
    ["+", 14, ["*", 1.2, ["%", ["abs", ["get", "n"]], 11]]],
    ["%", ["get", "n"], 3],
    ["%", ["get", "n"], -4],
    ["%", -7.5, ["get", "n"]],
    ["%", ["get", "m"], ["get", "n"]],
    ["-", ["get", "n"]],
    ["-", ["get", "n"], ["get", "m"]],
    ["+", ["get", "n"], ["get", "m"], -0.5],
    ["*", ["get", "n"], ["get", "m"], 0],
    ["*", -1, ["get", "n"]],
    ["/", ["get", "n"], 4],
    ["/", 1, ["get", "n"]],
    ["/", ["get", "n"], ["get", "m"]],
    ["min", ["get", "n"], 3, ["get", "m"]],
    ["max", ["get", "n"], 0, ["get", "m"]],
    ["floor", ["/", ["get", "n"], 3]],
    ["ceil", ["/", ["get", "n"], 3]],
    ["round", ["/", ["get", "n"], 2]],
    ["round", ["*", ["get", "n"], 0.1]],
    ["abs", ["get", "n"]],
    ["to-number", ["get", "n"]],
    ["coalesce", ["get", "n"], 5],
    ["coalesce", ["get", "missing"], ["get", "n"], -1],
    ["number", ["get", "s"], ["get", "n"], 0],
    ["interpolate", ["linear"], ["get", "n"], -5, 0, 0, 10, 7.5, 20],
    ["interpolate", ["exponential", 1.5], ["get", "n"], 0, 1, 10, 100],
    ["interpolate", ["cubic-bezier", 0.2, 0, 0.8, 1], ["get", "n"], 0, 1, 10, 5],
    ["interpolate", ["linear"], ["zoom"], 10, ["get", "n"], 16, ["*", 2, ["get", "m"]]],
    ["interpolate", ["exponential", 2], ["zoom"], 10, 1, 16, ["get", "n"]],
    ["step", ["get", "n"], 0, 1, 5, 2, 10],
    ["step", ["zoom"], ["get", "n"], 14, ["get", "m"], 17, 3],
    ["match", ["get", "class"], "a", 1, ["b", "c"], ["get", "n"], 0],
    ["match", ["get", "n"], [1, 2], 10, 3, 20, -1],
    ["match", ["%", ["get", "n"], 3], 0, 1, 2],
    ["case", ["<", ["get", "n"], 0], -1, ["==", ["get", "class"], "a"], 2,
     ["all", [">=", ["get", "m"], 1], ["!", ["==", ["get", "n"], 3]]], 5, 0],
    ["case", ["any", ["!=", ["get", "s"], "x"], [">", ["get", "n"], ["get", "m"]]], ["get", "m"], 7],
]

COLORS: list[Any] = [
    ["interpolate", ["linear"], ["%", ["abs", ["get", "n"]], 11], 0, "#e3dcd2", 10, "#cdc2b3"],
    ["interpolate", ["linear"], ["get", "n"], 0, "rgba(255,0,0,0)", 5, "blue", 10, "rgba(0,255,0,0.5)"],
    ["interpolate", ["exponential", 1.2], ["get", "m"], -3, "red", 3, "rgba(0,0,255,0.25)"],
    ["match", ["get", "class"], "a", "red", "b", "rgba(0,0,0,0)", "#123"],
    ["interpolate", ["linear"], ["zoom"], 14, ["match", ["get", "class"], "a", "red", "blue"],
     18, ["step", ["get", "n"], "white", 3, "rgba(10,20,30,0.3)"]],
    ["case", ["<", ["get", "n"], 2], "rgba(0,0,0,0)", "hsl(120, 50%, 50%)"],
]

UNSUPPORTED: list[Any] = [
    ["^", ["get", "n"], 2],
    ["sqrt", ["get", "n"]],
    ["get", ["get", "key"]],
    ["length", ["to-string", ["get", "n"]]],
    {"property": "n", "stops": [[0, 1], [10, 5]]},
]

_VALUES: list[Any] = [0, 1, 2, 3, -1, -3, -11, 22, -22, 7, 10, 123456789, -987654321, 2**53 + 1, 2**70,
                      0.0, -0.0, 0.5, -0.5, 1.5, -2.5, 2.5, 3.75, -4.25, 1e-300, 1e300, math.nan,
                      math.inf, -math.inf, True, False, None, "3", "abc", "", "a", "b", "x"]


def _features(n: int, seed: int, values: list[Any] = _VALUES) -> list[Feature]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        props: dict[str, Any] = {}
        for key in ("n", "m", "s", "class"):
            v = rnd.choice(values) if key in ("n", "m") else rnd.choice(["a", "b", "c", "x", 1, None])
            if v is not None or rnd.random() < 0.5:  # null and missing both
                props[key] = v
        out.append(Feature(3, [], props, i))
    return out


def _clean(n: int, seed: int) -> list[Feature]:
    """Only finite numbers: nothing should be left to the scalar path."""
    rnd = random.Random(seed)
    return [Feature(3, [], {"n": rnd.choice([rnd.randint(-40, 40), rnd.uniform(-20, 20)]),
                            "m": rnd.randint(-5, 5) or 1, "s": "x", "class": rnd.choice("abc")}, i)
            for i in range(n)]


def _scalar(prop: Any, kind: str, feats: list[Feature], zoom: float) -> np.ndarray:
    rows = [value_for_shader(prop.evaluate(zoom, f, ctx=EvalContext(zoom=zoom, feature=f)), kind)
            for f in feats]
    with np.errstate(over="ignore"):
        return np.array(rows, dtype=np.float32).reshape(len(feats), -1)


def _check(raw: Any, spec: Any, kind: str, feats: list[Feature]) -> float:
    """Compare every row the vectorized path keeps; returns the share of rows it hands back."""
    prop = compile_property(raw, spec, path="test")
    fn = compile_paint(prop, kind)
    assert fn is not None, raw
    bad_share = 0.0
    for zoom in ZOOMS:
        values, bad = fn(Columns(feats), zoom)
        with np.errstate(over="ignore"):
            got = values.astype(np.float32).reshape(len(feats), -1)
        want = _scalar(prop, kind, feats, zoom)
        keep = ~bad
        # Bitwise, so -0.0 against 0.0 counts as a difference.
        assert got[keep].view(np.uint32).tolist() == want[keep].view(np.uint32).tolist(), (raw, zoom)
        bad_share = max(bad_share, float(bad.mean()))
    return bad_share


@pytest.mark.parametrize("raw", NUMBERS, ids=[json.dumps(r) for r in NUMBERS])
def test_numbers_equal_per_feature(raw: Any) -> None:
    _check(raw, NUMBER, "float", _features(600, 3))
    assert _check(raw, NUMBER, "float", _clean(300, 4)) < 0.05


def test_strings_are_left_to_the_scalar_path() -> None:
    raw = ["coalesce", ["get", "s"], ["get", "n"], -1]
    _check(raw, NUMBER, "float", _features(600, 3))
    assert _check(raw, NUMBER, "float", _clean(100, 4)) == 1.0  # "x" is not a number: the default


@pytest.mark.parametrize("raw", COLORS, ids=[json.dumps(r) for r in COLORS])
def test_colors_equal_per_feature(raw: Any) -> None:
    _check(raw, COLOR, "vec4", _features(600, 5))
    assert _check(raw, COLOR, "vec4", _clean(300, 6)) < 0.05


@pytest.mark.parametrize("raw", UNSUPPORTED, ids=[json.dumps(r) for r in UNSUPPORTED])
def test_unsupported_shapes_are_refused(raw: Any) -> None:
    assert compile_paint(compile_property(raw, NUMBER, path="test"), "float") is None


def test_clean_columns_need_no_scalar_rows() -> None:
    prop = compile_property(NUMBERS[0], NUMBER, path="test")
    fn = compile_paint(prop, "float")
    assert fn is not None
    _, bad = fn(Columns(_clean(200, 8)), 16.0)
    assert not bad.any()


def _paint(prop: Any, kind: str, feats: list[Feature], zoom: float) -> np.ndarray:
    bucket = Bucket("fill-extrusion", TileID(14, 8800, 5373, 14), 4096, feats, {}, np.zeros((0, 3), np.uint32),
                    np.repeat(np.arange(len(feats), dtype=np.int32), 2))
    layer = SimpleNamespace(paint={"p": prop}, layout={})
    with np.errstate(over="ignore"):  # 1e300 does not fit float32, in either path
        _, attrs = paint_values(bucket, layer, {"a_p": ("p", kind)}, zoom)
    return attrs["a_p"]


@pytest.mark.parametrize("raw,spec,kind", [(NUMBERS[0], NUMBER, "float"), (NUMBERS[-1], NUMBER, "float"),
                                           (COLORS[1], COLOR, "vec4"), (COLORS[4], COLOR, "vec4")])
def test_paint_values_unchanged(raw: Any, spec: Any, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """paint_values (vectorized, bad rows redone per feature) equals paint_values without it."""
    prop = compile_property(raw, spec, path="test")
    feats = _features(500, 9)
    fast = [_paint(prop, kind, feats, z) for z in ZOOMS]
    monkeypatch.setattr(base, "compile_paint", lambda *_a: None)
    slow = [_paint(prop, kind, feats, z) for z in ZOOMS]
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        assert a.view(np.uint32).tolist() == b.view(np.uint32).tolist()


def _berlin_paint() -> dict[str, Any]:
    path = BENCH / "streets-nolabels.json"
    if not path.exists():
        pytest.skip("benchmark style not available")
    layer = next(x for x in json.loads(path.read_text())["layers"] if x["id"] == "building-3d")
    return layer["paint"]  # type: ignore[no-any-return]


def _berlin_buildings() -> list[Feature]:
    from glrender.tiles.mvt import decode_tile

    con = sqlite3.connect(BENCH / "berlin.mbtiles")
    try:
        blobs = [r[0] for r in con.execute("select tile_data from tiles")]
    finally:
        con.close()
    out: list[Feature] = []
    for blob in blobs:
        layer = decode_tile(bytes(blob), ["building"]).get("building")
        if layer is not None:
            out.extend(layer.features)
    return out


def test_berlin_building_expressions() -> None:
    paint = _berlin_paint()
    height, color = paint["fill-extrusion-height"], paint["fill-extrusion-color"]
    # Synthetic ids (negative, float, string, missing, huge) and the real buildings of the tiles.
    feats = [Feature(3, [], {"osm_id": f.properties["n"]} if "n" in f.properties else {}, f.id)
             for f in _features(800, 13)]
    assert _check(height, NUMBER, "float", feats) < 1
    assert _check(color, COLOR, "vec4", feats) < 1
    real = _berlin_buildings()
    assert len(real) > 1000
    assert _check(height, NUMBER, "float", real) == 0.0
    assert _check(color, COLOR, "vec4", real) == 0.0


def test_match_on_columns_holding_lists_and_objects() -> None:
    # GeoJSON properties may be lists or objects: the dict lookup cannot take them, the scalar
    # lookup must answer for the whole column, with the same results.
    rnd = random.Random(5)
    odd: list[Any] = ["a", "b", ["a"], {"k": 1}, 1, True, None, "x"]
    feats = [Feature(3, [], {"class": rnd.choice(odd), "n": rnd.choice([1, 2, 2.0, True, 3])}, i)
             for i in range(300)]
    _check(["match", ["get", "class"], "a", 1, ["b", "c"], 5, 0], NUMBER, "float", feats)
    _check(["match", ["get", "n"], [1, 2], 10, 3, 20, -1], NUMBER, "float", feats)
