"""Static tiles draw the labels that cross their edges: the tile is drawn with a small margin, so every
neighbouring tile is part of the render and its labels are laid out too, and the margin is cut off."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from server.config import load_config

GLYPHS = (Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo" / "glyphs").as_uri()
TOP = 60.1852328315075  # northern edge of tile 14/9326/4741
PX = 2.1340956213825035e-05  # degrees of latitude per pixel of that tile


def _app(tmp_path: Path, margin: int) -> Any:
    pytest.importorskip("glrender.api")
    # A point 5 px north of tile 14/9326/4741, in the tile above: the lower part of its 24 px label
    # reaches into our tile.
    style = {
        "version": 8, "glyphs": GLYPHS + "/{fontstack}/{range}.pbf",
        "sources": {"p": {"type": "geojson", "data": {
            "type": "Feature", "properties": {},
            "geometry": {"type": "Point", "coordinates": [24.927978515625, TOP + 5 * PX]}}}},
        "layers": [
            {"id": "bg", "type": "background", "paint": {"background-color": "white"}},
            {"id": "label", "type": "symbol", "source": "p",
             "layout": {"text-field": "WWWWWWWW", "text-size": 24, "text-font": ["Noto Sans Regular"]},
             "paint": {"text-color": "black"}},
        ],
    }
    (tmp_path / "edge.json").write_text(json.dumps(style))
    (tmp_path / "glrender.toml").write_text(
        f'[[styles]]\nowner = "t"\nid = "edge"\npath = "edge.json"\n[limits]\ntile_margin = {margin}\n')
    return create_app(load_config(tmp_path / "glrender.toml"), workers=0)


def _tile(client: TestClient, y: int) -> np.ndarray:
    r = client.get(f"/styles/v1/t/edge/tiles/512/14/9326/{y}.png")
    assert r.status_code == 200
    arr = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    assert arr.shape == (512, 512, 3)
    return arr


def _ink_rows(arr: np.ndarray) -> np.ndarray:
    return np.flatnonzero((arr.max(axis=2) < 100).any(axis=1))


def test_label_from_the_tile_above_is_drawn(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path, 8)) as c:
        above, tile = _tile(c, 4740), _tile(c, 4741)
    assert len(_ink_rows(above)) and _ink_rows(above).max() >= 510
    assert len(_ink_rows(tile)) and _ink_rows(tile).min() == 0
    # Side by side they show the label as one render of both tiles does (same placement, same pixels).
    from glrender import Renderer

    with Renderer(json.loads((tmp_path / "edge.json").read_text())) as r:
        whole = r.render(center=(24.927978515625, TOP), zoom=14, width=512, height=1024).array[..., :3]
    seam = np.concatenate([above[-32:], tile[:32]]).astype(int)
    diff = np.abs(seam - whole[512 - 32:512 + 32].astype(int)).max(axis=2)
    assert (diff > 8).mean() < 0.01


def test_without_a_margin_that_label_is_cut(tmp_path: Path) -> None:
    # Drawn exactly to its edges, this tile's render leaves out the row of tiles above (a float edge
    # case of the tile cover), so the label's lower part is missing: what the margin is for.
    with TestClient(_app(tmp_path, 0)) as c:
        assert len(_ink_rows(_tile(c, 4741))) == 0


@pytest.mark.parametrize("value", ["-1", "2000", "1.5", '"8"'])
def test_bad_tile_margin_is_a_config_error(tmp_path: Path, value: str) -> None:
    from server.config import ConfigError

    (tmp_path / "glrender.toml").write_text(f"[limits]\ntile_margin = {value}\n")
    with pytest.raises(ConfigError, match="tile_margin"):
        load_config(tmp_path / "glrender.toml")
