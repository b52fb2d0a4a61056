from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.carto.service import CartoService
from tests.server.carto.conftest import CITIES, COUNTRIES, mapconfig

PLAIN = {"type": "plain", "options": {"color": [255, 0, 0, 255]}}


def token_of(client: TestClient, cfg: dict) -> str:
    r = client.post("/api/v1/map", json=cfg)
    assert r.status_code == 200, r.text
    return str(r.json()["layergroupid"])


def errors(r) -> list[str]:  # type: ignore[no-untyped-def]
    body = r.json()
    assert set(body) == {"errors", "errors_with_context"}
    return list(body["errors"])


def test_anonymous_map_post_and_get(client: TestClient) -> None:
    cfg = mapconfig(COUNTRIES, CITIES)
    r = client.post("/api/v1/map", json=cfg)
    assert r.status_code == 200
    body = r.json()
    assert r.headers["x-layergroup-id"] == body["layergroupid"]
    assert [la["id"] for la in body["metadata"]["layers"]] == ["layer0", "layer1"]
    assert "Cache-Control" not in r.headers
    r2 = client.get("/api/v1/map", params={"config": json.dumps(cfg)})
    assert r2.json()["layergroupid"] == body["layergroupid"]  # same config, same token
    assert r2.headers["cache-control"] == "public,max-age=86400,must-revalidate"
    r3 = client.get("/user/anyone/api/v1/map", params={"config": json.dumps(cfg), "callback": "cb"})
    assert r3.text.startswith("/**/ typeof cb === 'function' && cb(")


def test_tokens_survive_restarts(service: CartoService, tmp_path: Path) -> None:
    body, token = service.create_layergroup(mapconfig(PLAIN))
    again = CartoService(service.config)
    try:
        assert again.load_layergroup(token, []).config.layers[0].type == "plain"
    finally:
        again.close()


@pytest.mark.parametrize("cfg,status,message", [
    ({"version": "1.9.0", "layers": [PLAIN]}, 400, "Unsupported layergroup configuration version 1.9.0"),
    ({"version": "1.3.0", "layers": [{"type": "mapnik", "options": {"cartocss": "#a{}"}}]}, 400,
     "Missing sql for layer 0 options"),
    ({"version": "1.3.0", "layers": [{"type": "mapnik", "options": {"sql": "select * from cities"}}]}, 400,
     "Missing cartocss for layer 0 options"),
    (mapconfig({"type": "mapnik", "options": {"sql": "select * from nope", "cartocss": "#a{polygon-fill:red;}",
                                              "cartocss_version": "2.3.0"}}), 404, 'relation "nope" does not exist'),
    (mapconfig({"type": "mapnik", "options": {"sql": "select * from cities", "cartocss_version": "2.3.0",
                                              "cartocss": "#a{[zoom=3]{marker-width: [wadus] * 2;}}"}}), 400,
     'column "wadus" does not exist'),
    (mapconfig({"type": "mapnik", "options": {"sql": "select * from cities", "cartocss": "#a{marker-fill:;}",
                                              "cartocss_version": "2.3.0"}}), 400, "Invalid code"),
    (mapconfig({"type": "http", "options": {"urlTemplate": "http://evil.example.com/{z}/{x}/{y}.png"}}), 400,
     'Invalid "urlTemplate" for http layer'),
    (mapconfig({"type": "torque", "options": {"sql": "select 1", "cartocss": ""}}), 400, "Torque layers"),
])
def test_mapconfig_errors_at_creation(client: TestClient, cfg: dict, status: int, message: str) -> None:
    r = client.post("/api/v1/map", json=cfg)
    assert r.status_code == status
    assert message in errors(r)[0]
    if "layer" in r.json()["errors_with_context"][0]:
        assert r.json()["errors_with_context"][0]["layer"]["index"] == 0


def test_request_errors(client: TestClient) -> None:
    r = client.post("/api/v1/map", content=b"{}", headers={"content-type": "text/plain"})
    assert (r.status_code, errors(r)) == (400, ["POST data must be of type application/json"])
    r = client.get("/api/v1/map")
    assert (r.status_code, errors(r)) == (400, ['layergroup GET needs a "config" parameter'])
    r = client.post("/api/v1/map", json=mapconfig(PLAIN), params={"api_key": "unknown"})
    assert r.status_code == 401


def test_static_center_bbox_formats_and_limits(client: TestClient) -> None:
    token = token_of(client, mapconfig(PLAIN, CITIES))
    r = client.get(f"/api/v1/map/static/center/{token}/2/30/10/320/200.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (320, 200) and img.info.get("dpi", (0, 0))[0] == pytest.approx(72, abs=0.1)
    assert r.headers["cache-control"].startswith("public,max-age=")
    assert r.headers["access-control-allow-origin"] == "*" and r.headers["vary"] == "Authorization"
    assert "last-modified" in r.headers
    r = client.get(f"/api/v1/map/static/bbox/{token}/-10,35,30,60/300/200.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).format == "JPEG"
    for fmt in ("gif", "jpeg", "webp"):
        r = client.get(f"/api/v1/map/static/center/{token}/2/0/0/100/100.{fmt}")
        assert (r.status_code, errors(r)) == (400, [f'Unsupported image format "{fmt}"'])
    r = client.get(f"/api/v1/map/static/center/{token}/-1/0/0/100/100.png")
    assert errors(r) == ["Invalid zoom value (-1). It should be an integer number greather than or equal to 0"]
    r = client.get(f"/api/v1/map/static/center/{token}/2/0/0/8193/100.png")
    assert (r.status_code, errors(r)) == (400, ["Desired image is too large."])
    r = client.get(f"/api/v1/map/static/bbox/{token}/0,0,1,1/100/8193.png")
    assert (r.status_code, errors(r)) == (400, ["Desired image is too large."])
    r = client.get("/api/v1/map/static/center/0123abc/2/0/0/100/100.png")
    assert (r.status_code, errors(r)) == (400, ["Invalid or nonexistent map configuration token '0123abc'"])
    r = client.get(f"/api/v1/map/static/center/{token}/2/0/0/100/100.png", params={"layer": "5"})
    assert (r.status_code, errors(r)) == (400, ["Invalid layer filtering"])


def test_static_8192_works(client: TestClient) -> None:
    token = token_of(client, mapconfig(PLAIN))
    r = client.get(f"/api/v1/map/static/center/{token}/5/0/0/8192/8192.png")
    assert r.status_code == 200
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (8192, 8192)
    assert img.getpixel((4096, 4096)) == (255, 0, 0, 255)


def test_jpeg_transparent_is_black_and_layer_filter(client: TestClient) -> None:
    token = token_of(client, mapconfig(PLAIN, CITIES))
    r = client.get(f"/api/v1/map/static/center/{token}/1/0/0/64/64.jpg", params={"layer": "1"})
    px = Image.open(io.BytesIO(r.content)).convert("RGB").getpixel((0, 0))
    assert max(px) < 10  # no plain layer: transparent, which JPEG turns black
    r = client.get(f"/api/v1/map/static/center/{token}/1/0/0/64/64.png", params={"layer": "plain-layer0"})
    assert Image.open(io.BytesIO(r.content)).getpixel((0, 0)) == (255, 0, 0, 255)


def test_zoom_convention_carto_z_is_256px_tiles(client: TestClient) -> None:
    # At CARTO zoom 0 the world is 256 px tall (columns wrap as CARTO's do, rows do not).
    cfg = mapconfig({"type": "mapnik", "options": {"sql": "select * from countries", "cartocss_version": "2.3.0",
                                                   "cartocss": "#a { polygon-fill: #000; }"}})
    token = token_of(client, cfg)
    img = Image.open(io.BytesIO(client.get(f"/api/v1/map/static/center/{token}/0/0/0/300/512.png").content))
    rows = [y for y in range(512) if any(img.getpixel((x, y))[3] > 0 for x in range(0, 300, 3))]
    assert 128 - 2 <= rows[0] and rows[-1] <= 384 + 2 and rows[-1] - rows[0] > 200
    img1 = Image.open(io.BytesIO(client.get(f"/api/v1/map/static/center/{token}/1/0/0/300/512.png").content))
    rows1 = [y for y in range(512) if any(img1.getpixel((x, y))[3] > 0 for x in range(0, 300, 3))]
    assert rows1[0] <= 30 and rows1[-1] >= 480


def test_http_layer_from_an_allowlisted_folder(client: TestClient, tmp_path: Path) -> None:
    tiles = tmp_path / "tiles" / "1" / "0"
    tiles.mkdir(parents=True)
    Image.new("RGBA", (256, 256), (0, 128, 0, 255)).save(tiles / "0.png")
    cfg = mapconfig({"type": "http", "options": {"urlTemplate": str(tmp_path / "tiles/{z}/{x}/{y}.png")}})
    token = token_of(client, cfg)
    img = Image.open(io.BytesIO(client.get(f"/api/v1/map/static/center/{token}/1/0/0/512/512.png").content))
    assert img.getpixel((100, 100)) == (0, 128, 0, 255)  # tile 1/0/0 is the top-left quarter
    assert img.getpixel((400, 400))[3] == 0


def test_cors_preflight(client: TestClient) -> None:
    r = client.options("/api/v1/map")
    assert r.status_code == 200 and "Content-Type" in r.headers["access-control-allow-headers"]
