"""The benchmark's warm children: renders on request, answers in turns, errors reported, no hang."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benches"))

import bench  # noqa: E402

STYLE = ROOT / "glrender" / "data" / "demo" / "styles" / "basic-nolabels.json"
VIEW = {"lon": 24.94, "lat": 60.17, "zoom": 12.0, "width": 64, "height": 48}


def test_warm_child_times_each_requested_render(gl_ctx: object) -> None:
    out = bench._warm_all({**VIEW, "style": str(STYLE)}, ["glrender"], 3)["glrender"]
    assert out["error"] is None
    assert len(out["warm_times"]) == 3 and all(t > 0 for t in out["warm_times"])
    assert out["warm"] == sorted(out["warm_times"])[1]
    assert out["first"] > 0 and out["png_bytes"] > 0


def test_a_child_that_cannot_start_reports_its_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-style.json"
    out = bench._warm_all({**VIEW, "style": str(missing)}, ["glrender"], 3)["glrender"]
    assert out["warm"] is None
    assert out["error"] and "no-such-style" in out["error"]


def test_fast_views_take_more_turns_until_the_minimum_time(gl_ctx: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``min_seconds``, the turns go on past ``runs`` until the renderer has rendered that long,
    and stop at MAX_WARM_TURNS whatever the time."""
    scn = {**VIEW, "style": str(STYLE)}
    out = bench._warm_all(scn, ["glrender"], 2, min_seconds=0.05)["glrender"]
    assert out["error"] is None
    ts = out["warm_times"]
    assert len(ts) > 2 and sum(ts) >= 0.05 and sum(ts[:-1]) < 0.05
    monkeypatch.setattr(bench, "MAX_WARM_TURNS", 4)
    capped = bench._warm_all(scn, ["glrender"], 2, min_seconds=60.0)["glrender"]
    assert len(capped["warm_times"]) == 4
