"""The symbol shader warm-up draws nothing: a labelled render is the same with and without it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from glrender import Renderer

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo"


def _style() -> dict:
    return json.loads((DEMO / "styles" / "basic.json").read_text())


def test_warm_up_changes_no_pixel(gl_ctx: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import glrender.render.draw_symbol as ds

    view = dict(center=(24.9384, 60.1699), zoom=15, pitch=40, bearing=20, width=600, height=400)
    with Renderer(_style(), base_dir=str(DEMO / "styles")) as warmed:
        a = warmed.render(**view).array
        assert ("symbol", False) in warmed._gpu.warmed  # type: ignore[union-attr]
    monkeypatch.setattr(ds, "warm_up", lambda fc: None)
    with Renderer(_style(), base_dir=str(DEMO / "styles")) as plain:
        b = plain.render(**view).array
        assert not plain._gpu.warmed  # type: ignore[union-attr]
    assert np.any(a != a[0, 0]), "the view should draw something"
    assert np.array_equal(a, b)


def test_warm_up_runs_once_per_context_and_only_with_labels(gl_ctx: object) -> None:
    style = _style()
    nolabels = dict(style, layers=[ly for ly in style["layers"] if ly["type"] != "symbol"])
    with Renderer(nolabels, base_dir=str(DEMO / "styles")) as r:
        r.render(center=(24.9384, 60.1699), zoom=14, width=256, height=256)
        assert not r._gpu.warmed  # type: ignore[union-attr]
    with Renderer(style, base_dir=str(DEMO / "styles")) as r:
        for _ in range(2):
            r.render(center=(24.9384, 60.1699), zoom=14, width=256, height=256)
        assert r._gpu.warmed == {("symbol", False)}  # type: ignore[union-attr]
