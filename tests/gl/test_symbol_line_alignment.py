"""Labels on lines follow the line when map-aligned and stay upright, as point labels, when viewport-aligned."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from glrender import Renderer

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo"


def _road_quads(alignment: str | None) -> np.ndarray:
    from glrender.render.draw_symbol import place_frame
    from glrender.render.plan import plan_frame

    style = json.loads((DEMO / "styles" / "basic.json").read_text())
    style["layers"] = [ly for ly in style["layers"] if ly["id"] in ("background", "road-name")]
    if alignment is not None:
        style["layers"][-1]["layout"]["text-rotation-alignment"] = alignment
    with Renderer(style, base_dir=str(DEMO / "styles")) as r:
        cam = r.camera(center=(24.9443, 60.1716), zoom=15, width=512, height=512)
        works = plan_frame(r.style, cam, r.sources, r.buckets, {}, r.symbols)
        out = place_frame(cam, works, r.symbols, {})
    quads = [w.items[0][1].text.arrays["a_clip"] for w in out
             if w.layer.id == "road-name" and w.items and w.items[0][1].text is not None]
    assert quads, "the view should carry street names"
    clip = np.concatenate(quads).reshape(-1, 4, 4)
    return clip[..., :2] / clip[..., 3:4]


def _tilted(corners: np.ndarray) -> np.ndarray:
    """Per glyph quad: is its top edge off the horizontal (top-left and top-right y differ)?"""
    return np.abs(corners[:, 0, 1] - corners[:, 1, 1]) > 1e-4


def test_map_aligned_street_names_turn_with_their_streets() -> None:
    assert _tilted(_road_quads(None)).mean() > 0.3


def test_viewport_aligned_street_names_stay_upright_at_their_anchors() -> None:
    assert not _tilted(_road_quads("viewport")).any()
