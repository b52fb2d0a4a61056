"""Routes and error mapping through Starlette's TestClient, with a fake renderer (no GL), plus one
test through the real glrender.api."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from glrender.errors import (
    GLUnavailableError,
    RenderError,
    SourceError,
    StyleError,
    TileError,
)
from server.app import create_app
from server.config import demo_config

BASE = "/styles/v1/demo/basic/static"


@pytest.fixture
def client(fake_factory: Any) -> Iterator[TestClient]:
    app = create_app(demo_config(), renderer_factory=fake_factory, workers=0)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _last_call(fake_renderers: list[Any]) -> dict[str, Any]:
    calls = [c for r in fake_renderers for c in r.calls]
    return calls[-1]


def test_health_and_index(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "styles": ["demo/basic", "demo/basic-nolabels"]}
    body = client.get("/").json()
    assert body["styles"] == ["demo/basic", "demo/basic-nolabels"]
    assert client.get(body["example"]).status_code == 200


def test_png_with_camera(client: TestClient, fake_renderers: list[Any]) -> None:
    r = client.get(f"{BASE}/-122.4241,37.78,15.25,10,60/400x300")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "max-age=43200, s-maxage=43200"
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "PNG" and img.size == (400, 300)
    assert _last_call(fake_renderers) == {
        "width": 400, "height": 300, "scale": 1, "center": (-122.4241, 37.78), "zoom": 15.25,
        "bearing": 10.0, "pitch": 60.0,
    }


def test_retina_and_formats(client: TestClient, fake_renderers: list[Any]) -> None:
    r = client.get(f"{BASE}/0,0,2/300x200@2x")
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (600, 400)
    assert _last_call(fake_renderers)["scale"] == 2
    for suffix, media, pil in ((".png", "image/png", "PNG"), ("@2x.jpg", "image/jpeg", "JPEG"),
                               (".webp", "image/webp", "WEBP")):
        r = client.get(f"{BASE}/0,0,2/64x64{suffix}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == media
        assert Image.open(io.BytesIO(r.content)).format == pil


def test_bbox_fits_with_default_padding(client: TestClient, fake_renderers: list[Any]) -> None:
    r = client.get(f"{BASE}/[-77.043686,38.892035,-77.028923,38.904192]/400x400")
    assert r.status_code == 200
    call = _last_call(fake_renderers)
    lon, lat = call["center"]
    assert lon == pytest.approx(-77.0363045, abs=1e-6) and lat == pytest.approx(38.8981137, abs=1e-4)
    # 400 - 2 * 12 px of default padding over the box's width in pixels at zoom 0.
    assert call["zoom"] == 14.04 and (call["bearing"], call["pitch"]) == (0, 0)


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/styles/v1/demo/nope/static/0,0,2/100x100", 404, "Style not found"),
        ("/styles/v1/other/basic/static/0,0,2/100x100", 404, "Style not found"),
        (f"{BASE}/0,0,21/100x100", 422, "Zoom level must be between 0-20."),
        (f"{BASE}/0,0,2,0,61/100x100", 422, "Pitch must be between 0-60."),
        (f"{BASE}/0,0,2/1281x100", 422, "Width must be between 1-1280."),
        (f"{BASE}/0,0,2/100x0", 422, "Height must be between 1-1280."),
        (f"{BASE}/0,90,2/100x100", 422, "Latitude must be between -85.0511-85.0511."),
        (f"{BASE}/[1,2,3]/100x100", 422, "Invalid bbox: [1,2,3]"),
        (f"{BASE}/0,0,2/100", 404, "Not Found"),
        ("/nowhere", 404, "Not Found"),
    ],
)
def test_errors_are_json_messages(client: TestClient, path: str, status: int, message: str) -> None:
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"message": message}


def test_method_not_allowed_is_json(client: TestClient) -> None:
    r = client.post("/health")
    assert r.status_code == 405 and "message" in r.json()


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (StyleError("layers[0]", "bad"), 422),
        (RenderError("pitch must be within 0..85, got 99"), 422),
        (GLUnavailableError("no EGL"), 503),
        (SourceError("cannot open /secret/path.mbtiles"), 500),
        (TileError("corrupt"), 500),
        (ValueError("a bug"), 500),
    ],
)
def test_library_errors_map_to_http(client: TestClient, fake_renderers: list[Any],
                                    exc: Exception, status: int) -> None:
    for renderer in fake_renderers:
        renderer.raise_on_render = exc
    r = client.get(f"{BASE}/0,0,2/100x100")
    assert r.status_code == status
    message = r.json()["message"]
    assert isinstance(message, str) and message
    if status == 500:
        assert "/secret" not in message  # server paths stay in the log


def test_renderers_built_once_per_style_and_closed(fake_factory: Any, fake_renderers: list[Any]) -> None:
    app = create_app(demo_config(), renderer_factory=fake_factory, workers=0)
    assert sorted(r.path.name for r in fake_renderers) == ["basic-nolabels.json", "basic.json"]
    with TestClient(app) as c:
        for zoom in range(3):
            assert c.get(f"{BASE}/0,0,{zoom}/10x10").status_code == 200
        assert c.get(f"{BASE}/0,0,2/10x10").status_code == 200  # answered from the image cache
    basic = next(r for r in fake_renderers if r.path.name == "basic.json")
    assert len(basic.calls) == 3
    assert all(r.closed for r in fake_renderers)


def test_broken_style_fails_at_startup(tmp_path: Any, real_api: Any) -> None:
    from glrender.errors import GlrenderError
    from server.config import parse_config

    (tmp_path / "bad.json").write_text('{"version": 8, "layers": "nope"}')
    cfg = parse_config({"styles": [{"owner": "o", "id": "x", "path": "bad.json"}]}, base_dir=tmp_path)
    with pytest.raises(GlrenderError):
        create_app(cfg, workers=0)


def test_real_render_of_demo_style(real_api: Any) -> None:
    with TestClient(create_app(demo_config(), workers=0)) as c:
        r = c.get(f"{BASE}/24.944,60.1715,14/256x192")
        if r.status_code == 503:
            pytest.skip(f"no usable OpenGL here: {r.json()['message']}")
        assert r.status_code == 200, r.text
    img = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
    assert img.shape == (192, 256, 4)
    assert len(np.unique(img.reshape(-1, 4), axis=0)) > 10  # a map, not a blank frame
