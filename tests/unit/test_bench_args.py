"""Smoke tests of benches/bench.py that render nothing: scenario list, options, table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHES = Path(__file__).resolve().parents[2] / "benches"
sys.path.insert(0, str(BENCHES))

import bench  # noqa: E402


def test_scenarios_cover_both_view_sets_and_a_huge_png() -> None:
    shared = bench.shared_dir()
    if not (shared / "data" / "bench" / "views-nolabels.json").is_file():
        pytest.skip(f"shared data not found at {shared} (set GLRENDER_SHARED)")
    scenarios = bench.load_scenarios(shared)
    ids = [s["id"] for s in scenarios]
    # 14 + 6 unlabelled views and the 8192 px one; 13 + 6 labelled (one labelled-set view repeats an
    # unlabelled one and is timed once).
    assert len(ids) == len(set(ids)) == 40
    assert sum(s["style"].endswith("basic-nolabels.json") for s in scenarios) == 15
    assert sum(s["style"].endswith("streets-nolabels.json") for s in scenarios) == 7
    assert sum(s["style"].endswith("/basic.json") for s in scenarios) == 12
    assert sum(s["style"].endswith("/streets.json") for s in scenarios) == 6
    assert all(Path(s["style"]).is_file() for s in scenarios)
    huge = [s for s in scenarios if s.get("huge")]
    assert [bench.View.from_record(s).pixels for s in huge] == [(8192, 8192)]


def test_unknown_renderer_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--renderers", "glrender,mapnik"]) == 2
    assert "mapnik" in capsys.readouterr().err


def test_table_shows_medians_and_ratios() -> None:
    rows = [
        {
            "id": "v1",
            "output": "512x512",
            "glrender": {"warm": 0.05, "cold": 0.5},
            "pymgl": {"warm": 0.1, "cold": 0.25},
        },
        {"id": "v2", "output": "1024x1024", "glrender": {"warm": None, "cold": None, "error": "boom"}},
    ]
    lines = bench.table(rows).splitlines()
    assert lines[0].split()[:3] == ["scenario", "output", "px"]
    assert lines[1].split() == ["v1", "512x512", "0.050", "0.100", "0.50", "0.500", "0.250", "2.00"]
    assert lines[2].split()[2:] == ["-"] * 6
    assert lines[3] == "! v2 glrender: boom"
