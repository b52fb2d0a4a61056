from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

from server.carto.datasource import WORLD, Extent3857, lonlat_to_mercator, substitute_tokens
from server.carto.errors import CartoError
from server.carto.gpkg import GeoPackageDatabase
from server.carto.wkb import gpkg_header, to_geojson


@pytest.fixture(scope="module")
def db() -> GeoPackageDatabase:
    return GeoPackageDatabase(None, 2.0)


def test_wkb_and_gpkg_header() -> None:
    wkb = struct.pack("<BIdd", 1, 1, 24.9, 60.2)
    blob = b"GP\x00\x01" + struct.pack("<i", 4326) + wkb
    assert gpkg_header(blob)[:2] == (4326, 8)
    assert to_geojson(blob) == {"type": "Point", "coordinates": [24.9, 60.2]}
    line = struct.pack(">BII4d", 0, 2, 2, 0.0, 1.0, 2.0, 3.0)  # big-endian WKB
    assert to_geojson(line) == {"type": "LineString", "coordinates": [[0.0, 1.0], [2.0, 3.0]]}


def test_carto_column_names_and_properties(db: GeoPackageDatabase) -> None:
    feats = db.query("SELECT cartodb_id, the_geom_webmercator, name FROM cities WHERE name = 'Helsinki';",
                     "the_geom_webmercator", WORLD)
    assert len(feats) == 1
    assert feats[0].properties["name"] == "Helsinki"
    assert feats[0].geometry["type"] == "Point"
    lon, lat = feats[0].geometry["coordinates"]
    assert 24 < lon < 26 and 59 < lat < 61
    assert len(db.query("select * from countries", "the_geom", WORLD)) == 177


def test_bbox_token_and_extent_filter(db: GeoPackageDatabase) -> None:
    x0, y0 = lonlat_to_mercator(20, 55)
    x1, y1 = lonlat_to_mercator(30, 65)
    ext = Extent3857.for_zoom(x0, y0, x1, y1, 5)
    inside = db.query("SELECT * FROM cities WHERE ST_Intersects(the_geom_webmercator, !bbox!)",
                      "the_geom_webmercator", ext)
    names = {f.properties["name"] for f in inside}
    assert "Helsinki" in names and "Paris" not in names
    # Without !bbox! the rows are still clipped to the window (plus a small margin for symbols).
    assert len(inside) <= len(db.query("SELECT * FROM cities", "the_geom_webmercator", ext)) < 10
    text = substitute_tokens("!pixel_width! !pixel_height! !scale_denominator!", ext, "")
    px = ext.pixel_size
    assert text == f"{px!r} {px!r} {px / 0.00028!r}"


@pytest.mark.parametrize("sql,status,message", [
    ("select * from nope", 404, 'relation "nope" does not exist'),
    ("select wadus from cities", 400, 'column "wadus" does not exist'),
    ("select * from cities where", 400, "syntax error"),
    ("select 1; delete from cities", 400, ""),
    ("select * from cities where nofunc(name)", 400, "function nofunc does not exist"),
])
def test_sql_errors(db: GeoPackageDatabase, sql: str, status: int, message: str) -> None:
    with pytest.raises(CartoError) as err:
        db.check(sql, "the_geom_webmercator")
    assert err.value.status == status and message in err.value.message


def test_read_only_and_no_attach(tmp_path: Path) -> None:
    copy = tmp_path / "copy.gpkg"
    shutil.copy(GeoPackageDatabase(None, 1).path, copy)
    db = GeoPackageDatabase(str(copy), 2.0)
    for sql in ("select * from cities where (select count(*) from pragma_table_info('cities'))",
                "select * from cities, (select load_extension('x'))"):
        with pytest.raises(CartoError):
            db.query(sql, "the_geom", WORLD)
    with sqlite3.connect(copy) as conn:  # the data is still all there
        assert conn.execute("select count(*) from cities").fetchone()[0] == 243


def test_statement_timeout_is_429() -> None:
    db = GeoPackageDatabase(None, 0.2)
    sql = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
           "SELECT x, NULL AS the_geom_webmercator FROM c")
    with pytest.raises(CartoError) as err:
        db.query(sql, "the_geom_webmercator", WORLD)
    assert err.value.status == 429
    assert err.value.message == "canceling statement due to statement timeout"


def test_affected_tables_and_extent(db: GeoPackageDatabase) -> None:
    assert db.affected_tables("select c.name, c.the_geom from cities c join countries k on k.name = c.name") == \
        ["cities", "countries"]
    w, s, e, n = db.tables_extent(["helsinki_building"]) or (0, 0, 0, 0)
    assert 24.9 < w < e < 25.0 and 60.1 < s < n < 60.2
