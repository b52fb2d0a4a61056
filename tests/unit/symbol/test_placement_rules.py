"""A symbol layer's placement rules are worked out once per zoom and kept with the symbol resources."""

from __future__ import annotations

from typing import Any

from glrender.style.parse import parse_style
from glrender.symbol.placement import _rules, _rules_for
from glrender.symbol.resources import SymbolResources


def _layer(layout: dict[str, Any], paint: dict[str, Any] | None = None) -> Any:
    style = parse_style({"version": 8, "sources": {"s": {"type": "vector", "tiles": ["x/{z}/{x}/{y}"]}},
                         "layers": [{"id": "l", "type": "symbol", "source": "s", "source-layer": "p",
                                     "layout": layout, "paint": paint or {}}]})
    return style.layers[0]


LAYOUT = {"text-field": "x", "text-allow-overlap": ["step", ["zoom"], False, 10, True],
          "text-padding": ["interpolate", ["linear"], ["zoom"], 0, 1, 20, 21],
          "symbol-placement": "line", "symbol-sort-key": ["get", "rank"]}
PAINT = {"text-color": ["interpolate", ["linear"], ["zoom"], 0, "red", 20, "blue"],
         "text-halo-width": ["get", "halo"]}


def test_rules_follow_the_zoom() -> None:
    layer = _layer(LAYOUT, PAINT)
    low, high = _rules(layer, 5.0), _rules(layer, 15.0)
    assert (low.text_overlap, high.text_overlap) == ("never", "always")
    assert (low.padding, high.padding) == (6.0, 16.0)
    assert low.placement == "line" and low.by_key and not low.by_y
    assert (low.rot_align, low.pitch_align) == ("map", "map")
    # feature-constant paint only: a data-driven halo width is evaluated per feature
    assert "text-color" in low.const and "text-halo-width" not in low.const
    assert low.const["text-color"] != high.const["text-color"]


def test_rules_are_kept_per_layer_object_and_zoom() -> None:
    res = SymbolResources(None, None)
    layer = _layer(LAYOUT, PAINT)
    first = _rules_for(layer, 12.0, res)
    assert _rules_for(layer, 12.0, res) is first
    assert _rules_for(layer, 12.5, res) is not first
    # a new style's layer (another object, maybe at the same address later) is worked out anew
    other = _layer({**LAYOUT, "text-allow-overlap": False})
    got = _rules_for(other, 12.0, res)
    assert got is not first and got.text_overlap == "never"
    # without resources nothing is kept, and the rules are the same
    assert _rules_for(layer, 12.0, None) == first
