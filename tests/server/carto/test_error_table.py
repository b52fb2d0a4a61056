"""The rest of the research's endpoint table (section 1) and error rules (section 1e): every message
not covered by test_api / test_named / test_keys, with its status and CARTO's body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.carto.config import CartoConfig
from server.carto.errors import CartoError, error_body, error_status, status_for_message
from server.carto.routes import carto_routes
from server.carto.service import CartoService
from tests.server.carto.conftest import COUNTRIES, MASTER, mapconfig, pg_schema, template, with_search_path
from tests.server.carto.test_api import errors, token_of

KEY = {"api_key": MASTER}


def test_signature_of_another_user_is_403(client: TestClient) -> None:
    md5 = token_of(client, mapconfig()).split(":")[0]
    r = client.get(f"/api/v1/map/static/center/someone@abcdef12@{md5}/2/0/0/64/64.png")
    assert (r.status_code, errors(r)) == (403, ['Cannot use map signature of user "someone" on db of user "glrender"'])


def test_malformed_tokens_are_unknown(client: TestClient) -> None:
    md5 = token_of(client, mapconfig()).split(":")[0]
    for token in (f"a@{md5}", "0" * 32, f"{md5[:-1]}x"):
        r = client.get(f"/api/v1/map/static/bbox/{token}/-10,-10,10,10/64/64.png")
        assert r.status_code == 400
        assert errors(r)[0].startswith("Invalid or nonexistent map configuration token")


def test_jsonp_needs_a_callback(client: TestClient) -> None:
    client.post("/api/v1/map/named", json=template("j"), params=KEY)
    for params in ({}, {"callback": "alert(1)"}):
        r = client.get("/api/v1/map/named/j/jsonp", params=params)
        assert (r.status_code, errors(r)) == (400, ["callback parameter should be present and be a function name"])
    # With a callback, even an error answers 200 (JSONP clients cannot read statuses).
    r = client.get("/api/v1/map/named/missing/jsonp", params={"callback": "cb"})
    assert r.status_code == 200 and r.text.startswith("/**/ typeof cb === 'function' && cb(")
    body = json.loads(r.text[r.text.index("cb(") + 3:r.text.rindex(");")])
    assert body["errors"] == ["Template 'missing' of user 'glrender' not found"]


def test_template_admin_messages(client: TestClient) -> None:
    r = client.put("/api/v1/map/named/x", content=b"{}", params=KEY)
    assert (r.status_code, errors(r)) == (400, ["PUT template data must be of type application/json"])
    for method, verb in (("GET", "list"), ("POST", "create")):
        r = client.request(method, "/api/v1/map/named", json=template("x") if method == "POST" else None)
        assert (r.status_code, errors(r)) == (403, [f"Only authenticated users can {verb} templated maps"])
    for method, verb in (("GET", "get"), ("PUT", "update"), ("DELETE", "delete")):
        r = client.request(method, "/api/v1/map/named/x", json=template("x") if method == "PUT" else None)
        assert (r.status_code, errors(r)) == (403, [f"Only authenticated users can {verb} templated maps"])
    r = client.delete("/api/v1/map/named/x", params=KEY)
    assert (r.status_code, errors(r)) == (404, ["Template 'x' of user 'glrender' does not exist"])
    # "@name" and "user@name" both address the template "name".
    client.post("/api/v1/map/named", json=template("x"), params=KEY)
    assert client.get("/api/v1/map/named/@x", params=KEY).status_code == 200
    assert client.delete("/api/v1/map/named/glrender@x", params=KEY).status_code == 204


def test_named_static_errors(client: TestClient) -> None:
    locked = template("locked", auth={"method": "token", "valid_tokens": ["secret"]},
                      placeholders={"color": {"type": "css_color", "default": "#cc3300"},
                                    "n": {"type": "number", "default": 1}})
    assert client.post("/api/v1/map/named", json=locked, params=KEY).status_code == 200
    base = "/api/v1/map/static/named/locked/64/64"
    r = client.get(base + ".png")
    assert (r.status_code, errors(r)) == (403, ["Unauthorized template instantiation"])
    r = client.get(base + ".png", params={"auth_token": ["wrong", "secret"]})  # auth_token may repeat
    assert r.status_code == 200
    r = client.get(base + ".gif", params={"auth_token": "secret"})
    assert (r.status_code, errors(r)) == (400, ['Unsupported image format "gif"'])
    r = client.get(base + ".png", params={"auth_token": "secret", "config": json.dumps({"color": "rgb(0,0,0)"})})
    assert (r.status_code, errors(r)) == (400, ["Invalid css_color value for template parameter 'color': rgb(0,0,0)"])
    r = client.get(base + ".png", params={"auth_token": "secret", "config": json.dumps({"n": "1,5"})})
    assert (r.status_code, errors(r)) == (400, ["Invalid number value for template parameter 'n': 1,5"])
    r = client.get("/api/v1/map/static/named/nope/64/64.png")
    assert (r.status_code, errors(r)) == (404, ["Template 'nope' of user 'glrender' not found"])
    r = client.get("/api/v1/map/static/named/locked/8193/64.png", params={"auth_token": "secret"})
    assert (r.status_code, errors(r)) == (400, ["Desired image is too large."])


def test_vector_only_maps(client: TestClient) -> None:
    vector = {"type": "mapnik", "options": {"sql": "select * from countries"}}
    token = token_of(client, mapconfig(vector, version="1.7.0"))
    r = client.get(f"/api/v1/map/static/center/{token}/1/0/0/64/64.png")
    assert r.status_code == 400 and errors(r)[0].startswith("Unsupported format")
    # Before 1.7.0 a layer without CartoCSS is an error, and so is mixing the two kinds at any version.
    r = client.post("/api/v1/map", json=mapconfig(vector, version="1.6.0"))
    assert (r.status_code, errors(r)) == (400, ["Missing cartocss for layer 0 options"])
    r = client.post("/api/v1/map", json=mapconfig(COUNTRIES, vector, version="1.7.0"))
    assert (r.status_code, errors(r)) == (400, ["Missing cartocss for layer 1 options"])


def test_get_without_config_and_bad_versions(client: TestClient) -> None:
    r = client.get("/api/v1/map")
    assert (r.status_code, errors(r)) == (400, ['layergroup GET needs a "config" parameter'])
    for version in ("0.9.0", "1.9.0", "2.0.0"):
        r = client.post("/api/v1/map", json=mapconfig(version=version))
        assert (r.status_code, errors(r)) == (400, [f"Unsupported layergroup configuration version {version}"])


@pytest.mark.parametrize("message, status", [
    ('permission denied for table secret', 403),
    ('password authentication failed for user "x"', 403),
    ('Postgis Plugin: ERROR:  column "x" does not exist', 400),
    ('role "nobody" does not exist', 403),
    ("function nofunc(integer) does not exist", 400),
    ('relation "nope" does not exist', 404),
    ("canceling statement due to statement timeout", 429),
    ("Render timed out", 429),
    ("max waitingClients count exceeded", 429),
    ("syntax error at or near \"selec\"", 400),
])
def test_status_from_the_message(message: str, status: int) -> None:
    assert status_for_message(message) == status
    assert error_status(CartoError(message)) == status
    assert error_status(CartoError(message, 400 if status != 400 else 403)) == (429 if status == 429 else
                                                                              (400 if status != 400 else 403))


def test_connection_strings_never_reach_clients() -> None:
    body = error_body(CartoError('could not connect to postgresql://user:pw@db.internal:5432/gis: refused'))
    assert "pw" not in json.dumps(body) and "db.internal" not in json.dumps(body)
    assert body["errors"] == ["could not connect to <connection> refused"]
    assert body["errors_with_context"] == [{"type": "unknown", "message": body["errors"][0]}]


def test_permission_denied_on_postgres_is_403(tmp_path: Path, pg_url: str, pg_empty: str) -> None:
    """Layer SQL on a table the database role may not read: PostgreSQL's message, CARTO's 403."""
    import psycopg

    with pg_schema(pg_url, "glrender_priv") as schema:
        role = f"{schema}_reader"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE TABLE "{schema}".secret AS SELECT 1 AS cartodb_id, '
                         "ST_SetSRID(ST_MakePoint(0, 0), 3857) AS the_geom_webmercator")
            conn.execute(f'CREATE ROLE "{role}" NOLOGIN')
            conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
            conn.execute(f'GRANT "{role}" TO CURRENT_USER')
        try:
            url = with_search_path(pg_url, schema) + f"%20-crole%3D{role}"  # the session runs as that role
            svc = CartoService(CartoConfig(database=url, storage=pg_empty, demo_map=False))
            app = Starlette(routes=carto_routes(svc.config, svc))
            app.state.carto = svc
            try:
                with TestClient(app) as c:
                    layer = {"type": "mapnik", "options": {"sql": "SELECT * FROM secret", "cartocss_version": "2.3.0",
                                                           "cartocss": "#l { marker-fill: red; }"}}
                    r = c.post("/api/v1/map", json=mapconfig(layer))
                    assert (r.status_code, errors(r)) == (403, ["permission denied for table secret"])
                    assert r.json()["errors_with_context"][0]["layer"]["index"] == 0
            finally:
                svc.close()
        finally:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')
