"""Layer SQL on PostgreSQL/PostGIS: the same checks as the GeoPackage backend (test_sql.py) plus what
only a real database can do (read-only transactions, statement_timeout, planner extents)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.carto.datasource import WORLD, Extent3857, lonlat_to_mercator, open_database
from server.carto.errors import CartoError, error_status
from server.carto.gpkg import GeoPackageDatabase
from server.carto.postgis import PostgresDatabase, typmod_srid


@pytest.fixture(scope="module")
def db(pg_demo: str) -> Iterator[PostgresDatabase]:
    database = open_database(pg_demo, 2.0)
    assert isinstance(database, PostgresDatabase)
    yield database
    database.close()


def run_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else -1


def test_typmod_srid() -> None:
    assert typmod_srid(1107456) == 4326 and typmod_srid(-1) is None


def test_carto_column_names_and_properties(db: PostgresDatabase) -> None:
    feats = db.query("SELECT cartodb_id, the_geom_webmercator, name FROM cities WHERE name = 'Helsinki';",
                     "the_geom_webmercator", WORLD)
    assert len(feats) == 1
    assert feats[0].properties["name"] == "Helsinki"
    assert feats[0].geometry["type"] == "Point"
    lon, lat = feats[0].geometry["coordinates"]
    assert 24 < lon < 26 and 59 < lat < 61
    assert len(db.query("select * from countries", "the_geom", WORLD)) == 177
    assert len(db.query("select * from countries", "the_geom_webmercator", WORLD)) == 177


def test_same_rows_as_the_geopackage(db: PostgresDatabase) -> None:
    gpkg = GeoPackageDatabase(None, 2.0)
    try:
        sql = "SELECT cartodb_id, the_geom_webmercator, name FROM cities ORDER BY cartodb_id"
        ours = db.query(sql, "the_geom_webmercator", WORLD)
        theirs = gpkg.query(sql, "the_geom_webmercator", WORLD)
        assert [f.properties for f in ours] == [f.properties for f in theirs]
        for a, b in zip(ours, theirs, strict=True):
            assert a.geometry["coordinates"] == pytest.approx(b.geometry["coordinates"], abs=1e-7)
    finally:
        gpkg.close()


def test_geometry_columns_are_real_postgis(db: PostgresDatabase) -> None:
    sql = ("SELECT ST_GeometryType(the_geom_webmercator) AS t, ST_SRID(the_geom_webmercator) AS s3857, "
           "ST_SRID(the_geom) AS s4326, pop_est::numeric AS pop, the_geom_webmercator FROM countries "
           "WHERE name = 'Finland'")
    (feat,) = db.query(sql, "the_geom_webmercator", WORLD)
    assert feat.properties["t"] in ("ST_MultiPolygon", "ST_Polygon")
    assert (feat.properties["s3857"], feat.properties["s4326"]) == (3857, 4326)
    assert isinstance(feat.properties["pop"], float)  # numeric arrives as a number, not a Decimal
    assert "the_geom" not in feat.properties and "the_geom_webmercator" not in feat.properties


def test_computed_geometries_without_a_column_srid(db: PostgresDatabase) -> None:
    x, y = lonlat_to_mercator(24.94, 60.17)
    near = Extent3857.for_zoom(x - 5000, y - 5000, x + 5000, y + 5000, 12)
    buffered = db.query("SELECT name, ST_Buffer(the_geom, 0.001) AS g FROM cities", "g", near)
    assert [f.properties["name"] for f in buffered] == ["Helsinki"]
    assert buffered[0].geometry["type"] == "Polygon"
    # SRID 0 is CARTO's default projection, Web Mercator.
    bare = db.query(f"SELECT 1 AS one, ST_MakePoint({x}, {y}) AS g", "g", near)
    assert bare[0].geometry["coordinates"] == pytest.approx([24.94, 60.17])


def test_bbox_token_and_extent_filter(db: PostgresDatabase) -> None:
    x0, y0 = lonlat_to_mercator(20, 55)
    x1, y1 = lonlat_to_mercator(30, 65)
    ext = Extent3857.for_zoom(x0, y0, x1, y1, 5)
    inside = db.query("SELECT * FROM cities WHERE ST_Intersects(the_geom_webmercator, !bbox!)",
                      "the_geom_webmercator", ext)
    names = {f.properties["name"] for f in inside}
    assert "Helsinki" in names and "Paris" not in names
    # Without !bbox! the rows are still clipped to the window (plus a small margin for symbols).
    assert len(inside) <= len(db.query("SELECT * FROM cities", "the_geom_webmercator", ext)) < 10
    sql = ("SELECT !pixel_width! AS pw, !pixel_height! AS ph, !scale_denominator! AS sd, ST_XMin(!bbox!) AS bx, "
           "ST_SRID(!bbox!) AS bs, the_geom_webmercator FROM cities WHERE name = 'Helsinki'")
    (feat,) = db.query(sql, "the_geom_webmercator", ext)
    px = ext.pixel_size
    assert feat.properties == {"pw": pytest.approx(px), "ph": pytest.approx(px), "sd": pytest.approx(px / 0.00028),
                               "bx": pytest.approx(x0), "bs": 3857}


def test_wide_windows_keep_both_sides_of_the_antimeridian(db: PostgresDatabase) -> None:
    # A window wider than the world must not wrap into a thin box (PROJ wraps longitudes past 180).
    wide = Extent3857(-2.2e7, -1e7, 2.2e7, 1e7, 2 * 2.2e7 / 1024)
    names = {f.properties["name"] for f in db.query("SELECT * FROM countries", "the_geom", wide)}
    assert {"New Zealand", "Fiji", "Brazil"} <= names


@pytest.mark.parametrize("sql,status,message", [
    ("select * from nope", 404, 'relation "nope" does not exist'),
    ("select wadus from cities", 400, 'column "wadus" does not exist'),
    ("select * from cities where", 400, "syntax error"),
    ("select 1; delete from cities", 400, "syntax error"),
    ("select * from cities where nofunc(name)", 400, "function nofunc(text) does not exist"),
    ("select name from cities", 400, 'column "the_geom_webmercator" does not exist'),
    ("select name as the_geom_webmercator from cities", 400,
     'column "the_geom_webmercator" is not a geometry column (type text)'),
])
def test_sql_errors(db: PostgresDatabase, sql: str, status: int, message: str) -> None:
    with pytest.raises(CartoError) as err:
        db.check(sql, "the_geom_webmercator")
    assert error_status(err.value) == status and message in err.value.message


def test_read_only(db: PostgresDatabase, pg_demo: str) -> None:
    run_sql(pg_demo, "CREATE SEQUENCE IF NOT EXISTS ro_seq; CREATE OR REPLACE FUNCTION ro_write() RETURNS int "
                     "LANGUAGE sql AS 'DELETE FROM cities RETURNING 1'")
    attempts = [
        ("SELECT *, nextval('ro_seq') FROM cities", "read-only transaction"),
        ("SELECT *, ro_write() FROM cities", "read-only transaction"),
        # Closing the wrapping to run a second statement: the extended protocol takes one only.
        ("SELECT * FROM cities) AS x; COMMIT; DELETE FROM cities; SELECT * FROM (SELECT * FROM cities",
         "cannot insert multiple commands"),
        ("SELECT *, set_config('transaction_read_only', 'off', true) FROM cities", "read-write mode"),
    ]
    for sql, message in attempts:
        with pytest.raises(CartoError) as err:
            db.query(sql, "the_geom_webmercator", WORLD)
        assert message in err.value.message
    # A session setting changed by one query is rolled back with it: the next one is read-only too.
    db.query("SELECT *, set_config('default_transaction_read_only', 'off', false) FROM cities",
             "the_geom_webmercator", WORLD)
    with pytest.raises(CartoError, match="read-only"):
        db.query("SELECT *, ro_write() FROM cities", "the_geom_webmercator", WORLD)
    assert count(pg_demo, "cities") == 243


def test_statement_timeout_is_429(pg_demo: str) -> None:
    slow = open_database(pg_demo, 0.2)
    try:
        with pytest.raises(CartoError) as err:
            slow.query("SELECT *, pg_sleep(5) FROM cities", "the_geom_webmercator", WORLD)
        assert error_status(err.value) == 429
        assert err.value.message == "canceling statement due to statement timeout"
        # The connection is reusable after the cancel.
        assert len(slow.query("SELECT * FROM cities WHERE name = 'Paris'", "the_geom_webmercator", WORLD)) == 1
    finally:
        slow.close()


def test_unreachable_database_is_a_server_error() -> None:
    db = open_database("postgresql://nobody@127.0.0.1:1/none", 1.0)
    try:
        with pytest.raises(CartoError) as err:
            db.check("select * from cities", "the_geom_webmercator")
        assert err.value.status == 500 and err.value.message.startswith("database unavailable")
    finally:
        db.close()


def test_affected_tables_and_extent(db: PostgresDatabase, pg_demo: str) -> None:
    tables = db.affected_tables("select c.name, c.the_geom from cities c join countries k on k.name = c.name")
    assert [t.split(".")[1] for t in tables] == ['"cities"', '"countries"']
    w, s, e, n = db.tables_extent(db.affected_tables("select * from helsinki_building")) or (0, 0, 0, 0)
    assert 24.9 < w < e < 25.0 and 60.1 < s < n < 60.2
    # A table never analysed has no estimate (ST_EstimatedExtent is NULL): the exact extent is used.
    run_sql(pg_demo, "DROP TABLE IF EXISTS fresh; CREATE TABLE fresh (the_geom_webmercator geometry(Point, 3857)); "
                     "INSERT INTO fresh VALUES (ST_Transform(ST_SetSRID(ST_MakePoint(10, 20), 4326), 3857)), "
                     "(ST_Transform(ST_SetSRID(ST_MakePoint(12, 22), 4326), 3857))")
    assert db.tables_extent(["fresh"]) == pytest.approx((10, 20, 12, 22))
    assert db.tables_extent(["no_such_table"]) is None


def test_loader_command_line(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from server.carto.pgload import main
    from tests.server.carto.conftest import pg_schema

    with pg_schema(pg_url, "glrender_load") as schema:
        assert main([pg_url, "--schema", schema, "--table", "cities"]) == 0
        assert capsys.readouterr().out.strip() == f"loaded 1 tables into {schema}: cities"
        assert count(pg_url, f'"{schema}".cities') == 243
        main([pg_url, "--schema", schema, "--table", "cities"])  # loading again replaces, never duplicates
        assert count(pg_url, f'"{schema}".cities') == 243
