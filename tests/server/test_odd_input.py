"""Odd requests found by poking at the routes: each is a 4xx with a JSON message, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import demo_config

S = "/styles/v1/demo/basic"
B = f"{S}/static"
P = "24.94,60.17,14/100x100"


def _q(obj: Any) -> str:
    return quote(json.dumps(obj), safe="")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    from tests.server.conftest import FakeRenderer

    with TestClient(create_app(demo_config(), renderer_factory=FakeRenderer, workers=0),
                    raise_server_exceptions=False) as c:
        yield c


LINE = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
POINT = {"type": "Point", "coordinates": [0, 0]}
ODD = [
    f"{B}/,/{P}", f"{B}/pin-s(24.9,60.1),/{P}", f"{B}/geojson()/{P}", f"{B}/path()/{P}", f"{B}/pin-s-(0,0)/{P}",
    f"{B}/pin-s+(0,0)/{P}", f"{B}/url-(0,0)/{P}", f"{B}/pin-s(1e5,0)/{P}", f"{B}/pin-m(0,0)/{P}",
    f"{B}/1e1,0,2/10x10", f"{B}/inf,0,2/10x10", f"{B}/nan,nan,nan/10x10", f"{B}/0,0,2/0x0", f"{B}/0,0,2/10x10@3x",
    f"{B}/0,0,2/.png", f"{B}/0,0,2/10x10.gif", f"{B}/0,0,{'9' * 400}/10x10", f"{B}/%00/10x10", f"{B}/%ZZ/10x10",
    f"{B}/0,0,2/%C3%A9x10", f"{B}/0,0,2,-1/10x10", f"{B}/0,0,2,0,0,0/10x10", f"{B}/[1,2,3]/10x10",
    f"{B}/geojson({_q({'type': 'Point', 'coordinates': [1]})})/{P}",
    f"{B}/geojson({_q({'type': 'Feature', 'geometry': {'type': 'Circle'}})})/{P}",
    f"{B}/geojson({_q({'type': 'Point', 'coordinates': [200, 0]})})/{P}",
    f"{B}/geojson({_q({'type': 'Feature', 'properties': {'stroke': '#zzz'}, 'geometry': LINE})})/{P}",
    f"{B}/geojson({_q({'type': 'Feature', 'properties': {'marker-symbol': 'nope'}, 'geometry': POINT})})/{P}",
    f"{B}/{P}?setfilter=null&layer_id=road", f"{B}/{P}?setfilter=%5B&layer_id=road", f"{B}/{P}?before_layer=nope",
    f"{B}/{P}?addlayer={_q({'id': 'a', 'type': 'nope', 'source': 'helsinki'})}", f"{B}/{P}?format=gif",
    f"{B}/{P}?attribution=maybe", f"{B}/{P}?logo=2", f"{B}/auto/10x10?padding=-1",
    f"{B}/pin-s(24.9,60.1)/auto/10x10?padding=1,2,3,4,5", f"{B}/path-5(____________________)/{P}",
    f"{B}/path-5+f00-2(_p~iF~ps|U_ulLnnqC)/{P}", f"{B}/path-0+f00(_p~iF~ps|U_ulLnnqC)/{P}",
    f"{B}/url-javascript%3Aalert(1)(0,0)/{P}", f"{B}/url-http%3A%2F%2F127.0.0.1%2Fa.png(0,0)/{P}",
    f"{S}/tiles/512/-1/0/0", f"{S}/tiles/512/0/0/0.gif", f"{S}/tiles/300/0/0/0", f"{S}/tiles/512/21/0/0",
    f"{S}/tiles/512/2/4/0", f"{S}/static", f"{S}/sources/helsinki/99/0/0.pbf", f"{S}/sources/helsinki/1/0/0.png",
    f"{S}/glyphs/x/0-99999999.pbf", f"{S}/glyphs/..%5Cx/0-255.pbf", f"{S}/sprite.json", "/styles/v1/demo/nope",
]


@pytest.mark.parametrize("path", ODD)
def test_odd_input_is_a_4xx_with_a_message(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["message"]
