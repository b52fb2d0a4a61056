"""A cold render (planned on the planner thread) and a cached one (planned inline) draw the same image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glrender import Renderer
from glrender.render import pipeline

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo" / "styles" / "basic.json"
VIEW: dict[str, Any] = {"center": (24.94, 60.17), "zoom": 14.5, "bearing": 20, "pitch": 40,
                        "width": 320, "height": 240}


def test_threaded_and_inline_planning_agree(gl_ctx: object, monkeypatch: Any) -> None:
    modes: list[str] = []
    threaded, inline = pipeline.PlannedFrame, pipeline.InlineFrame

    def spy(cls: Any, name: str) -> Any:
        def make(*a: Any, **k: Any) -> Any:
            modes.append(name)
            return cls(*a, **k)
        return make

    import glrender.api as api
    monkeypatch.setattr(api, "PlannedFrame", spy(threaded, "threaded"))
    monkeypatch.setattr(api, "InlineFrame", spy(inline, "inline"))
    with Renderer(str(DEMO)) as r:
        first = np.asarray(r.render(**VIEW).array)
        again = np.asarray(r.render(**VIEW).array)
        r.render(center=(10.0, 50.0), zoom=5, width=64, height=64)  # new tiles: threaded again
    assert modes == ["threaded", "inline", "threaded"]
    assert np.array_equal(first, again)
