"""Symbol buckets share a label's layout between features with equal text, and only those."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from glrender.geo.camera import TileID
from glrender.style.parse import parse_style
from glrender.symbol.bucket import build_symbol
from glrender.symbol.label_text import text_field_key
from glrender.symbol.resources import SymbolResources
from glrender.tiles.features import POINT, Feature

TILE = TileID(14, 8802, 5375, 14)


def _layer(layout: dict[str, Any]) -> Any:
    style = parse_style({"version": 8, "sources": {"s": {"type": "vector", "tiles": ["x/{z}/{x}/{y}"]}},
                         "layers": [{"id": "l", "type": "symbol", "source": "s", "source-layer": "p",
                                     "layout": layout}]})
    return style.layers[0]


def _point(x: float, y: float, **props: Any) -> Feature:
    return Feature(POINT, [np.array([[x, y]], np.float64)], props)


@pytest.fixture(scope="module")
def res() -> SymbolResources:
    return SymbolResources(None, None)  # glyphs made from the default font


def test_equal_values_of_different_types_are_different_labels(res: SymbolResources) -> None:
    layer = _layer({"text-field": ["get", "n"], "text-font": ["Noto Sans Regular"]})
    values: list[Any] = [1, True, "1", 1.0, "1", 1.5, "x", None, False, 0]
    feats = [_point(100 + 300 * i, 2000, n=v) for i, v in enumerate(values)]
    b = build_symbol(layer, feats, TILE, 4096, res)
    assert b is not None
    labels = {inst.feature: inst.label for inst in b.instances}
    # MapLibre's to-string: numbers as JS prints them, booleans as words; None and "" draw nothing
    assert labels == {0: "1", 1: "true", 2: "1", 3: "1", 4: "1", 5: "1.5", 6: "x", 8: "false", 9: "0"}
    by_feature = {inst.feature: inst for inst in b.instances}
    # equal text shares one layout; different text does not
    assert by_feature[0].text is by_feature[2].text
    assert by_feature[0].text is not by_feature[1].text


def test_points_outside_the_tile_get_no_label(res: SymbolResources) -> None:
    layer = _layer({"text-field": ["get", "n"], "text-font": ["Noto Sans Regular"]})
    feats = [_point(-1.0, 10.0, n="a"), _point(10.0, 4096.0, n="b"), _point(0.0, 4095.5, n="c"),
             Feature(POINT, [np.array([[-5.0, 5.0], [20.0, 30.0]], np.float64)], {"n": "d"})]
    b = build_symbol(layer, feats, TILE, 4096, res)
    assert b is not None
    assert [(i.feature, i.anchor.x, i.anchor.y) for i in b.instances] == [(2, 0.0, 4095.5), (3, 20.0, 30.0)]


def test_unhashable_values_are_laid_out_one_by_one(res: SymbolResources) -> None:
    layer = _layer({"text-field": ["to-string", ["get", "n"]], "text-font": ["Noto Sans Regular"]})
    feats = [_point(100, 100, n=[1, 2]), _point(200, 100, n=[1, 2]), _point(300, 100, n="z")]
    b = build_symbol(layer, feats, TILE, 4096, res)
    assert b is not None
    assert [i.label for i in b.instances] == ["[1,2]", "[1,2]", "z"]


def test_text_field_key_only_for_a_plain_get() -> None:
    assert text_field_key(_layer({"text-field": ["get", "name"]}).layout["text-field"]) == "name"
    for other in (["concat", ["get", "a"], "b"], "{name}", "fixed", ["get", "a", ["literal", {"a": 1}]],
                  ["to-string", ["get", "a"]], ["format", ["get", "a"], {}]):
        assert text_field_key(_layer({"text-field": other}).layout["text-field"]) is None, other
