"""Every row of the spec's error table (../shared/specs/mapbox-static-images-api.txt), with its status and
exact message, plus other bad input that must get a clear 4xx (never a 500 or a hang)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import demo_data_dir, parse_config

BASE = "/styles/v1/demo/basic/static"
ROAD = {"id": "road-overlay", "type": "line", "source": "helsinki", "source-layer": "transportation",
        "paint": {"line-color": "#ff0000", "line-width": 5}}


def _q(value: Any) -> str:
    return quote(value if isinstance(value, str) else json.dumps(value), safe="")


@pytest.fixture
def client(tmp_path: Path, fake_factory: Any) -> Iterator[TestClient]:
    (tmp_path / "classic.json").write_text('{"version": 7, "layers": []}')
    styles = demo_data_dir() / "styles"
    cfg = parse_config({"styles": [{"owner": "demo", "id": "basic", "path": str(styles / "basic.json")},
                                   {"owner": "demo", "id": "old", "path": "classic.json"}],
                        "limits": {"requests_per_minute": 100_000}}, base_dir=tmp_path)
    with TestClient(create_app(cfg, renderer_factory=fake_factory, workers=0), raise_server_exceptions=False) as c:
        yield c


FC_EMPTY = _q('{"type":"FeatureCollection","features":[]}')
ROWS = [
    ("/styles/v1/demo/nope/static/0,0,2/100x100", 404, "Style not found"),
    ("/styles/v1/demo/old/static/0,0,2/100x100", 410, "Classic styles are no longer supported"),
    (f"{BASE}/24.9,60.1,12/100x100?addlayer=" + _q({**ROAD, "type": "raster"}), 400,
     "Style may not composite raster sources with vector sources"),
    (f"{BASE}/24.9,60.1,12/100x100?addlayer=" + _q({**ROAD, "source": {"type": "raster", "url": "mapbox://demo.helsinki"}}),
     400, "Style may not composite raster sources with vector sources"),
    (f"{BASE}/24.9,60.1,12/100x100?addlayer=" + _q({**ROAD, "source": {"type": "geojson", "url": "mapbox://a.b"}}),
     422, "Invalid style source"),
    (f"{BASE}/24.9,60.1,12/100x100?addlayer=" + _q({**ROAD, "source": {"type": "vector", "url": "mapbox://demo.nope"}}),
     422, "Invalid style source"),
    (f"{BASE}/0,0,21/100x100", 422, "Zoom level must be between 0-20."),
    (f"{BASE}/0,0,x/100x100", 422, "Zoom level must be between 0-20."),
    (f"{BASE}/0,0,2,0,61/100x100", 422, "Pitch must be between 0-60."),
    (f"{BASE}/0,0,2,0,x/100x100", 422, "Pitch must be between 0-60."),
    (f"{BASE}/0,0,2/1281x100", 422, "Width must be between 1-1280."),
    (f"{BASE}/0,0,2/abcx100", 422, "Width must be between 1-1280."),
    (f"{BASE}/0,0,2/100x1281", 422, "Height must be between 1-1280."),
    (f"{BASE}/auto/100x100?setfilter=" + _q(["==", "class", "x"]) + "&layer_id=road", 422,
     "Auto extent cannot be used with style parameters and no overlay"),
    (f"{BASE}/auto/100x100?addlayer=" + _q(ROAD), 422,
     "Auto extent cannot be used with style parameters and no overlay"),
    (f"{BASE}/geojson({FC_EMPTY})/auto/100x100", 422, "Auto extent cannot be determined when GeoJSON has no features"),
    (f"{BASE}/pin-s(0,0)/auto,0/100x100", 422,
     "The auto parameter cannot be used with additional location parameters, bearing, or pitch."),
    (f"{BASE}/0,0,2,auto/100x100", 422,
     "The auto parameter cannot be used with additional location parameters, bearing, or pitch."),
    (f"{BASE}/[0,0,1,1],10,20/100x100", 422,
     "The bounding box parameter cannot be used with additional location parameters, bearing, or pitch."),
    (f"{BASE}/geojson(" + _q('{"type":"Circle","coordinates":[0,0]}') + ")/0,0,2/100x100", 422,
     "The GeoJSON argument has an unknown or unsupported geometry type"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q(ROAD) + "&addlayer=" + _q({**ROAD, "id": "x"}), 422,
     "You can only use addlayer once per request"),
    (f"{BASE}/0,0,2/100x100?setfilter=[]&setfilter=[]&layer_id=road", 422,
     "You can only use setfilter once per request"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q(ROAD) + "&setfilter=" + _q(["==", "a", 1]) + "&layer_id=road", 422,
     "addlayer and setfilter cannot be used in the same request"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({**ROAD, "source": "composite"}), 422,
     "The new layer's source reference key does not match any source keys in the requested style. "
     "Please specify url and type in the source for the new layer."),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({**ROAD, "source": {"type": "vector", "url": "https://x/y.json"}}), 422,
     "The new layer source url must be a properly formatted mapbox:// url (eg. mapbox://mapbox.mapbox-streets-v7)"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({"id": "x", "type": "line"}), 422,
     "Layer is missing required attributes (id, type, source)"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({**ROAD, "source": {"type": "vector"}}), 422,
     "New layer sources must contain a source type and url"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({**ROAD, "id": "road"}), 422, "New layers must be added with unique ids"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q({**ROAD, "type": "sky"}), 422,
     "New layer type must be one of the following types: background, fill, line, symbol, circle, fill-extrusion, "
     "heatmap, hillshade, raster"),
    (f"{BASE}/0,0,2/100x100?setfilter=" + _q(["==", "class", "x"]), 422, "Must include layer_id in setfilter request"),
    (f"{BASE}/0,0,2/100x100?setfilter=" + _q(["==", "class", "x"]) + "&layer_id=nope", 422,
     "layer_id must be an existing layer in the requested style"),
    (f"{BASE}/0,0,2/100x100?setfilter=" + _q("[\"==\",") + "&layer_id=road", 422, "Invalid filter syntax"),
    (f"{BASE}/0,0,2/100x100?setfilter=" + _q({"a": 1}) + "&layer_id=road", 422, "Invalid filter syntax"),
    (f"{BASE}/0,0,2/100x100?addlayer=" + _q("{not json"), 422,
     "Invalid layer passed to addlayer. Unable to parse JSON."),
    (f"{BASE}/[0,0,1,1]/100x100?padding=a", 422, "Padding must be 1-4 numbers, comma-delimited."),
    (f"{BASE}/[0,0,1,1]/100x100?padding=1,2,3,4,5", 422, "Padding must be 1-4 numbers, comma-delimited."),
    (f"{BASE}/[0,0,1,1]/100x100?padding=60", 422,
     "The padding cannot exceed the height or width of the requested image."),
    (f"{BASE}/pin-s(0,0)/auto/100x80?padding=10,50", 422,
     "The padding cannot exceed the height or width of the requested image."),
    (f"{BASE}/0,0,2/100x100?padding=5", 422,
     "Padding cannot be used without the auto parameter or without a provided bounding box."),
    (f"{BASE}/[0,0,1]/100x100", 422, "Invalid bbox: [0,0,1]"),
    (f"{BASE}/[1,0,0,1]/100x100", 422, "Invalid bbox: [1,0,0,1]"),
    (f"{BASE}/pin-s(0,89)/0,0,2/100x100", 422, "Overlay bounds are out of range."),
    (f"{BASE}/path(_izlhA~rlgdF_{{geC~ywl@_kwzCn`{{nI)/0,0,2/100x100", 422, "Overlay bounds are out of range."),
    # Beyond the table: clear 4xx for other bad input.
    (f"{BASE}/banana(0,0)/0,0,2/100x100", 400,
     "Invalid overlay: it must start with geojson, pin-s, pin-l, url- or path."),
    (f"{BASE}/0,0,2/100x100%ZZ", 400, "Invalid percent-encoding in the URL."),
    (f"{BASE}/pin-s%FF(0,0)/0,0,2/100x100", 400, "Invalid percent-encoding in the URL: not UTF-8."),
    (f"{BASE}/0,nan,2/100x100", 422, "Longitude, latitude, zoom, bearing and pitch must all be numbers."),
    (f"{BASE}/0,0,1e400/100x100", 422, "Zoom level must be between 0-20."),
    (f"{BASE}/0,0,2/99999999999999999999x100", 422, "Width must be between 1-1280."),
    (f"{BASE}/0,0,2/100x100.gif", 422, "Unsupported image format 'gif'; use png, jpg, jpeg or webp."),
    (f"{BASE}/0,0,2/100x100?format=tiff", 422, "Unsupported image format 'tiff'; use png, jpg, jpeg or webp."),
    (f"{BASE}/0,0,2/100x100?logo=maybe", 422, "logo must be true or false."),
    (f"{BASE}/0,0,2/100x100?before_layer=nope", 422, "before_layer must be an existing layer in the requested style"),
    (f"{BASE}/100x100", 404, "Not Found"),
    (f"{BASE}/auto/100x100", 422, "Auto extent cannot be used without an overlay."),
]


@pytest.mark.parametrize(("path", "status", "message"), ROWS)
def test_error_rows(client: TestClient, path: str, status: int, message: str) -> None:
    r = client.get(path)
    assert (r.status_code, r.json()) == (status, {"message": message})
    assert r.headers["content-type"].startswith("application/json")


def test_url_longer_than_8192_bytes(client: TestClient) -> None:
    path = f"{BASE}/" + ",".join(["pin-s(0,0)"] * 800) + "/0,0,2/100x100"
    r = client.get(path)
    assert r.status_code == 414 and r.json() == {"message": "The request URL is longer than the 8192-byte limit."}


def test_token_required_when_configured(tmp_path: Path, fake_factory: Any) -> None:
    styles = demo_data_dir() / "styles"
    cfg = parse_config({"styles": [{"owner": "demo", "id": "basic", "path": str(styles / "basic.json")}],
                        "auth": {"tokens": ["pk.good"]}}, base_dir=tmp_path)
    with TestClient(create_app(cfg, renderer_factory=fake_factory, workers=0)) as c:
        for path in (f"{BASE}/0,0,2/10x10", f"{BASE}/0,0,2/10x10?access_token=pk.bad", "/styles/v1/demo/basic",
                     "/styles/v1/demo/basic/tiles/0/0/0"):
            r = c.get(path)
            assert (r.status_code, r.json()) == (401, {"message": "Not Authorized - Invalid Token"})
        assert c.get(f"{BASE}/0,0,2/10x10?access_token=pk.good").status_code == 200
        assert c.get("/health").status_code == 200  # health and metrics need no token


def test_invalid_filter_expression_from_the_compiler(real_api: Any) -> None:
    from server.config import demo_config

    with TestClient(create_app(demo_config(), workers=0)) as c:
        r = c.get(f"{BASE}/24.94,60.17,12/64x64?setfilter=" + _q(["no-such-op", 1]) + "&layer_id=road")
        assert (r.status_code, r.json()) == (422, {"message": "Invalid filter syntax"})
        r = c.get(f"{BASE}/24.94,60.17,12/64x64?addlayer=" + _q({**ROAD, "paint": {"line-width": "wide"}}))
        assert r.status_code == 422 and r.json()["message"].startswith("Invalid layer passed to addlayer")
