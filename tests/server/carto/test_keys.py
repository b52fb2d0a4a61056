"""API keys: stored beside the templates (SQLite and PostgreSQL), managed through the Auth API subset,
and checked the way CARTO checks them (master for named-map admin, a maps grant for anonymous maps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.carto.config import CartoConfig
from server.carto.errors import CartoError
from server.carto.keys import ApiKey, config_keys, new_key
from server.carto.storage import Store, open_storage
from tests.server.carto.conftest import MASTER, REGULAR, carto_client, mapconfig, template

MAPS = [{"type": "apis", "apis": ["maps"]}]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "keys.sqlite")
    return str(request.getfixturevalue("pg_empty"))


def test_store_keeps_keys_across_reopening(store_location: str) -> None:
    store: Store = open_storage(store_location)
    try:
        store.sync_config_keys("u", config_keys("m1", ("r1", "r2"), now=1.0))
        made = new_key({"name": "app", "grants": MAPS}, now=2.0)
        store.create_api_key("u", made)
        with pytest.raises(CartoError) as err:
            store.create_api_key("u", new_key({"name": "app", "grants": MAPS}))
        assert err.value.status == 422 and "already exists" in err.value.message
        assert store.find_api_key("other", "m1") is None  # keys belong to one user
    finally:
        store.close()
    store = open_storage(store_location)
    try:
        assert [k.name for k in store.list_api_keys("u")] == ["Master", "config 1", "config 2", "app"]
        assert store.find_api_key("u", made.token) == made
        assert store.get_api_key("u", "app") == made
        master = store.find_api_key("u", "m1")
        assert master is not None and master.type == "master" and master.grants_maps()
        # A new configuration: a new master, r2 removed. The API-created key stays.
        store.sync_config_keys("u", config_keys("m2", ("r1",), now=3.0))
        assert store.find_api_key("u", "m1") is None and store.find_api_key("u", "r2") is None
        assert [k.token for k in store.list_api_keys("u")] == [made.token, "m2", "r1"]
        assert store.delete_api_key("u", "app") and not store.delete_api_key("u", "app")
        assert store.find_api_key("u", made.token) is None
    finally:
        store.close()


@pytest.mark.parametrize("body, message", [
    ({"name": "x", "grants": []}, "grants must include an apis grant with at least one API"),
    ({"name": "x", "grants": [{"type": "apis", "apis": ["tiles"]}]}, "apis grant must list some of"),
    ({"name": "Master", "grants": MAPS}, "API key name 'Master' is reserved"),
    ({"name": "a/b", "grants": MAPS}, "Invalid API key name"),
    ({"grants": MAPS}, "Invalid API key name"),
    ([], "API key must be a JSON object"),
])
def test_new_key_validation(body: object, message: str) -> None:
    with pytest.raises(CartoError) as err:
        new_key(body)
    assert err.value.status == 422 and err.value.message.startswith(message)


def test_new_keys_are_random_regular_keys() -> None:
    a, b = (new_key({"name": "k", "grants": MAPS}) for _ in range(2))
    assert a.token != b.token and len(a.token) >= 32
    assert a.type == "regular" and a.source == "api" and a.grants_maps()
    assert not new_key({"name": "k", "grants": [{"type": "apis", "apis": ["sql"]}]}).grants_maps()


def test_auth_api_and_what_keys_may_do(client: TestClient) -> None:
    m = {"api_key": MASTER}
    assert client.get("/api/v3/api_keys").status_code == 401
    assert client.get("/api/v3/api_keys", params={"api_key": REGULAR}).json()["errors"] == ["Forbidden"]
    r = client.post("/api/v3/api_keys", params=m, json={"name": "viewer", "grants": MAPS})
    assert r.status_code == 201, r.text
    viewer = r.json()
    assert viewer["type"] == "regular" and viewer["grants"] == MAPS and viewer["user"] == {"username": "glrender"}
    sql_only = client.post("/user/glrender/api/v3/api_keys", params=m,
                           json={"name": "sql only", "grants": [{"type": "apis", "apis": ["sql"]}]}).json()
    r = client.post("/api/v3/api_keys", params=m, json={"name": "viewer", "grants": MAPS})
    assert (r.status_code, r.json()["errors"]) == (422, ["API key 'viewer' of user 'glrender' already exists"])
    listed = client.get("/api/v3/api_keys", params=m).json()
    assert listed["count"] == 4 and [k["name"] for k in listed["result"]] == \
        ["Master", "config 1", "viewer", "sql only"]
    assert client.get("/api/v3/api_keys/viewer", params=m).json()["token"] == viewer["token"]

    # A maps grant may create anonymous maps; only the master key manages templates.
    assert client.post("/api/v1/map", json=mapconfig(), params={"api_key": viewer["token"]}).status_code == 200
    r = client.post("/api/v1/map", json=mapconfig(), params={"api_key": sql_only["token"]})
    assert (r.status_code, r.json()["errors"]) == (403, ["Forbidden"])
    assert r.json()["errors_with_context"][0]["subtype"] == "api-key-does-not-grant-access"
    r = client.post("/api/v1/map/named", json=template("t1"), params={"api_key": viewer["token"]})
    assert (r.status_code, r.json()["errors"]) == (403, ["Forbidden"])
    assert client.post("/api/v1/map/named", json=template("t1"), auth=("glrender", MASTER)).status_code == 200

    r = client.delete("/api/v3/api_keys/config 1", params=m)
    assert r.status_code == 403 and "configuration file" in r.json()["errors"][0]
    assert client.delete("/api/v3/api_keys/viewer", params=m).json()["name"] == "viewer"
    assert client.get("/api/v3/api_keys/viewer", params=m).status_code == 404
    r = client.post("/api/v1/map", json=mapconfig(), params={"api_key": viewer["token"]})
    assert (r.status_code, r.json()["errors"]) == (401, ["Unauthorized"])


def test_keys_survive_restarts_and_configuration_changes(tmp_path: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    first = CartoConfig(master_api_key="old-master", api_keys=("old-regular",), storage=store)
    with carto_client(first) as c:
        token = c.post("/api/v3/api_keys", params={"api_key": "old-master"},
                       json={"name": "app", "grants": MAPS}).json()["token"]
    second = CartoConfig(master_api_key="new-master", storage=store)
    with carto_client(second) as c:
        assert c.post("/api/v1/map", json=mapconfig(), params={"api_key": token}).status_code == 200
        for revoked in ("old-master", "old-regular"):
            r = c.post("/api/v1/map", json=mapconfig(), params={"api_key": revoked})
            assert (r.status_code, r.json()["errors"]) == (401, ["Unauthorized"])
        assert c.get("/api/v1/map/named", params={"api_key": "new-master"}).status_code == 200
        assert c.get("/api/v1/map/named", params={"api_key": "old-master"}).status_code == 401


def test_stored_master_key_is_a_master(tmp_path: Path) -> None:
    store = open_storage(tmp_path / "k.sqlite")
    try:
        store.sync_config_keys("glrender", config_keys("abc", ()))
        key = store.find_api_key("glrender", "abc")
        assert isinstance(key, ApiKey) and key.name == "Master" and key.source == "config"
    finally:
        store.close()


def test_a_key_sent_to_any_map_route_is_checked(client: TestClient) -> None:
    sql_only = client.post("/api/v3/api_keys", params={"api_key": MASTER},
                           json={"name": "sql", "grants": [{"type": "apis", "apis": ["sql"]}]}).json()["token"]
    token = client.post("/api/v1/map", json=mapconfig()).json()["layergroupid"]
    routes = [("GET", f"/api/v1/map/static/center/{token}/1/0/0/8/8.png"),
              ("GET", f"/api/v1/map/static/bbox/{token}/-10,-10,10,10/8/8.png"),
              ("GET", "/api/v1/map/static/named/world_population/8/8.png"),
              ("POST", "/api/v1/map/named/world_population")]
    for method, path in routes:
        assert client.request(method, path).status_code == 200, path  # no key: the public key
        assert client.request(method, path, params={"api_key": MASTER}).status_code == 200, path
        r = client.request(method, path, params={"api_key": "unknown"})
        assert (r.status_code, r.json()["errors"]) == (401, ["Unauthorized"]), path
        r = client.request(method, path, params={"map_key": sql_only})
        assert (r.status_code, r.json()["errors"]) == (403, ["Forbidden"]), path
