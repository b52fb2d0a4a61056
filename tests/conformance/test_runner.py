"""The conformance runner's pieces, without a renderer: discovery, fixture URL rewriting, reporting,
and the worker pool's handling of raising, crashing and hanging tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parents[2] / "benches"
sys.path.insert(0, str(BENCHES))

import conformance  # noqa: E402
import suite  # noqa: E402
import workers  # noqa: E402


def _make_suite(root: Path) -> Path:
    tests = root / "render" / "tests"
    for case in ("fill-color/literal", "fill-color/zoom", "line-width/basic"):
        (tests / case).mkdir(parents=True)
        (tests / case / "style.json").write_text('{"version": 8, "sources": {}, "layers": []}')
    (root / "assets" / "tilesets").mkdir(parents=True)
    (root / "assets" / "tilesets" / "v.json").write_text(
        json.dumps(
            {
                "tiles": ["http://localhost:2900/tiles/{z}-{x}-{y}.mvt"],
                "minzoom": 1,
                "maxzoom": 10,
                "bounds": [-1, -1, 1, 1],
                "vector_layers": [],
            }
        )
    )
    return root


def test_discover_all_then_list_then_manifest(tmp_path: Path) -> None:
    root = _make_suite(tmp_path)
    ids = [c.id for c in suite.discover(root)]
    assert ids == ["fill-color/literal", "fill-color/zoom", "line-width/basic"]
    assert suite.discover(root)[2].family == "line-width"
    (root / "public.txt").write_text("line-width/basic\nfill-color/zoom\n")
    (root / "manifest.tsv").write_text("id\tfamily\nfill-color/zoom\tfill\n")
    cases = suite.discover(root)
    pairs = [(c.id, c.family) for c in cases]
    assert pairs == [("line-width/basic", "line-width"), ("fill-color/zoom", "fill")]
    assert [c.id for c in suite.discover(root, substr="zoom")] == ["fill-color/zoom"]


def test_rewrite_style_maps_fixtures_and_inlines_tilejson(tmp_path: Path) -> None:
    root = _make_suite(tmp_path)
    assets = (root / "assets").resolve()
    style: dict[str, Any] = {
        "version": 8,
        "glyphs": "local://glyphs/{fontstack}/{range}.pbf",
        "sprite": [{"id": "a", "url": "local://sprites/sprite"}],
        "sources": {
            "v": {"type": "vector", "url": "local://tilesets/v.json", "maxzoom": 14, "bounds": [0, 0, 1, 1]},
            "g": {"type": "geojson", "data": "local://geojson/x.json"},
            "r": {"type": "raster", "tiles": ["http://localhost:2900/tiles/{z}-{x}-{y}.png"]},
            "i": {"type": "image", "url": "local://image/0.png", "coordinates": []},
            "inline": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}},
        },
        "layers": [],
    }
    out = suite.rewrite_style(style, root / "assets")
    assert style["sources"]["v"]["url"] == "local://tilesets/v.json"  # the original is untouched
    v = out["sources"]["v"]
    assert "url" not in v
    assert v["tiles"] == [f"{assets}/tiles/{{z}}-{{x}}-{{y}}.mvt"]
    assert (v["minzoom"], v["maxzoom"], v["bounds"]) == (1, 14, [0, 0, 1, 1])  # the style's values win
    assert out["glyphs"] == f"{assets}/glyphs/{{fontstack}}/{{range}}.pbf"
    assert out["sprite"] == [{"id": "a", "url": f"{assets}/sprites/sprite"}]
    assert out["sources"]["g"]["data"] == f"{assets}/geojson/x.json"
    assert out["sources"]["r"]["tiles"] == [f"{assets}/tiles/{{z}}-{{x}}-{{y}}.png"]
    assert out["sources"]["i"]["url"] == f"{assets}/image/0.png"
    assert out["sources"]["inline"]["data"] == {"type": "FeatureCollection", "features": []}


def test_read_spec_defaults() -> None:
    spec = suite.read_spec({"metadata": {"test": {"height": 64}}, "zoom": 2})
    assert (spec.width, spec.height, spec.pixel_ratio) == (512, 64, 1)
    assert (spec.allowed, spec.threshold) == (0.00025, 0.1285)
    assert (spec.center, spec.zoom, spec.bearing, spec.pitch) == ((0.0, 0.0), 2.0, 0.0, 0.0)


def test_report_ends_with_counts() -> None:
    results = [
        suite.Result("a/1", "a", True, 0.0, 0.00025),
        suite.Result("a/2", "a", False, 0.5, 0.00025),
        suite.Result("b/1", "b", False, error="worker crashed (exit code -11)"),
    ]
    text = conformance.report(results)
    lines = text.splitlines()
    assert lines[0] == "FAIL a/2: mismatch 0.50000 > allowed 0.00025"
    assert lines[1] == "FAIL b/1: worker crashed (exit code -11)"
    assert lines[-1] == "1 passed, 2 failed"


def test_pool_survives_raise_crash_and_hang() -> None:
    pool = workers.CrashSafePool(workers.probe, jobs=2, timeout=3.0)
    tasks = [
        ("ok1", ("ok", 1)),
        ("raise", ("raise", 2)),
        ("crash", ("crash", 3)),
        ("hang", ("hang", 30)),
        ("ok2", ("ok", 4)),
        ("ok3", ("ok", 5)),
    ]
    got = {o.key: (o.value, o.error) for o in pool.map(tasks)}
    assert got["ok1"] == ("ok 1", None)
    assert got["ok2"] == ("ok 4", None) and got["ok3"] == ("ok 5", None)
    assert got["raise"][1] == "RuntimeError: probe raised 2"
    assert got["crash"][1] == "worker crashed (exit code 3)"
    assert got["hang"][1] == "timed out after 3 s"
