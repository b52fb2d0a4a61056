"""A style without ``glyphs`` still draws its labels, from installed fonts through FreeType."""

from __future__ import annotations

import numpy as np
import pytest

from glrender import Renderer

pytest.importorskip("freetype")


def _style(glyphs: str | None) -> dict:
    style: dict = {
        "version": 8,
        "sources": {"p": {"type": "geojson", "data": {
            "type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "Helsinki Ж"},
                 "geometry": {"type": "Point", "coordinates": [0, 0]}}]}}},
        "layers": [
            {"id": "bg", "type": "background", "paint": {"background-color": "white"}},
            {"id": "label", "type": "symbol", "source": "p",
             "layout": {"text-field": "{name}", "text-size": 20, "text-font": ["Noto Sans Regular"]},
             "paint": {"text-color": "black"}},
        ],
    }
    if glyphs is not None:
        style["glyphs"] = glyphs
    return style


def _ink(arr: np.ndarray) -> np.ndarray:
    return arr[..., :3].min(axis=-1) < 128


def test_style_without_glyphs_renders_labels_from_the_default_font(gl_ctx: object) -> None:
    from glrender.text.fonts import FontRasteriser

    if not FontRasteriser()._scan():
        pytest.skip("no TTF/OTF fonts installed")
    with Renderer(_style(None)) as r:
        arr = r.render(center=(0, 0), zoom=2, width=256, height=128).array
    ink = _ink(arr)
    assert ink.sum() > 150
    ys, xs = np.nonzero(ink)
    assert 60 < xs.mean() < 196 and 40 < ys.mean() < 88  # centred on the point


def test_missing_glyph_ranges_fall_back_too(gl_ctx: object, tmp_path: object) -> None:
    with Renderer(_style(f"{tmp_path}/nothing/{{fontstack}}/{{range}}.pbf")) as r:
        arr = r.render(center=(0, 0), zoom=2, width=256, height=128).array
    assert _ink(arr).sum() > 150
