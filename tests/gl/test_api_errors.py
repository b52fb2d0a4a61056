"""Bad input to the Python API raises the typed exception naming the bad value."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from glrender import Renderer
from glrender.errors import RenderError, StyleError, TileError

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo"


def test_missing_style_file() -> None:
    with pytest.raises(StyleError, match="nope.json"):
        Renderer("/definitely/not/here/nope.json")


def test_unknown_source_type(gl_ctx: object) -> None:
    style = {"version": 8, "sources": {"a": {"type": "weird"}},
             "layers": [{"id": "x", "type": "fill", "source": "a", "source-layer": "l"}]}
    # Refused when the style is read, with the JSON path, whether or not a layer uses the source.
    with pytest.raises(StyleError, match=r"sources\.a\.type.*weird"):
        Renderer(style)
    unused = {**style, "layers": []}
    with pytest.raises(StyleError, match="weird"):
        Renderer(unused)


def test_corrupt_tile_names_source_and_tile(gl_ctx: object, tmp_path: Path) -> None:
    db = tmp_path / "corrupt.mbtiles"
    shutil.copy(DEMO / "helsinki.mbtiles", db)
    con = sqlite3.connect(db)
    # The demo file stores tiles deduplicated (a `tiles` view over map + images).
    con.execute("UPDATE images SET tile_data = X'1f8b0800deadbeef'")
    con.commit()
    con.close()
    style = {"version": 8, "sources": {"h": {"type": "vector", "url": f"mbtiles://{db}"}},
             "layers": [{"id": "w", "type": "fill", "source": "h", "source-layer": "water"}]}
    with pytest.raises(TileError, match=r"source 'h': tile \(14, "):
        Renderer(style).render(center=(24.94, 60.17), zoom=14, width=64, height=64)


def test_missing_tiles_draw_empty(gl_ctx: object) -> None:
    style = {"version": 8, "sources": {"h": {"type": "vector", "url": f"mbtiles://{DEMO / 'helsinki.mbtiles'}"}},
             "layers": [{"id": "bg", "type": "background", "paint": {"background-color": "#123456"}},
                        {"id": "w", "type": "fill", "source": "h", "source-layer": "water",
                         "paint": {"fill-color": "red"}}]}
    # Far outside the data: every tile is missing, only the background shows.
    img = Renderer(style).render(center=(-70.0, -30.0), zoom=14, width=32, height=32)
    assert (img.array.reshape(-1, 4) == [0x12, 0x34, 0x56, 255]).all()


@pytest.mark.parametrize(
    "kwargs, word",
    [({"zoom": float("nan")}, "zoom"), ({"pitch": 86}, "pitch"), ({"width": 0}, "width"),
     ({"width": 8193}, "8192"), ({"center": (0, 95)}, "latitude"), ({"scale": 0}, "scale")],
)
def test_bad_camera(kwargs: dict[str, object], word: str) -> None:
    r = Renderer({"version": 8, "sources": {}, "layers": []})
    args: dict[str, object] = {"center": (0, 0), "zoom": 1, "width": 16, "height": 16}
    args.update(kwargs)
    with pytest.raises(RenderError, match=word):
        r.render(**args)  # type: ignore[arg-type]
