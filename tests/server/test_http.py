"""HTTP behaviour: rate limits, ETag/304, Cache-Control, the image cache, CORS, the style document,
/metrics, static tiles, default formats and the cache and limiter on their own."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from server.cache import ImageCache, RateLimiter
from server.config import demo_config, demo_data_dir, parse_config
from server.static_route import default_format

BASE = "/styles/v1/demo/basic/static"


@pytest.fixture
def client(fake_factory: Any) -> Iterator[TestClient]:
    with TestClient(create_app(demo_config(), renderer_factory=fake_factory, workers=0)) as c:
        yield c


def _calls(fake_renderers: list[Any]) -> list[dict[str, Any]]:
    return [c for r in fake_renderers for c in r.calls]


def test_etag_304_and_image_cache(client: TestClient, fake_renderers: list[Any]) -> None:
    r = client.get(f"{BASE}/24.9,60.1,12/100x100?access_token=a")
    assert r.status_code == 200 and r.headers["cache-control"] == "max-age=43200, s-maxage=43200"
    etag = r.headers["etag"]
    assert etag.startswith('"') and not etag.startswith('W/')
    n = len(_calls(fake_renderers))
    again = client.get(f"{BASE}/24.9,60.1,12/100x100?access_token=b")  # the token is not part of the image
    assert again.headers["etag"] == etag and again.content == r.content
    assert len(_calls(fake_renderers)) == n  # served from the cache
    r304 = client.get(f"{BASE}/24.9,60.1,12/100x100", headers={"If-None-Match": f'"x", {etag}'})
    assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
    other = client.get(f"{BASE}/24.9,60.1,12/100x100@2x")
    assert other.headers["etag"] != etag
    metrics = client.get("/metrics").text
    assert 'glrender_cache_events_total{event="hit"} 1' in metrics
    assert 'glrender_cache_events_total{event="not_modified"} 1' in metrics
    assert 'glrender_requests_total{route="static",status="304"} 1' in metrics
    assert 'glrender_stage_seconds_count{stage="render"} 2' in metrics


def test_rate_limit_429_with_headers(tmp_path: Path, fake_factory: Any) -> None:
    styles = demo_data_dir() / "styles"
    cfg = parse_config({"styles": [{"owner": "demo", "id": "basic", "path": str(styles / "basic.json")}],
                        "limits": {"requests_per_minute": 3}}, base_dir=tmp_path)
    with TestClient(create_app(cfg, renderer_factory=fake_factory, workers=0)) as c:
        for i in range(3):
            r = c.get(f"{BASE}/0,0,{i}/10x10")
            assert r.status_code == 200 and r.headers["x-rate-limit-limit"] == "3"
        r = c.get(f"{BASE}/0,0,2/10x10")
        assert (r.status_code, r.json()) == (429, {"message": "Too Many Requests"})
        assert r.headers["x-rate-limit-interval"] == "60" and int(r.headers["x-rate-limit-reset"]) > 0
        # Another token has its own budget.
        assert c.get(f"{BASE}/0,0,2/10x10?access_token=other").status_code == 200


def test_rate_limiter_windows() -> None:
    lim = RateLimiter(2, interval=60)
    assert [lim.hit("a", now=120.0)[0] for _ in range(3)] == [True, True, False]
    assert lim.hit("a", now=180.5)[0] is True  # a new window
    assert lim.hit("a", now=180.6)[1]["X-Rate-Limit-Reset"] == "240"


def test_image_cache_is_bounded_in_bytes() -> None:
    cache = ImageCache(1000)
    for i in range(10):
        cache.put(str(i), b"x" * 200, "image/png")
    assert cache.bytes <= 1000 and len(cache) == 5
    assert cache.get("0") is None and cache.get("9") is not None
    cache.put("huge", b"x" * 900, "image/png")  # over a quarter of the budget: not kept
    assert cache.get("huge") is None


def test_cors(client: TestClient) -> None:
    r = client.get(f"{BASE}/0,0,2/10x10", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]
    pre = client.options(f"{BASE}/0,0,2/10x10", headers={"Origin": "https://example.org",
                                                         "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and "GET" in pre.headers["access-control-allow-methods"]


def test_style_document_and_health(client: TestClient) -> None:
    r = client.get("/styles/v1/demo/basic")
    assert r.status_code == 200 and r.json()["version"] == 8 and r.headers["etag"]
    assert client.get("/styles/v1/demo/nope").json() == {"message": "Style not found"}
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_static_tiles(client: TestClient, fake_renderers: list[Any]) -> None:
    r = client.get("/styles/v1/demo/basic/tiles/512/14/9326/4741@2x.png")
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (1024, 1024)
    call = _calls(fake_renderers)[-1]
    # Drawn with the default 8 px label margin on every side, then cut back to the tile.
    assert (call["zoom"], call["width"], call["height"], call["scale"]) == (14.0, 528, 528, 2)
    lon, lat = call["center"]
    assert lon == pytest.approx(9326.5 / 2**14 * 360 - 180) and 60.16 < lat < 60.18
    r = client.get("/styles/v1/demo/basic/tiles/256/14/9326/4741")
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (256, 256)
    assert (_calls(fake_renderers)[-1]["zoom"], _calls(fake_renderers)[-1]["width"]) == (13.0, 272)
    assert Image.open(io.BytesIO(client.get("/styles/v1/demo/basic/tiles/256/0/0/0").content)).size == (256, 256)
    assert client.get("/styles/v1/demo/basic/tiles/2/0/0.webp").headers["content-type"] == "image/webp"
    assert client.get("/styles/v1/demo/basic/tiles/1/2/0").status_code == 422
    assert client.get("/styles/v1/demo/basic/tiles/300/1/0/0").json() == {"message": "Tile size must be 256 or 512."}
    assert client.get("/styles/v1/demo/basic/tiles/21/0/0").json() == {"message": "Zoom level must be between 0-20."}


def test_default_format_follows_the_style() -> None:
    raster = {"sources": {"sat": {"type": "raster"}}, "layers": [{"id": "bg", "type": "background"},
                                                                 {"id": "s", "type": "raster", "source": "sat"}]}
    assert default_format(raster) == "jpeg"
    assert default_format({**raster, "sources": {"sat": {"type": "vector"}}}) == "png"


def test_format_parameter_and_suffix(client: TestClient) -> None:
    assert client.get(f"{BASE}/0,0,2/10x10?format=jpg").headers["content-type"] == "image/jpeg"
    assert client.get(f"{BASE}/0,0,2/10x10.webp?format=jpg").headers["content-type"] == "image/webp"
    assert client.get(f"{BASE}/0,0,2/10x10@2x.jpeg").headers["content-type"] == "image/jpeg"
    assert client.get(f"{BASE}/0,0,2/10x10?attribution=false&logo=false").status_code == 200


def test_style_parameters_reach_the_renderer(client: TestClient, fake_renderers: list[Any]) -> None:
    layer = '{"id":"x","type":"line","source":"helsinki","source-layer":"transportation"}'
    r = client.get(f"{BASE}/pin-s(24.9,60.1)/24.9,60.1,12/10x10?addlayer={layer}&before_layer=road")
    assert r.status_code == 200
    edited = [f for f in fake_renderers if f.style is not None and f.style.get("layers")
              and any(layer.get("id") == "x" for layer in f.style["layers"])]
    # With addlayer the spec puts the new layer under before_layer and the overlay on top of the map:
    # the style is not split, so the one edited style has x just under road.
    ids = [layer["id"] for layer in edited[-1].style["layers"]]
    assert ids.index("x") == ids.index("road") - 1
    assert not any(f.style and f.style.get("layers") and f.style["layers"][0]["id"] == "road" for f in fake_renderers)
    r = client.get(f"{BASE}/24.9,60.1,12/10x10?setfilter=[\"==\",\"class\",\"primary\"]&layer_id=road")
    assert r.status_code == 200
    filtered = next(f for f in reversed(fake_renderers) if f.style is not None and "layers" in f.style
                    and any(layer.get("filter") == ["==", "class", "primary"] for layer in f.style["layers"]))
    assert filtered.base_dir and Path(filtered.base_dir).name == "styles"


def test_each_before_layer_splits_the_style_where_it_says(client: TestClient, fake_renderers: list[Any]) -> None:
    # Split renderers are cached per edit: a second before_layer must not reuse the first one's split.
    for before in ("road", "building", "road"):
        assert client.get(f"{BASE}/pin-s(24.9,60.1)/24.9,60.1,12/10x10?before_layer={before}").status_code == 200
    parts = [f.style["layers"] for f in fake_renderers if f.style is not None and f.style.get("layers") and f.calls]
    firsts = [layers[0]["id"] for layers in parts]
    assert "road" in firsts and "building" in firsts
    below = [layers[-1]["id"] for layers in parts if layers[0]["id"] == "background"]
    assert sorted(below) == ["road-bridge", "road-casing"]  # the layers just under each before_layer


def test_overlay_renderers_are_kept_for_repeated_overlays(client: TestClient, fake_renderers: list[Any]) -> None:
    def overlay_renderers() -> list[Any]:
        return [f for f in fake_renderers if f.style is not None and f.style.get("layers")
                and f.style["layers"][0]["id"].startswith("overlay-")]

    for size in ("10x10", "20x20", "30x30"):  # one path at three sizes: one overlay renderer
        assert client.get(f"{BASE}/path-3+f00(_p~iF~ps|U_ulLnnqC)/24.9,60.1,12/{size}").status_code == 200
    assert len(overlay_renderers()) == 1 and len(overlay_renderers()[0].calls) == 3
    for width in range(1, 7):  # six other paths: the oldest kept ones are closed
        assert client.get(f"{BASE}/path-{width}+0f0(_p~iF~ps|U_ulLnnqC)/24.9,60.1,12/10x10").status_code == 200
    made = overlay_renderers()
    assert len(made) == 7 and sum(not f.closed for f in made) == 4  # KEEP_OVERLAY_RENDERERS
    assert made[0].closed
