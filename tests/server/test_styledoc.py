"""GET /styles/v1/{owner}/{style_id}: the style JSON with absolute URLs to this server for its local tiles,
GeoJSON, glyphs and sprite, and those URLs answering with the stored bytes (tokens carried along)."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import demo_data_dir, parse_config

DEMO = demo_data_dir()


@pytest.fixture
def style_dir(tmp_path: Path) -> Path:
    """A style next to the demo archive, with a local sprite, a local GeoJSON file and a remote source."""
    shutil.copy(DEMO / "helsinki.mbtiles", tmp_path / "helsinki.mbtiles")
    (tmp_path / "fonts" / "Noto Sans Regular").mkdir(parents=True)
    shutil.copy(DEMO / "glyphs" / "Noto Sans Regular" / "0-255.pbf", tmp_path / "fonts" / "Noto Sans Regular")
    (tmp_path / "icons.json").write_text('{"dot": {"x": 0, "y": 0, "width": 2, "height": 2, "pixelRatio": 1}}')
    (tmp_path / "icons.png").write_bytes(b"\x89PNG fake 1x")
    (tmp_path / "icons@2x.png").write_bytes(b"\x89PNG fake 2x")
    (tmp_path / "points.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    style = {
        "version": 8, "sprite": "icons", "glyphs": "fonts/{fontstack}/{range}.pbf",
        "sources": {
            "city": {"type": "vector", "url": "mbtiles://helsinki.mbtiles"},
            "points": {"type": "geojson", "data": "points.geojson"},
            "remote": {"type": "vector", "tiles": ["https://tiles.example.org/{z}/{x}/{y}.pbf"], "maxzoom": 9},
        },
        "layers": [{"id": "bg", "type": "background", "paint": {"background-color": "#fff"}},
                   {"id": "roads", "type": "line", "source": "city", "source-layer": "transportation"}],
    }
    (tmp_path / "style.json").write_text(json.dumps(style))
    return tmp_path


def _client(style_dir: Path, fake_factory: Any, tokens: list[str] | None = None) -> TestClient:
    cfg = parse_config({"styles": [{"owner": "me", "id": "city", "path": str(style_dir / "style.json")}],
                        "auth": {"tokens": tokens or []}}, base_dir=style_dir)
    return TestClient(create_app(cfg, renderer_factory=fake_factory, workers=0))


@pytest.fixture
def client(style_dir: Path, fake_factory: Any) -> Iterator[TestClient]:
    with _client(style_dir, fake_factory) as c:
        yield c


def _stored_tile(path: Path, z: int) -> tuple[int, int, int, bytes]:
    with sqlite3.connect(path) as db:
        x, row, data = db.execute("SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level=? LIMIT 1",
                                  (z,)).fetchone()
    return z, x, (1 << z) - 1 - row, bytes(data)  # MBTiles rows count from the south


def test_style_urls_point_at_this_server(client: TestClient, style_dir: Path) -> None:
    doc = client.get("/styles/v1/me/city").json()
    root = "http://testserver/styles/v1/me/city"
    city = doc["sources"]["city"]
    assert "url" not in city and city["tiles"] == [f"{root}/sources/city/{{z}}/{{x}}/{{y}}.pbf"]
    assert (city["minzoom"], city["maxzoom"]) == (8, 15) and len(city["bounds"]) == 4
    assert doc["sources"]["points"]["data"] == f"{root}/sources/points.geojson"
    assert doc["sources"]["remote"] == {"type": "vector", "tiles": ["https://tiles.example.org/{z}/{x}/{y}.pbf"],
                                        "maxzoom": 9}  # already absolute: untouched
    assert doc["glyphs"] == f"{root}/glyphs/{{fontstack}}/{{range}}.pbf"
    assert doc["sprite"] == f"{root}/sprite"
    assert doc["layers"] == json.loads((style_dir / "style.json").read_text())["layers"]


def test_the_urls_serve_the_stored_bytes(client: TestClient, style_dir: Path) -> None:
    doc = client.get("/styles/v1/me/city").json()
    z, x, y, stored = _stored_tile(style_dir / "helsinki.mbtiles", 14)
    r = client.get(doc["sources"]["city"]["tiles"][0].format(z=z, x=x, y=y))
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    # MBTiles vector tiles are usually gzipped: served as stored, with Content-Encoding so the client
    # (here httpx, in a browser the browser) inflates them.
    gzipped = stored[:2] == b"\x1f\x8b"
    assert r.content == (gzip.decompress(stored) if gzipped else stored)
    assert r.headers.get("content-encoding") == ("gzip" if gzipped else None)
    glyphs = doc["glyphs"].format(fontstack="Noto Sans Regular", range="0-255")
    assert client.get(glyphs).content == (style_dir / "fonts" / "Noto Sans Regular" / "0-255.pbf").read_bytes()
    assert client.get(doc["sprite"] + ".json").json()["dot"]["width"] == 2
    assert client.get(doc["sprite"] + "@2x.png").content == b"\x89PNG fake 2x"
    assert client.get(doc["sprite"] + ".png").headers["content-type"] == "image/png"
    assert client.get(doc["sources"]["points"]["data"]).json()["features"] == []


@pytest.mark.parametrize(("path", "status"), [
    ("/sources/city/3/0/0.pbf", 204),  # inside the grid, not in the archive: an empty tile
    ("/sources/city/3/8/0.pbf", 422),  # outside the grid of zoom 3
    ("/sources/city/14/9326/4742.png", 404),  # wrong format
    ("/sources/nope/1/0/0.pbf", 404),
    ("/sources/remote/1/0/0.pbf", 404),  # remote sources are the client's to fetch
    ("/sources/points/1/0/0.pbf", 404),
    ("/sources/city.geojson", 404),
    ("/glyphs/..%2F..%2Fstyle.json/0-255.pbf", 404),  # %2F is decoded before routing: no such route
    ("/glyphs/..%5C..%5Cstyle.json/0-255.pbf", 422),
    ("/glyphs/../0-255.pbf", 404),
    ("/glyphs/Noto Sans Regular/../0-255.pbf", 404),
    ("/glyphs/Noto Sans Regular/a-b.pbf", 422),
    ("/glyphs/Missing Font/0-255.pbf", 404),
    ("/sprite.svg", 404),
    ("/sprite/other.json", 404),
])
def test_bad_asset_requests_are_4xx(client: TestClient, path: str, status: int) -> None:
    r = client.get("/styles/v1/me/city" + path)
    assert r.status_code == status, r.text
    if status != 204:
        assert r.json()["message"]


def test_tokens_follow_the_urls(style_dir: Path, fake_factory: Any) -> None:
    with _client(style_dir, fake_factory, tokens=["pk.good"]) as c:
        assert c.get("/styles/v1/me/city").status_code == 401
        doc = c.get("/styles/v1/me/city?access_token=pk.good").json()
        tiles = doc["sources"]["city"]["tiles"][0]
        assert tiles.endswith("?access_token=pk.good") and doc["glyphs"].endswith("?access_token=pk.good")
        z, x, y, _ = _stored_tile(style_dir / "helsinki.mbtiles", 14)
        assert c.get(tiles.format(z=z, x=x, y=y)).status_code == 200
        assert c.get(f"/styles/v1/me/city/sources/city/{z}/{x}/{y}.pbf").status_code == 401


def test_demo_style_document_is_usable(fake_factory: Any) -> None:
    from server.config import demo_config

    with TestClient(create_app(demo_config(), renderer_factory=fake_factory, workers=0)) as c:
        doc = c.get("/styles/v1/demo/basic").json()
        for src in doc["sources"].values():
            assert src["tiles"][0].startswith("http://testserver/styles/v1/demo/basic/sources/")
        assert c.get(doc["glyphs"].format(fontstack="Noto Sans Regular", range="0-255")).status_code == 200
