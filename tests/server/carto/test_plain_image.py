"""``plain`` layers with ``imageUrl``: the image repeats from the world's pixel origin (as CARTO's plain
renderer tiles it), only from allowlisted places."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from starlette.testclient import TestClient

from tests.server.carto.conftest import mapconfig
from tests.server.carto.test_api import errors, token_of

RED, BLUE = (255, 0, 0, 255), (0, 0, 255, 255)


def pattern(path: Path) -> str:
    """8x8: the top half red on the left and blue on the right, the bottom half transparent."""
    px = np.zeros((8, 8, 4), np.uint8)
    px[:4, :4] = RED
    px[:4, 4:] = BLUE
    Image.fromarray(px).save(path)
    return str(path)


def test_image_pattern_is_anchored_to_the_world_origin(client: TestClient, tmp_path: Path) -> None:
    url = pattern(tmp_path / "p.png")
    token = token_of(client, mapconfig({"type": "plain", "options": {"imageUrl": url}}))
    # CARTO zoom 3: a 2048 px world. Centred on 0,0, a 64 px image starts at world pixel 992 = 124 * 8.
    r = client.get(f"/api/v1/map/static/center/{token}/3/0/0/64/64.png")
    assert r.status_code == 200, r.text
    img = np.asarray(Image.open(io.BytesIO(r.content)))
    cols, rows = np.meshgrid(np.arange(64), np.arange(64))
    expected = np.zeros((64, 64, 4), np.uint8)
    expected[(rows % 8 < 4) & (cols % 8 < 4)] = RED
    expected[(rows % 8 < 4) & (cols % 8 >= 4)] = BLUE
    assert (np.abs(img.astype(int) - expected).max(axis=2) > 8).mean() < 0.01
    # One world pixel further east: the pattern shifts with the map, one column.
    r = client.get(f"/api/v1/map/static/center/{token}/3/0/{360 / 2048}/64/64.png")
    shifted = np.asarray(Image.open(io.BytesIO(r.content)))
    assert (np.abs(shifted[:, :-1].astype(int) - img[:, 1:]).max(axis=2) > 8).mean() < 0.01


def test_colour_wins_and_images_need_the_allowlist(client: TestClient, tmp_path: Path) -> None:
    url = pattern(tmp_path / "p.png")
    token = token_of(client, mapconfig({"type": "plain", "options": {"imageUrl": url, "color": "#00ff00"}}))
    r = client.get(f"/api/v1/map/static/center/{token}/3/0/0/16/16.png")
    assert Image.open(io.BytesIO(r.content)).getpixel((5, 5)) == (0, 255, 0, 255)
    for outside in ("/etc/hostname", "http://example.com/p.png", f"{tmp_path}/../p.png"):
        r = client.post("/api/v1/map", json=mapconfig({"type": "plain", "options": {"imageUrl": outside}}))
        assert (r.status_code, errors(r)) == (400, ['Invalid "imageUrl" for plain layer'])


def test_unreadable_image_is_left_out(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"not an image")
    token = token_of(client, mapconfig({"type": "plain", "options": {"imageUrl": str(tmp_path / "bad.png")}}))
    r = client.get(f"/api/v1/map/static/center/{token}/3/0/0/16/16.png")
    assert r.status_code == 200
    assert Image.open(io.BytesIO(r.content)).getpixel((5, 5))[3] == 0
