"""Vector tiles are decoded layer by layer as a frame's visible style layers need them."""

from __future__ import annotations

import json
from pathlib import Path

from glrender.geo.camera import TileID
from glrender.render.plan import _wanted_source_layers
from glrender.render.sources import RuntimeSource
from glrender.style.parse import parse_style
from glrender.tiles.mvt import decode_tile

DEMO = Path(__file__).resolve().parents[3] / "glrender" / "data" / "demo"
TILE = TileID(14, 9327, 4742, 14)  # central Helsinki


def _source(used: frozenset[str] | None) -> RuntimeSource:
    return RuntimeSource("helsinki", {"type": "vector", "url": "mbtiles://../helsinki.mbtiles"},
                         str(DEMO / "styles"), source_layers=used)


def test_layers_are_decoded_when_first_wanted_and_kept() -> None:
    src = _source(frozenset({"water", "transportation", "poi"}))
    first = src.layers(TILE, frozenset({"water"}))
    assert set(first) == {"water"}
    water = first["water"]
    more = src.layers(TILE, frozenset({"water", "poi"}))
    assert set(more) == {"water", "poi"}
    assert more["water"] is water  # not decoded again
    everything = src.layers(TILE)  # default: every source layer the style draws
    assert set(everything) == {"water", "transportation", "poi"}
    # the same features as decoding the tile whole
    whole = decode_tile(src.tiles.get_tile(14, 9327, 4742))  # type: ignore[union-attr]
    for name in everything:
        assert len(everything[name].features) == len(whole[name].features)
    # layers the style does not use are never decoded, whatever is asked
    assert "building" not in src.layers(TILE, frozenset({"building"}))


def test_a_tile_without_the_layer_is_remembered_as_such() -> None:
    src = _source(None)
    assert "no-such-layer" not in src.layers(TILE, frozenset({"no-such-layer"}))
    assert "water" in src.layers(TILE, frozenset({"water"}))


def test_wanted_follows_layer_zoom_ranges_and_labels() -> None:
    style = parse_style(json.loads((DEMO / "styles" / "basic.json").read_text()))
    low = _wanted_source_layers(style, 12.0, labels=True)["helsinki"]
    high = _wanted_source_layers(style, 16.5, labels=True)["helsinki"]
    assert "poi" not in low and "poi" in high  # poi-dot and poi-label start at zoom 15 and 16
    assert "transportation_name" in high
    assert "transportation_name" not in _wanted_source_layers(style, 16.5, labels=False)["helsinki"]
