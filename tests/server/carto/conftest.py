from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
