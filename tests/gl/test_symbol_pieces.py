"""Labels are placed once for the whole image: drawing it in 512 px pieces changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from glrender import Renderer

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo"


def _label_only_style() -> dict:
    style = json.loads((DEMO / "styles" / "basic.json").read_text())
    # Keep the background and the symbol layers: any difference is then a labelling difference.
    style["layers"] = [ly for ly in style["layers"] if ly["type"] in ("background", "symbol")]
    return style


def test_pieces_draw_exactly_the_labels_of_one_piece(gl_ctx: object) -> None:
    style = _label_only_style()
    view = dict(center=(24.9384, 60.1699), zoom=14.5, width=1100, height=900, scale=1)
    with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=4096) as one:
        whole = one.render(**view).array
    with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=512) as many:
        tiled = many.render(**view).array
    background = whole[0, 0]
    text_px = np.any(whole != background, axis=-1)
    assert text_px.mean() > 0.005, "the view should carry labels"
    # Labels that straddle the 512 px seams are drawn whole in both renders.
    for x in (512, 1024):
        assert text_px[:, x - 2:x + 2].any()
    # Same labels at the same pixels: only GPU clipping at the seams may move a value by a level or so.
    diff = np.abs(whole.astype(np.int16) - tiled).max(axis=-1)
    assert diff.max() <= 4
    assert np.count_nonzero(diff) <= whole.shape[0] * whole.shape[1] * 0.0002


def test_placement_does_not_depend_on_the_piece_size(gl_ctx: object) -> None:
    from glrender.render.draw_symbol import place_frame
    from glrender.render.plan import plan_frame

    style = _label_only_style()
    placed = []
    for limit in (4096, 256):
        with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=limit) as r:
            cam = r.camera(center=(24.9384, 60.1699), zoom=13, width=800, height=600)
            works = plan_frame(r.style, cam, r.sources, r.buckets, {}, r.symbols)
            out = place_frame(cam, works, r.symbols, {})
            placed.append([(w.layer.id, len(w.items[0][1].text.indices) if w.items[0][1].text else 0)
                           for w in out if w.layer.type == "symbol"])
    assert placed[0] == placed[1]
    assert sum(n for _, n in placed[0]) > 0


def test_exact_pieces_draw_the_labels_within_one_level(gl_ctx: object) -> None:
    # exact=True: float glyph atlas and 16-bit blending, so only the final rounding differs.
    style = _label_only_style()
    view = dict(center=(24.9384, 60.1699), zoom=14.5, width=1100, height=900, scale=1)
    with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=4096, exact=True) as one:
        whole = one.render(**view).array
    with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=512, exact=True) as many:
        tiled = many.render(**view).array
    assert np.any(whole != whole[0, 0], axis=-1).mean() > 0.005, "the view should carry labels"
    diff = np.abs(whole.astype(np.int16) - tiled).max(axis=-1)
    assert diff.max() <= 1  # measured: 142 pixels differ by 1 (default mode: up to 3)


def test_labels_are_placed_once_per_render_whatever_the_pieces(gl_ctx: object, monkeypatch: object) -> None:
    """Placement runs when the first piece reaches its first symbol layer (the layers below are being
    drawn meanwhile), once per render, and every later piece draws the same placed labels."""
    import glrender.render.draw_symbol as ds

    calls = []
    real = ds.place_symbols

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ds, "place_symbols", counting)  # type: ignore[attr-defined]
    style = json.loads((DEMO / "styles" / "basic.json").read_text())
    view = dict(center=(24.9384, 60.1699), zoom=14.5, width=1100, height=900, scale=1)
    with Renderer(style, base_dir=str(DEMO / "styles"), piece_limit=512) as many:
        many.render(**view)
        assert len(calls) == 1  # six pieces, one placement
        many.render(**view)
        assert len(calls) == 2
    nolabels = dict(style, layers=[ly for ly in style["layers"] if ly["type"] != "symbol"])
    with Renderer(nolabels, base_dir=str(DEMO / "styles")) as r:
        r.render(**view)
    assert len(calls) == 2  # a style without symbol layers never places
