"""Cold-start shortcuts change no pixel: the symbol shader warm-up, and decoding tiles layer by layer."""

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


def test_a_renderer_that_drew_a_lower_zoom_draws_a_higher_one_as_a_fresh_one(gl_ctx: object) -> None:
    # The first view decodes only the source layers visible at zoom 14.2 (not the poi points, shown
    # from zoom 15); the second, over the same data tiles, must decode the rest and draw exactly what
    # a fresh renderer draws. (Without labels: a renderer that drew labels before packs its glyph
    # atlas in another order, which can move a pixel by one level.)
    style = _style()
    style["layers"] = [ly for ly in style["layers"] if ly["type"] != "symbol"]
    assert any(ly.get("source-layer") == "poi" for ly in style["layers"])
    near = dict(center=(24.9400, 60.1690), zoom=16.6, width=400, height=300)
    with Renderer(style, base_dir=str(DEMO / "styles")) as used:
        used.render(center=(24.9400, 60.1690), zoom=14.2, width=400, height=300)
        a = used.render(**near).array
    with Renderer(style, base_dir=str(DEMO / "styles")) as fresh:
        b = fresh.render(**near).array
    assert np.array_equal(a, b)
