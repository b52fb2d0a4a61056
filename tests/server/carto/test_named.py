from __future__ import annotations

import io

import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.carto.mapconfig import parse_mapconfig
from server.carto.service import CartoService
from tests.server.carto.conftest import MASTER, REGULAR, template

KEY = {"api_key": MASTER}


def errors(r) -> list[str]:  # type: ignore[no-untyped-def]
    return list(r.json()["errors"])


def test_crud_with_the_master_key(client: TestClient) -> None:
    r = client.post("/api/v1/map/named", json=template("a"), params=KEY)
    assert (r.status_code, r.json()["template_id"]) == (200, "a")
    assert "world_population" in client.get("/api/v1/map/named", params=KEY).json()["template_ids"]
    assert client.get("/api/v1/map/named/a", params=KEY).json()["template"]["name"] == "a"
    changed = template("a", placeholders={"color": {"type": "css_color", "default": "red"}})
    assert client.put("/api/v1/map/named/a", json=changed, params=KEY).json() == {"template_id": "a"}
    assert client.get("/user/x/api/v1/map/named/@a", params=KEY).json()["template"]["placeholders"]["color"][
        "default"] == "red"
    r = client.delete("/api/v1/map/named/a", params=KEY)
    assert r.status_code == 204 and r.content == b""
    r = client.delete("/api/v1/map/named/a", params=KEY)
    assert (r.status_code, errors(r)) == (404, ["Template 'a' of user 'glrender' does not exist"])


def test_crud_errors(client: TestClient) -> None:
    r = client.post("/api/v1/map/named", json=template("a"))
    assert (r.status_code, errors(r)) == (403, ["Only authenticated users can create templated maps"])
    r = client.post("/api/v1/map/named", json=template("a"), params={"api_key": REGULAR})
    assert (r.status_code, errors(r)) == (403, ["Forbidden"])
    r = client.post("/api/v1/map/named", json=template("a"), params={"api_key": "nope"})
    assert (r.status_code, errors(r)) == (401, ["Unauthorized"])
    r = client.post("/api/v1/map/named", content=b"{}", params=KEY)
    assert errors(r) == ["POST template data must be of type application/json"]
    client.post("/api/v1/map/named", json=template("a"), params=KEY)
    r = client.post("/api/v1/map/named", json=template("a"), params=KEY)
    assert (r.status_code, errors(r)) == (400, ["Template 'a' of user 'glrender' already exists"])
    r = client.put("/api/v1/map/named/a", json=template("b"), params=KEY)
    assert (r.status_code, errors(r)) == (400, ["Cannot update name of a map template ('a' != 'b')"])
    r = client.put("/api/v1/map/named/zz", json=template("zz"), params=KEY)
    assert (r.status_code, errors(r)) == (404, ["Template 'zz' of user 'glrender' does not exist"])
    r = client.get("/api/v1/map/named/zz", params=KEY)
    assert (r.status_code, errors(r)) == (404, ["Cannot find template 'zz' of user 'glrender'"])
    # Basic auth carries the key as the password.
    r = client.get("/api/v1/map/named", auth=("glrender", MASTER))
    assert r.status_code == 200


@pytest.mark.parametrize("change,message", [
    ({"version": "0.0.2"}, "Unsupported template version 0.0.2"),
    ({"name": "Bad name!"}, "Invalid characters in template name 'Bad name!'"),
    ({"auth": {"method": "token", "valid_tokens": []}}, "valid_tokens"),
    ({"auth": {"method": "magic"}}, "Unsupported authorization method: magic"),
    ({"placeholders": {"1x": {"type": "number", "default": 1}}}, "Invalid characters in placeholder name '1x'"),
    ({"placeholders": {"x": {"type": "number"}}}, "Missing default for placeholder 'x'"),
    ({"placeholders": {"x": {"default": 1}}}, "Missing type for placeholder 'x'"),
    ({"placeholders": {"x": {"type": "date", "default": 1}}}, "Invalid placeholder type 'date'"),
    ({"layergroup": {"layers": []}}, "Missing or empty layers array"),
])
def test_template_validation(client: TestClient, change: dict, message: str) -> None:
    r = client.post("/api/v1/map/named", json={**template("v"), **change}, params=KEY)
    assert r.status_code == 400 and message in errors(r)[0]


def test_template_limit_is_409(client: TestClient) -> None:
    # The fixture allows 5 templates; the seeded demo map is one of them.
    for i in range(4):
        assert client.post("/api/v1/map/named", json=template(f"t{i}"), params=KEY).status_code == 200
    r = client.post("/api/v1/map/named", json=template("t9"), params=KEY)
    assert (r.status_code, errors(r)) == (409, ["User 'glrender' reached limit on number of templates (5/5)"])


def test_instantiation_tokens_and_placeholders(client: TestClient) -> None:
    t = template("p", auth={"method": "token", "valid_tokens": ["tok1"]},
                 placeholders={"color": {"type": "css_color", "default": "#cc3300"},
                               "n": {"type": "number", "default": 0},
                               "lit": {"type": "sql_literal", "default": "Hel"},
                               "col": {"type": "sql_ident", "default": "name"}})
    t["layergroup"]["layers"][0]["options"]["sql"] = (
        "select * from cities where \"<%= col %>\" like '<%= lit %>%' and cartodb_id > <%= n %>")
    client.post("/api/v1/map/named", json=t, params=KEY)
    r = client.post("/api/v1/map/named/p", json={})
    assert (r.status_code, errors(r)) == (403, ["Unauthorized template instantiation"])
    r = client.post("/api/v1/map/named/p", json={"color": "red", "n": "12", "lit": "O'Hel"},
                    params={"auth_token": "tok1"})
    assert r.status_code == 200, r.text
    lgid = r.json()["layergroupid"]
    assert lgid.startswith("glrender@") and lgid.count("@") == 2 and r.headers["x-layergroup-id"] == lgid
    # The signed token needs the auth token again on static requests.
    r2 = client.get(f"/api/v1/map/static/center/{lgid}/2/0/0/64/64.png")
    assert (r2.status_code, errors(r2)) == (403, ["Sorry, you are unauthorized (permission denied)"])
    r2 = client.get(f"/api/v1/map/static/center/{lgid}/2/0/0/64/64.png", params={"auth_token": "tok1"})
    assert r2.status_code == 200
    for params, message in (({"n": "12.5"}, "Invalid number value for template parameter 'n': 12.5"),
                            ({"n": True}, "Invalid number value for template parameter 'n': true"),
                            ({"color": "rgb(1,2,3)"}, "Invalid css_color value for template parameter 'color'")):
        r = client.post("/api/v1/map/named/p", json=params, params={"auth_token": "tok1"})
        assert r.status_code == 400 and errors(r)[0].startswith(message)
    r = client.post("/api/v1/map/named/nope", json={})
    assert (r.status_code, errors(r)) == (404, ["Template 'nope' of user 'glrender' not found"])
    r = client.get("/api/v1/map/named/p/jsonp", params={"auth_token": "tok1", "callback": "f"})
    assert r.text.startswith("/**/ typeof f === 'function'")


def test_named_static_image(client: TestClient) -> None:
    r = client.get("/api/v1/map/static/named/world_population/300/200.png")
    assert r.status_code == 200
    assert Image.open(io.BytesIO(r.content)).size == (300, 200)
    r = client.get("/api/v1/map/static/named/world_population/300/200.jpg",
                   params={"config": '{"city_color": "#00ff00"}', "zoom": "3", "lon": "25", "lat": "60"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    r = client.get("/api/v1/map/static/named/world_population/300/200.png", params={"config": '{"city_color": 5}'})
    assert r.status_code == 400
    r = client.get("/api/v1/map/static/named/nope/300/200.png")
    assert (r.status_code, errors(r)) == (404, ["Template 'nope' of user 'glrender' not found"])


def view_of(service: CartoService, view: dict | None, query: dict[str, str], sql: str = "select * from cities"):
    t = template("v")
    t["layergroup"]["layers"][0]["options"]["sql"] = sql
    if view is not None:
        t["view"] = view
    cfg = parse_mapconfig(t["layergroup"])
    v = service.named_view(t, cfg, query, 640, 480)
    return v.zoom, round(v.lon, 4), round(v.lat, 4)


def test_view_precedence(service: CartoService) -> None:
    full = {"zoom": 4, "center": {"lng": 40, "lat": 20}, "bounds": {"west": 0, "south": 0, "east": 45, "north": 45}}
    # 1. query zoom + lon + lat
    assert view_of(service, full, {"zoom": "3", "lon": "1", "lat": "2"}) == (3, 1, 2)
    # 2. query bbox (the degenerate box of CARTO's own test gives zoom 3)
    assert view_of(service, full, {"bbox": "0,45,90,45"}) == (3, 45, 45)
    # 3. view: center + zoom beats bounds; a query zoom alone overrides only the view's zoom
    assert view_of(service, full, {}) == (4, 40, 20)
    assert view_of(service, full, {"zoom": "6"}) == (6, 40, 20)
    assert view_of(service, {"bounds": full["bounds"]}, {}) == (3, 22.5, 22.5)
    # 4. the tables' extent (whole table, not the query result)
    z, lon, lat = view_of(service, None, {}, "select * from helsinki_building where render_height > 1000")
    assert z == 14 and 24.93 < lon < 24.96 and 60.16 < lat < 60.18
    # 5. nothing to estimate: zoom 1 at 0, 0
    assert view_of(service, None, {}, "select 1 as cartodb_id, null as the_geom_webmercator") == (1, 0, 0)


def test_preview_layers_hide_layers(service: CartoService) -> None:
    t = template("v")
    t["layergroup"]["layers"].append(dict(t["layergroup"]["layers"][0], id="second"))
    t["view"] = {"preview_layers": {"0": False}}
    cfg = parse_mapconfig(t["layergroup"])
    assert service.preview_layers(t, cfg) == "1"
    t["view"] = {"preview_layers": {"second": False}}
    assert service.preview_layers(t, cfg) == "0"
