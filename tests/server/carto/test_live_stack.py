"""The whole stack: `glrender serve` as a real process, the CARTO API on the same port as the Mapbox
one, driven over HTTP the way carto.js and an `<img>` tag do (anonymous map, static images, named-map
lifecycle), checking statuses, CARTO's headers and the images' size and DPI."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.server.carto.conftest import CITIES, COUNTRIES, mapconfig, template
from tests.server.live import start_server, stop_server

REPO = Path(__file__).resolve().parents[3]
MASTER = "live-master-key"
STYLE = REPO / "glrender" / "data" / "demo" / "styles" / "basic.json"
CONFIG = f"""
[[styles]]
owner = "demo"
id = "basic"
path = "{STYLE}"

[limits]
render_workers = 0

[carto]
master_api_key = "{MASTER}"
storage = "carto.sqlite"
"""
CORS = {"access-control-allow-origin": "*"}


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    # XDG_STATE_HOME: the demo configuration's default store must land in the test's folder, not $HOME.
    return start_server(args, cwd=cwd, log=cwd / "server.log", env={"XDG_STATE_HOME": str(cwd / "state")})


def _stop(proc: subprocess.Popen[bytes], cwd: Path) -> None:
    stop_server(proc, cwd / "server.log")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the demo styles plus a ``[carto]`` table with a master key and a store of its own."""
    cwd = tmp_path_factory.mktemp("live_carto")
    (cwd / "server.toml").write_text(CONFIG)
    proc, url = _start(["--config", str(cwd / "server.toml")], cwd)
    try:
        yield url
    finally:
        _stop(proc, cwd)


def _carto_headers(r: httpx.Response) -> None:
    for k, v in CORS.items():
        assert r.headers.get(k) == v, (r.request.url, dict(r.headers))
    assert r.headers.get("vary") == "Authorization"
    assert "X-Requested-With" in r.headers["access-control-allow-headers"]


def _image(r: httpx.Response, media: str, size: tuple[int, int]) -> Image.Image:
    """Checks every header of a static image answer; returns the decoded image."""
    assert r.status_code == 200, r.text[:300]
    _carto_headers(r)
    assert r.headers["content-type"] == media
    cache = r.headers["cache-control"]
    assert cache.startswith("public,max-age=")
    assert 0 < int(cache.split("=")[1]) <= 300  # CARTO's fallback TTL: up to the next multiple of 300 s
    modified = parsedate_to_datetime(r.headers["last-modified"])
    assert modified.timestamp() <= time.time() + 1
    img = Image.open(io.BytesIO(r.content))
    assert img.format == ("PNG" if media == "image/png" else "JPEG")
    assert img.size == size
    assert img.mode == ("RGBA" if media == "image/png" else "RGB")
    assert round(img.info["dpi"][0]) == 72 and round(img.info["dpi"][1]) == 72
    return img


def test_anonymous_map_to_static_images(base: str) -> None:
    with httpx.Client(base_url=base, timeout=120) as c:
        assert c.get("/health").json()["status"] == "ok"  # the Mapbox side answers on the same port
        cfg = mapconfig(COUNTRIES, CITIES)

        r = c.post("/api/v1/map", content=json.dumps(cfg))
        assert r.status_code == 400 and r.json()["errors"] == ["POST data must be of type application/json"]
        _carto_headers(r)

        r = c.post("/api/v1/map", json=cfg)
        assert r.status_code == 200, r.text
        _carto_headers(r)
        token = r.json()["layergroupid"]
        assert r.headers["x-layergroup-id"] == token
        assert "cache-control" not in r.headers  # POST instantiation is not cacheable in CARTO
        assert [la["id"] for la in r.json()["metadata"]["layers"]] == ["layer0", "layer1"]

        r = c.get("/user/someone/api/v1/map", params={"config": json.dumps(cfg)})
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public,max-age=86400,must-revalidate"
        assert r.json()["layergroupid"].split(":")[0] == token.split(":")[0]  # same config, same token

        img = _image(c.get(f"/api/v1/map/static/center/{token}/2/0/20/400/300.png"), "image/png", (400, 300))
        r_, g_, b_, a_ = img.getpixel((200, 150))  # Africa at the centre: the #ff6600 fill (or darker)
        assert a_ == 255 and r_ > 150 and b_ < 60
        assert img.getpixel((5, 295))[3] == 0  # Southern Ocean: nothing drawn, transparent
        img = _image(c.get(f"/api/v1/map/static/bbox/{token}/-90,-45,90,45/640/480.jpg"), "image/jpeg", (640, 480))
        assert img.getpixel((320, 470)) == (0, 0, 0)  # transparent areas turn black in JPEG, as CARTO's
        _image(c.get(f"/user/glrender/api/v1/map/static/center/{token}/0/0/0/256/256.png",
                     params={"layer": "1"}), "image/png", (256, 256))

        # The size limit is inclusive: 8192 works in either direction, 8193 does not (below).
        _image(c.get(f"/api/v1/map/static/center/{token}/2/0/20/8192/2.png"), "image/png", (8192, 2))
        _image(c.get(f"/api/v1/map/static/bbox/{token}/-90,-45,90,45/2/8192.jpg"), "image/jpeg", (2, 8192))

        for path, status, message in [
            (f"/api/v1/map/static/center/{token}/2/0/20/400/300.jpeg", 400, 'Unsupported image format "jpeg"'),
            (f"/api/v1/map/static/center/{token}/2/0/20/8193/300.png", 400, "Desired image is too large."),
            (f"/api/v1/map/static/bbox/{token}/-90,-45,90,45/300/8193.jpg", 400, "Desired image is too large."),
            (f"/api/v1/map/static/center/{token}/-1/0/20/400/300.png", 400,
             "Invalid zoom value (-1). It should be an integer number greather than or equal to 0"),
            ("/api/v1/map/static/center/0123abc/2/0/20/400/300.png", 400,
             "Invalid or nonexistent map configuration token '0123abc'"),
            (f"/api/v1/map/static/center/{token}/2/0/20/400/300.png?layer=7", 400, "Invalid layer filtering"),
        ]:
            r = c.get(path)
            assert (r.status_code, r.json()["errors"]) == (status, [message]), path
            _carto_headers(r)
            assert r.headers["content-type"].startswith("application/json")


def test_named_map_lifecycle(base: str) -> None:
    key = {"api_key": MASTER}
    t = template("live_tpl", view={"zoom": 3, "center": {"lng": 10, "lat": 50}})
    with httpx.Client(base_url=base, timeout=120) as c:
        for method, path, status, message in (("GET", "/api/v1/map/nothing/here", 404, "Not found"),
                                              ("PATCH", "/api/v1/map/named", 405, "Method not allowed")):
            r = c.request(method, path)
            assert (r.status_code, r.json()["errors"]) == (status, [message])
            _carto_headers(r)
        r = c.options("/api/v1/map/named/live_tpl", headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization"})
        assert r.status_code == 200
        _carto_headers(r)
        assert "Content-Type" in r.headers["access-control-allow-headers"]
        assert "POST" in r.headers["access-control-allow-methods"]

        r = c.post("/api/v1/map/named", json=t)
        assert (r.status_code, r.json()["errors"]) == (403, ["Only authenticated users can create templated maps"])
        r = c.post("/api/v1/map/named", json=t, params={"api_key": "nope"})
        assert (r.status_code, r.json()["errors"]) == (401, ["Unauthorized"])
        r = c.post("/api/v1/map/named", json=t, params=key)
        assert r.status_code == 200 and r.json() == {"template_id": "live_tpl"}
        _carto_headers(r)
        # HTTP Basic auth carries the key as carto.js's clients may send it.
        r = c.get("/api/v1/map/named", auth=("glrender", MASTER))
        assert r.status_code == 200 and "live_tpl" in r.json()["template_ids"]

        r = c.post("/api/v1/map/named/live_tpl", json={"color": "#00ff00"})
        assert r.status_code == 200, r.text
        token = r.json()["layergroupid"]
        assert r.headers["x-layergroup-id"] == token
        assert token.startswith("glrender@") and token.count("@") == 2
        _image(c.get(f"/api/v1/map/static/center/{token}/3/50/10/300/200.png"), "image/png", (300, 200))

        img = _image(c.get("/api/v1/map/static/named/live_tpl/320/240.png",
                           params={"config": json.dumps({"color": "#00ff00"})}), "image/png", (320, 240))
        px = np.asarray(img)
        assert ((px[..., 1] > 200) & (px[..., 0] < 80) & (px[..., 3] > 0)).any()  # green city markers drawn
        _image(c.get("/api/v1/map/static/named/live_tpl/320/240.jpg"), "image/jpeg", (320, 240))
        # The demo named map is seeded into every new store and is open to anyone.
        _image(c.get("/api/v1/map/static/named/world_population/500/250.png"), "image/png", (500, 250))

        # A regular key from the Auth API (same port, same store) may create maps but not manage templates.
        r = c.post("/user/glrender/api/v3/api_keys", params=key,
                   json={"name": "live", "grants": [{"type": "apis", "apis": ["maps"]}]})
        assert r.status_code == 201, r.text
        _carto_headers(r)
        regular = {"api_key": r.json()["token"]}
        assert c.post("/api/v1/map", json=mapconfig(COUNTRIES), params=regular).status_code == 200
        r = c.delete("/api/v1/map/named/live_tpl", params=regular)
        assert (r.status_code, r.json()["errors"]) == (403, ["Forbidden"])

        r = c.delete("/api/v1/map/named/live_tpl", params=key)
        assert r.status_code == 204 and r.content == b""
        r = c.get("/api/v1/map/static/named/live_tpl/320/240.png")
        assert (r.status_code, r.json()["errors"]) == (404, ["Template 'live_tpl' of user 'glrender' not found"])
        r = c.delete("/api/v1/map/named/live_tpl", params=key)
        assert (r.status_code, r.json()["errors"]) == (404, ["Template 'live_tpl' of user 'glrender' does not exist"])


def test_demo_configuration_serves_carto(tmp_path: Path) -> None:
    """No configuration file at all: the demo named map and anonymous maps still work (no key needed)."""
    proc, url = _start([], tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=120) as c:
            _image(c.get("/api/v1/map/static/named/world_population/256/128.jpg"), "image/jpeg", (256, 128))
            r = c.post("/api/v1/map/named", json=template("x"), params={"api_key": "anything"})
            assert (r.status_code, r.json()["errors"]) == (401, ["Unauthorized"])  # no master key configured
        assert (tmp_path / "state" / "glrender" / "carto.sqlite").is_file()
    finally:
        _stop(proc, tmp_path)
