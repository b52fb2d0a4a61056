"""The CARTO API with PostgreSQL as both the layer database and the store.

The GeoPackage suite's route tests run again unchanged on a PostgreSQL-backed service, and static
images of the same maps are compared pixel by pixel between the two backends: the data is the same,
so the pictures must be too.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.carto.config import CartoConfig
from server.carto.pgstorage import PostgresStorage
from server.carto.postgis import PostgresDatabase
from server.carto.routes import carto_routes
from server.carto.service import CartoService
from tests.server.carto import test_api, test_named
from tests.server.carto.conftest import CITIES, COUNTRIES, MASTER, REGULAR, mapconfig


def make_client(config: CartoConfig) -> Iterator[tuple[CartoService, TestClient]]:
    svc = CartoService(config)
    app = Starlette(routes=carto_routes(svc.config, svc))
    app.state.carto = svc
    try:
        with TestClient(app) as client:
            yield svc, client
    finally:
        svc.close()


def config(tmp_path: Path, database: str | None, storage: str, timeout: float = 2.0) -> CartoConfig:
    return CartoConfig(master_api_key=MASTER, api_keys=(REGULAR,), database=database, storage=storage,
                       max_templates=5, http_allowlist=(str(tmp_path),), statement_timeout=timeout)


@pytest.fixture
def pg(tmp_path: Path, pg_demo: str, pg_empty: str) -> Iterator[tuple[CartoService, TestClient]]:
    yield from make_client(config(tmp_path, pg_demo, pg_empty))


@pytest.fixture
def pg_client(pg: tuple[CartoService, TestClient]) -> TestClient:
    return pg[1]


@pytest.fixture
def lite_client(tmp_path: Path) -> Iterator[TestClient]:
    for _, client in make_client(config(tmp_path, None, str(tmp_path / "lite.sqlite"))):
        yield client


def test_backends_are_postgres(pg: tuple[CartoService, TestClient]) -> None:
    svc, _ = pg
    assert isinstance(svc.db, PostgresDatabase) and isinstance(svc.storage, PostgresStorage)


ROUTE_CASES: list[Callable[..., Any]] = [
    test_api.test_anonymous_map_post_and_get,
    test_api.test_request_errors,
    test_api.test_static_center_bbox_formats_and_limits,
    test_api.test_jpeg_transparent_is_black_and_layer_filter,
    test_api.test_zoom_convention_carto_z_is_256px_tiles,
    test_named.test_crud_with_the_master_key,
    test_named.test_crud_errors,
    test_named.test_template_limit_is_409,
    test_named.test_instantiation_tokens_and_placeholders,
    test_named.test_named_static_image,
]


@pytest.mark.parametrize("case", ROUTE_CASES, ids=lambda f: f.__name__)
def test_routes_on_postgres(pg_client: TestClient, case: Callable[[TestClient], None]) -> None:
    case(pg_client)


@pytest.mark.parametrize("case", test_api.test_mapconfig_errors_at_creation.pytestmark[0].args[1])
def test_mapconfig_errors_at_creation_on_postgres(pg_client: TestClient, case: tuple[dict, int, str]) -> None:
    cfg, status, message = case
    if message == "function nofunc does not exist":
        message = "function nofunc"
    test_api.test_mapconfig_errors_at_creation(pg_client, cfg, status, message)


def test_view_precedence_on_postgres(pg: tuple[CartoService, TestClient]) -> None:
    # Step 4 reads ST_EstimatedExtent of the whole helsinki_building table.
    test_named.test_view_precedence(pg[0])


def test_tokens_survive_restarts_on_postgres(pg: tuple[CartoService, TestClient], tmp_path: Path) -> None:
    test_api.test_tokens_survive_restarts(pg[0], tmp_path)


def pixels(client: TestClient, url: str, **params: str) -> np.ndarray:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"), dtype=np.int16)


def assert_same_image(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    differ = (np.abs(a - b).max(axis=2) > 16).mean()
    assert differ < 0.002, f"{differ:.2%} of the pixels differ"
    assert (a[..., 3] > 0).mean() > 0.05  # something was drawn


@pytest.mark.parametrize("path", ["center/{token}/3/50/10/400/300.png", "bbox/{token}/-30,-40,60,70/320/240.png"])
def test_static_images_match_the_geopackage(pg_client: TestClient, lite_client: TestClient, path: str) -> None:
    cfg = mapconfig(COUNTRIES, CITIES)
    images = []
    for client in (pg_client, lite_client):
        token = test_api.token_of(client, cfg)
        images.append(pixels(client, "/api/v1/map/static/" + path.format(token=token)))
    assert_same_image(*images)


def test_demo_named_map_matches_the_geopackage(pg_client: TestClient, lite_client: TestClient) -> None:
    url = "/api/v1/map/static/named/world_population/512/384.png"
    assert_same_image(pixels(pg_client, url), pixels(lite_client, url))
    # Helsinki's buildings (minzoom 12) come from the helsinki_building table.
    query = {"zoom": "15", "lon": "24.945", "lat": "60.171"}
    assert_same_image(pixels(pg_client, url, **query), pixels(lite_client, url, **query))


def test_statement_timeout_answers_429(tmp_path: Path, pg_demo: str, pg_empty: str) -> None:
    for _, client in make_client(config(tmp_path, pg_demo, pg_empty, timeout=0.2)):
        slow = {"type": "mapnik", "options": {"sql": "SELECT * FROM cities WHERE pg_sleep(1) IS NOT NULL",
                                              "cartocss": "#a { marker-fill: red; }", "cartocss_version": "2.3.0"}}
        token = test_api.token_of(client, mapconfig(slow))  # the check plans the query without running it
        r = client.get(f"/api/v1/map/static/center/{token}/2/0/0/100/100.png")
        assert r.status_code == 429
        assert r.json()["errors"] == ["canceling statement due to statement timeout"]
        assert r.json()["errors_with_context"][0]["type"] == "limit"
