"""parse_style: whole documents, error paths, and a sweep over the MapLibre render-test styles."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from glrender.errors import StyleError
from glrender.style import Layer, parse_style
from glrender.style.color import Color

SHARED = Path("/work/shared")
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[4] / "shared"
CONFORMANCE = SHARED / "conformance" / "maplibre-render" / "render" / "tests"

BASE: dict[str, Any] = {
    "version": 8,
    "sources": {
        "v": {"type": "vector", "tiles": ["http://x/{z}/{x}/{y}.pbf"], "maxzoom": 14},
        "g": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}, "cluster": True},
        "r": {"type": "raster", "url": "mbtiles://r.mbtiles", "tileSize": 256, "scheme": "tms"},
    },
    "layers": [
        {"id": "bg", "type": "background", "paint": {"background-color": "#123"}},
        {"id": "water", "type": "fill", "source": "v", "source-layer": "water",
         "filter": ["==", "class", "sea"], "paint": {"fill-color": "blue"}},
        {"id": "roads", "type": "line", "source": "v", "source-layer": "road", "minzoom": 5,
         "layout": {"line-cap": "round"},
         "paint": {"line-width": ["interpolate", ["linear"], ["zoom"], 5, 1, 10, 4]}},
        {"id": "pts", "type": "circle", "source": "g", "layout": {"visibility": "none"}},
        {"id": "img", "type": "raster", "source": "r"},
    ],
}


def style(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    return doc


def test_parse_dict() -> None:
    s = parse_style(style(center=[10, 20], zoom=3, bearing=15, name="t", state={"k": {"default": 1}}))
    assert s.version == 8 and s.name == "t"
    assert s.center == (10.0, 20.0) and s.zoom == 3 and s.bearing == 15 and s.pitch == 0
    assert [lyr.id for lyr in s.layers] == ["bg", "water", "roads", "pts", "img"]
    assert s.global_state_defaults == {"k": 1}
    assert s.base_dir is None
    v, g, r = s.sources["v"], s.sources["g"], s.sources["r"]
    assert v.tiles == ("http://x/{z}/{x}/{y}.pbf",) and v.maxzoom == 14 and v.tile_size == 512
    assert g.maxzoom == 18 and g.options["cluster"] is True and g.data["type"] == "FeatureCollection"
    assert r.tile_size == 256 and r.scheme == "tms" and r.url == "mbtiles://r.mbtiles"
    bg = s.layers[0]
    assert bg.source is None and bg.get("background-color").constant_value == Color(0x11 / 255, 0x22 / 255,
                                                                                   0x33 / 255, 1)
    roads = s.layer("roads")
    assert isinstance(roads, Layer) and roads.minzoom == 5 and roads.maxzoom == 24
    assert roads.get("line-width").evaluate(7.5) == 2.5
    assert roads.get("line-cap").constant_value == "round"
    assert roads.get("line-join").constant_value == "miter"  # default filled in
    assert set(roads.paint) >= {"line-color", "line-opacity", "line-dasharray", "line-gradient"}
    assert not s.layer("pts").visible and s.layer("roads").visible
    assert roads.is_visible_at(5) and not roads.is_visible_at(4.9) and not roads.is_visible_at(24)
    assert s.light.anchor.constant_value == "viewport"
    assert s.light.position.constant_value == [1.15, 210.0, 30.0]
    assert s.light.color.constant_value == Color(1, 1, 1, 1)
    assert s.light.intensity.constant_value == 0.5


def test_parse_json_string_and_file(tmp_path: Path) -> None:
    assert len(parse_style(json.dumps(BASE)).layers) == 5
    p = tmp_path / "style.json"
    p.write_text(json.dumps(BASE))
    s = parse_style(p)
    assert s.base_dir == str(tmp_path.resolve())
    assert parse_style(str(p)).base_dir == str(tmp_path.resolve())


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(StyleError, match="style file not found: .*nope.json"):
        parse_style(missing)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 8,\n  "layers": [,]}')
    with pytest.raises(StyleError, match="line 2, column 14"):
        parse_style(bad)


@pytest.mark.parametrize(
    ("mutate", "path", "msg"),
    [
        (lambda d: d.update(version=7), "version", "must be 8; found 7"),
        (lambda d: d["layers"][2]["paint"].update({"line-width": "wide"}), "layers[2].paint.line-width",
         "number expected, string found: 'wide'"),
        (lambda d: d["layers"][2]["paint"].update({"line-width": ["+", 1, "x"]}),
         "layers[2].paint.line-width[2]", "Expected number but found string instead: 'x'"),
        (lambda d: d["layers"][1].update(source="zzz"), "layers[1].source", "missing source 'zzz'"),
        (lambda d: d["layers"][2].update(id="water"), "layers[2].id", "duplicate layer id 'water'"),
        (lambda d: d["layers"][1].update(filter=["==", ["get", "a"], ["nope"]]), "layers[1].filter[2][0]",
         "Unknown expression 'nope'"),
        (lambda d: d["layers"][2].update(minzoom="5"), "layers[2].minzoom", "number expected"),
        (lambda d: d["layers"][1].pop("source"), "layers[1].source", "needs a source"),
        (lambda d: d["sources"]["r"].update(scheme="abc"), "sources.r.scheme", "'abc'"),
        (lambda d: d.update(center="x"), "center", "[longitude, latitude] expected"),
        (lambda d: d["layers"][2]["layout"].update({"line-join": "pointy"}), "layers[2].layout.line-join",
         "'pointy'"),
    ],
)
def test_errors_carry_json_path(mutate: Any, path: str, msg: str) -> None:
    doc = style()
    mutate(doc)
    with pytest.raises(StyleError) as info:
        parse_style(doc)
    assert info.value.path == path
    assert msg in str(info.value)


def test_unknown_things_are_skipped_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    doc = style()
    doc["layers"].append({"id": "sky", "type": "sky"})
    doc["layers"][2]["paint"]["line-sparkle"] = 3
    doc["layers"][2]["paint"]["line-width-transition"] = {"duration": 0}
    with caplog.at_level(logging.WARNING, logger="glrender.style"):
        s = parse_style(doc)
    assert [lyr.id for lyr in s.layers] == ["bg", "water", "roads", "pts", "img"]
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2
    assert any("unknown type 'sky'" in m for m in msgs)
    assert any("line-sparkle" in m for m in msgs)


def test_ref_layers_resolve_to_parent() -> None:
    doc = style()
    doc["layers"].append({"id": "roads-casing", "ref": "roads", "paint": {"line-color": "red"}})
    s = parse_style(doc)
    casing = s.layer("roads-casing")
    assert casing.type == "line" and casing.source == "v" and casing.source_layer == "road"
    assert casing.minzoom == 5 and casing.get("line-cap").constant_value == "round"
    assert casing.get("line-color").constant_value == Color(1, 0, 0, 1)


def test_global_state_reaches_expressions() -> None:
    doc = style(state={"c": {"default": "red"}})
    doc["layers"][0]["paint"]["background-color"] = ["global-state", "c"]
    s = parse_style(doc)
    assert s.layers[0].get("background-color").evaluate(0) == Color(1, 0, 0, 1)


@pytest.mark.parametrize("name", ["data/styles/basic.json", "data/bench/streets.json"])
def test_shared_styles_parse(name: str) -> None:
    p = SHARED / name
    if not p.exists():
        pytest.skip(f"{p} not available")
    s = parse_style(p)
    assert s.layers and s.sources and s.base_dir == str(p.parent.resolve())


def test_conformance_styles_sweep() -> None:
    files = sorted(CONFORMANCE.glob("**/style.json"))
    if not files:
        pytest.skip(f"no conformance styles under {CONFORMANCE}")
    parsed = style_errors = 0
    for f in files:
        try:
            parse_style(f)
            parsed += 1
        except StyleError:
            style_errors += 1
    # Every render-test style is a valid style for GL JS; record how many we take as is.
    assert parsed + style_errors == len(files)
    assert parsed == len(files), f"{style_errors} of {len(files)} styles raised StyleError"
