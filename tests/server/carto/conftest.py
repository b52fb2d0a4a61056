from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.carto.config import CartoConfig
from server.carto.routes import carto_routes
from server.carto.service import CartoService

MASTER = "master-secret"
REGULAR = "regular-key"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[CartoService]:
    svc = CartoService(CartoConfig(master_api_key=MASTER, api_keys=(REGULAR,),
                                   storage=str(tmp_path / "carto.sqlite"), max_templates=5,
                                   http_allowlist=(str(tmp_path),), statement_timeout=2.0))
    yield svc
    svc.close()


@pytest.fixture
def client(service: CartoService) -> Iterator[TestClient]:
    app = Starlette(routes=carto_routes(service.config, service))
    app.state.carto = service
    with TestClient(app) as c:
        yield c


@contextmanager
def carto_client(cfg: CartoConfig) -> Iterator[TestClient]:
    """A TestClient on a CARTO service of its own for ``cfg``, closed afterwards."""
    svc = CartoService(cfg)
    app = Starlette(routes=carto_routes(svc.config, svc))
    app.state.carto = svc
    try:
        with TestClient(app) as c:
            yield c
    finally:
        svc.close()


COUNTRIES = {"type": "mapnik", "options": {
    "sql": "SELECT * FROM countries", "cartocss_version": "2.3.0",
    "cartocss": "#layer { polygon-fill: #ff6600; [pop_est > 100000000] { polygon-fill: #990000; } }"}}
CITIES = {"type": "cartodb", "options": {
    "sql": "SELECT cartodb_id, the_geom_webmercator, name FROM cities", "cartocss_version": "2.3.0",
    "cartocss": "#layer { marker-fill: #0000ff; marker-width: 8; marker-allow-overlap: true; }"}}


def mapconfig(*layers: dict, version: str = "1.3.0") -> dict:
    return {"version": version, "layers": list(layers) or [COUNTRIES]}


def template(name: str = "tpl", **extra: object) -> dict:
    t = {"version": "0.0.1", "name": name, "auth": {"method": "open"},
         "placeholders": {"color": {"type": "css_color", "default": "#cc3300"}},
         "layergroup": {"version": "1.3.0", "layers": [
             {"type": "mapnik", "options": {"sql": "select * from cities", "cartocss_version": "2.3.0",
                                            "cartocss": "#layer { marker-fill: <%= color %>; }"}}]}}
    t.update(extra)
    return t


# -- PostgreSQL/PostGIS: .ci/postgres.sh starts a server and .ci/run exports its URL in GLRENDER_TEST_PG.
PG_ENV = "GLRENDER_TEST_PG"
_pg_skipped: list[str] = []


def _pg_unreachable(url: str | None) -> str | None:
    """Why the PostgreSQL tests cannot run, or None when they can."""
    if not url:
        return f"{PG_ENV} is not set (.ci/run starts a PostgreSQL + PostGIS server and sets it)"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                return f"the database of {PG_ENV} has no postgis extension"
    except psycopg.Error as exc:
        return f"cannot connect to {PG_ENV}: {str(exc).strip().splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    reason = _pg_unreachable(url)
    if reason is not None:
        if not _pg_skipped:
            _pg_skipped.append(reason)
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    assert url is not None
    return url


def with_search_path(url: str, schema: str) -> str:
    """The URL with the session's search_path set to ``schema`` (then public, where PostGIS lives)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema},public"


@contextmanager
def pg_schema(url: str, prefix: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards, so tests never see each other's tables."""
    import psycopg

    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def pg_demo(pg_url: str) -> Iterator[str]:
    """A URL whose search_path holds the demo tables, loaded from demo.gpkg by server.carto.pgload."""
    import psycopg

    from server.carto.gpkg import default_database_path
    from server.carto.pgload import load_geopackage

    with pg_schema(pg_url, "glrender_demo") as schema:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            load_geopackage(conn, default_database_path(), schema)
        yield with_search_path(pg_url, schema)


@pytest.fixture
def pg_empty(pg_url: str) -> Iterator[str]:
    """A URL whose search_path is an empty schema of its own (for storage tests)."""
    with pg_schema(pg_url, "glrender_store") as schema:
        yield with_search_path(pg_url, schema)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # pytest -q hides skip reasons: say once, at the end, why PostgreSQL was not tested.
    if _pg_skipped:
        terminalreporter.write_line(f"PostgreSQL tests skipped: {_pg_skipped[0]}", yellow=True)
