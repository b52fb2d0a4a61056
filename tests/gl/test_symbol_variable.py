"""text-variable-anchor / text-radial-offset: a label moves to the first anchor where it fits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glrender import Renderer

GLYPHS = (Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo" / "glyphs").as_uri()


def _style(layout: dict[str, Any], blocker: bool) -> dict[str, Any]:
    feats = [{"type": "Feature", "properties": {"n": "Label"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]
    layers: list[dict[str, Any]] = [{"id": "bg", "type": "background", "paint": {"background-color": "white"}}]
    layers.append({"id": "v", "type": "symbol", "source": "p",
                   "layout": {"text-field": "{n}", "text-size": 20, "text-font": ["Noto Sans Regular"], **layout},
                   "paint": {"text-color": "black"}})
    if blocker:
        # A label that owns the space above the point: the layer on top is placed first.
        layers.append({"id": "block", "type": "symbol", "source": "b",
                       "layout": {"text-field": "XXXXXXXX", "text-size": 30, "text-anchor": "bottom",
                                  "text-font": ["Noto Sans Regular"]},
                       "paint": {"text-color": "red"}})
    return {
        "version": 8, "glyphs": GLYPHS + "/{fontstack}/{range}.pbf",
        "sources": {
            "p": {"type": "geojson", "data": {"type": "FeatureCollection", "features": feats}},
            "b": {"type": "geojson", "data": {"type": "FeatureCollection", "features": feats}},
        },
        "layers": layers,
    }


def _black_rows(style: dict[str, Any]) -> np.ndarray:
    with Renderer(style) as r:
        arr = r.render(center=(0, 0), zoom=2, width=256, height=256).array
    ink = (arr[..., 0] < 100) & (arr[..., 1] < 100) & (arr[..., 2] < 100)
    return np.flatnonzero(ink.any(axis=1))


def test_first_anchor_is_used_when_free() -> None:
    rows = _black_rows(_style({"text-variable-anchor": ["bottom", "top"], "text-radial-offset": 0.5}, False))
    assert len(rows) and rows.max() < 128  # "bottom" anchor: the text sits above the point


def test_next_anchor_when_the_first_collides() -> None:
    rows = _black_rows(_style({"text-variable-anchor": ["bottom", "top"], "text-radial-offset": 0.5}, True))
    assert len(rows) and rows.min() > 128  # moved below the point, under the blocker's space


def test_fixed_anchor_is_hidden_by_the_blocker() -> None:
    rows = _black_rows(_style({"text-anchor": "bottom"}, True))
    assert len(rows) == 0
