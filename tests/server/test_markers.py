"""Custom ``url-`` markers against a local HTTP server on 127.0.0.1: allowlist (none by default), redirects
refused, timeout, byte cap, content type, 1024 px limit, caching per Cache-Control/Expires, and the
marker centred on its coordinate."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from server.config import MarkerPolicy, demo_data_dir, parse_config
from server.errors import ApiError
from server.markers import MarkerFetcher, freshness

BASE = "/styles/v1/demo/basic/static"


def _png(w: int, h: int, rgba: tuple[int, int, int, int] = (255, 0, 0, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), rgba).save(buf, "PNG")
    return buf.getvalue()


ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/red.png": (200, {"Content-Type": "image/png", "Cache-Control": "max-age=600"}, _png(10, 10)),
    "/nocache.png": (200, {"Content-Type": "image/png"}, _png(4, 4)),
    "/expires.png": (200, {"Content-Type": "image/png", "Expires": "Thu, 01 Jan 2099 00:00:00 GMT"}, _png(4, 4)),
    "/big.png": (200, {"Content-Type": "image/png"}, _png(1025, 4)),
    "/noise.png": (200, {"Content-Type": "image/png"},
                   _png(1, 1)[:0] + (lambda b: b.getvalue())((lambda b: (Image.fromarray(
                       np.random.default_rng(0).integers(0, 255, (64, 64, 4), dtype=np.uint8)).save(b, "PNG"), b)[1])(
                       io.BytesIO()))),
    "/text": (200, {"Content-Type": "text/plain"}, b"hello"),
    "/redirect": (302, {"Location": "http://127.0.0.1:1/x.png"}, b""),
    "/missing.png": (404, {"Content-Type": "text/plain"}, b"no"),
}


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
        _Handler.hits[self.path] = _Handler.hits.get(self.path, 0) + 1
        if self.path == "/slow.png":
            time.sleep(1.5)
            status, headers, body = ROUTES["/red.png"]
        else:
            status, headers, body = ROUTES.get(self.path, (404, {}, b""))
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fetcher(origin: str, **kw: Any) -> MarkerFetcher:
    return MarkerFetcher(MarkerPolicy(allow_hosts=(origin,), **kw))


def test_nothing_is_fetched_by_default(origin: str) -> None:
    with pytest.raises(ApiError, match="Custom marker host is not allowed: 127.0.0.1"):
        MarkerFetcher(MarkerPolicy()).get(f"http://{origin}/red.png")
    with pytest.raises(ApiError, match="http or https"):
        _fetcher(origin).get("file:///etc/passwd")


def test_cache_follows_headers(origin: str) -> None:
    f = _fetcher(origin)
    for path, fetches in (("/red.png", 1), ("/expires.png", 1), ("/nocache.png", 3)):
        _Handler.hits[path] = 0
        for _ in range(3):
            f.get(f"http://{origin}{path}")
        assert _Handler.hits[path] == fetches, path
    assert freshness({"cache-control": "public, max-age=60"}, 0) == 60
    assert freshness({"cache-control": "no-store", "expires": "Thu, 01 Jan 2099 00:00:00 GMT"}, 0) == 0


@pytest.mark.parametrize(("path", "message"), [
    ("/big.png", "Height and width must not exceed 1024px"),
    ("/text", "Custom marker must be served as image/png or image/jpeg."),
    ("/redirect", "Custom marker could not be fetched: HTTP 302."),
    ("/missing.png", "Custom marker could not be fetched: HTTP 404."),
])
def test_bad_markers(origin: str, path: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        _fetcher(origin).get(f"http://{origin}{path}")
    assert (info.value.status, info.value.message) == (422, message)


def test_timeout_and_byte_cap(origin: str) -> None:
    with pytest.raises(ApiError, match="could not be fetched"):
        _fetcher(origin, timeout_s=0.3).get(f"http://{origin}/slow.png")
    with pytest.raises(ApiError, match="larger than 1024 bytes"):
        _fetcher(origin, max_bytes=1024).get(f"http://{origin}/noise.png")


def test_marker_centred_on_its_coordinate(origin: str, tmp_path: Path, fake_factory: Any) -> None:
    styles = demo_data_dir() / "styles"
    cfg = parse_config({"styles": [{"owner": "demo", "id": "basic", "path": str(styles / "basic.json")}],
                        "markers": {"allow_hosts": [origin]}}, base_dir=tmp_path)
    url = quote(f"http://{origin}/red.png", safe="")
    with TestClient(create_app(cfg, renderer_factory=fake_factory, workers=0)) as c:
        r = c.get(f"{BASE}/url-{url}(24.94,60.17)/24.94,60.17,14/100x80@2x")
        assert r.status_code == 200, r.text
        img = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
        red = np.argwhere((img == (255, 0, 0)).all(axis=2))
        # 10x10 px, not rescaled at @2x, centred on the image centre (100, 80 device px).
        assert red.min(axis=0).tolist() == [75, 95] and red.max(axis=0).tolist() == [84, 104]
        denied = c.get(f"{BASE}/url-{quote('http://10.0.0.1/x.png', safe='')}(0,0)/0,0,2/10x10")
        assert denied.status_code == 422 and "not allowed" in denied.json()["message"]
