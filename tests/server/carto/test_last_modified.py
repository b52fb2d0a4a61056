"""Last-Modified and last_updated follow the data, as CARTO's do: the newest modification time of the
tables a map reads (GeoPackage ``gpkg_contents.last_change``; PostgreSQL ``cdb_tablemetadata``, or the
tables' change counters where there is none), not the time the server started."""

from __future__ import annotations

import base64
import hashlib
import shutil
import sqlite3
import time
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.carto.config import CartoConfig
from server.carto.gpkg import default_database_path
from tests.server.carto.conftest import CITIES, COUNTRIES, carto_client, mapconfig, pg_schema, with_search_path


def _last_updated(client: TestClient, cfg: dict) -> tuple[str, float]:
    r = client.post("/api/v1/map", json=cfg)
    assert r.status_code == 200, r.text
    stamp = datetime.fromisoformat(r.json()["last_updated"].replace("Z", "+00:00")).timestamp()
    return r.json()["layergroupid"], stamp


def _change_time(gpkg: Path, table: str) -> float:
    with sqlite3.connect(gpkg) as conn:
        (text,) = conn.execute("SELECT last_change FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_geopackage_tables_last_change(tmp_path: Path) -> None:
    gpkg = tmp_path / "data.gpkg"
    shutil.copy(default_database_path(), gpkg)
    with sqlite3.connect(gpkg) as conn:
        conn.execute("UPDATE gpkg_contents SET last_change = '2030-01-02T03:04:05.000Z' WHERE table_name = 'cities'")
        conn.execute("UPDATE gpkg_contents SET last_change = '2020-06-07T08:09:10.000Z' "
                     "WHERE table_name = 'countries'")
    with carto_client(CartoConfig(database=str(gpkg), storage=str(tmp_path / "s.sqlite"), demo_map=False)) as client:
        token, stamp = _last_updated(client, mapconfig(COUNTRIES))
        assert stamp == _change_time(gpkg, "countries")
        assert token.endswith(f":{int(stamp * 1000)}")  # the cache buster is the data's time
        token, stamp = _last_updated(client, mapconfig(COUNTRIES, CITIES))
        assert stamp == _change_time(gpkg, "cities")  # the newest table decides
        for url in (f"/api/v1/map/static/center/{token}/2/0/0/64/64.png",
                    # without the cache buster the tables are asked again
                    f"/api/v1/map/static/center/{token.split(':')[0]}/2/0/0/64/64.png"):
            r = client.get(url)
            assert r.status_code == 200
            assert r.headers["last-modified"] == formatdate(stamp, usegmt=True) == "Wed, 02 Jan 2030 03:04:05 GMT"
            # CARTO's invalidation headers name the tables read (database "data", SQLite's schema "main").
            assert r.headers["x-cache-channel"] == "data:main.cities,main.countries"
            assert r.headers["surrogate-key"] == f"t:{short('data:main.cities')} t:{short('data:main.countries')}"


def short(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()[:6]


def test_named_static_surrogate_keys(client: TestClient) -> None:
    r = client.get("/api/v1/map/static/named/world_population/64/32.png")
    keys = r.headers["surrogate-key"].split()
    assert keys[-1] == f"n:{short('glrender:world_population')}" and len(keys) == 4  # three tables, the map
    assert r.headers["x-cache-channel"] == "demo:main.cities,main.countries,main.helsinki_building"
    token = client.post("/api/v1/map", json=mapconfig({"type": "plain", "options": {"color": "red"}})).json()
    r = client.get(f"/api/v1/map/static/center/{token['layergroupid']}/1/0/0/8/8.png")
    assert "x-cache-channel" not in r.headers and "surrogate-key" not in r.headers  # no tables, nothing to name


def test_named_static_carries_the_data_time(client: TestClient) -> None:
    r = client.get("/api/v1/map/static/named/world_population/64/32.png")
    assert r.status_code == 200
    newest = max(_change_time(default_database_path(), t) for t in ("countries", "cities", "helsinki_building"))
    assert parsedate_to_datetime(r.headers["last-modified"]).timestamp() == int(newest)


def test_postgres_cdb_tablemetadata(tmp_path: Path, pg_demo: str, pg_empty: str) -> None:
    import psycopg

    cfg = CartoConfig(database=pg_demo, storage=pg_empty, demo_map=False)
    with carto_client(cfg) as client:
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            (loaded,) = conn.execute("SELECT extract(epoch FROM updated_at)::float8 FROM cdb_tablemetadata "
                                     "WHERE tabname = 'cities'::regclass").fetchone()
        _, before = _last_updated(client, mapconfig(CITIES))
        assert before == pytest.approx(loaded, abs=0.001)
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            conn.execute("UPDATE cities SET name = name WHERE cartodb_id = 1")  # the trigger stamps the table
        token, after = _last_updated(client, mapconfig(CITIES))
        assert after > before
        r = client.get(f"/api/v1/map/static/center/{token}/2/0/0/64/64.png")
        assert parsedate_to_datetime(r.headers["last-modified"]).timestamp() == int(after)
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            schema, db = conn.execute("SELECT current_schema(), current_database()").fetchone()
        assert r.headers["x-cache-channel"] == f"{db}:{schema}.cities"
        assert r.headers["surrogate-key"] == f"t:{short(f'{db}:{schema}.cities')}"


def test_postgres_tables_without_metadata_follow_their_changes(tmp_path: Path, pg_url: str, pg_demo: str,
                                                                pg_empty: str) -> None:
    import psycopg

    with pg_schema(pg_url, "glrender_plain") as schema:
        url = with_search_path(pg_url, schema)
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            (demo_schema,) = conn.execute("SELECT current_schema()").fetchone()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE TABLE cities AS SELECT * FROM "{demo_schema}".cities')
        started = time.time()
        with carto_client(CartoConfig(database=url, storage=pg_empty, demo_map=False)) as client:
            _, first = _last_updated(client, mapconfig(CITIES))
            assert first == pytest.approx(started, abs=5)  # nothing known yet: as of the server start
            time.sleep(0.05)
            _, again = _last_updated(client, mapconfig(CITIES))
            assert again == first  # unchanged data keeps its time (and the same cache buster)
            with psycopg.connect(url, autocommit=True) as conn:  # closing flushes its statistics
                conn.execute("DELETE FROM cities WHERE cartodb_id = 1")
            deadline = time.monotonic() + 10
            changed = first
            while changed == first and time.monotonic() < deadline:
                time.sleep(0.2)
                _, changed = _last_updated(client, mapconfig(CITIES))
            assert changed > first
