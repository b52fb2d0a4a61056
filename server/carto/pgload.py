"""Copy a GeoPackage's feature tables into PostGIS as CARTO lays tables out.

Each table gets ``cartodb_id`` (the GeoPackage primary key), ``the_geom`` (EPSG:4326) and
``the_geom_webmercator`` (EPSG:3857, clipped to the Mercator square first, as CARTO's
CDB_TransformToWebmercator does, since the poles have no Mercator coordinates), spatial indexes, and
planner statistics so that ``ST_EstimatedExtent`` answers. Geometry travels as WKB. The schema also
gets CARTO's ``cdb_tablemetadata`` (``tabname``, ``updated_at``), kept current by a statement trigger
on each loaded table, so static images carry the data's real Last-Modified time.

    python -m server.carto.pgload postgresql://user@host/db [--gpkg demo.gpkg] [--schema public]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from server.carto.pgconn import quote_ident
from server.carto.wkb import gpkg_header

MERCATOR_LAT = 85.0511287798066


def _pg_type(declared: str) -> str:
    t = declared.upper()
    if "INT" in t:
        return "bigint"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "double precision"
    if "BOOL" in t:
        return "boolean"
    if "BLOB" in t:
        return "bytea"
    return "text"


def _wkb(blob: Any) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob (None for empty or missing geometries)."""
    if not isinstance(blob, bytes):
        return None
    srs, offset, _, empty = gpkg_header(blob)
    return None if empty else blob[offset:]


def load_geopackage(conn: Any, gpkg: str | Path, schema: str = "public",
                    tables: list[str] | None = None) -> list[str]:
    """Create (replacing) one PostGIS table per GeoPackage feature table; returns the table names.

    ``conn`` is a psycopg connection; everything happens in one transaction, committed at the end.
    """
    src = sqlite3.connect(f"{Path(gpkg).resolve().as_uri()}?mode=ro", uri=True)
    loaded: list[str] = []
    try:
        layers = src.execute("SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns").fetchall()
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            for table, geom_col, srs in layers:
                if tables is not None and table not in tables:
                    continue
                _load_table(conn, src, schema, str(table), str(geom_col), int(srs))
                _track_changes(conn, schema, str(table))
                loaded.append(str(table))
        # ANALYZE after the commit: ST_EstimatedExtent reads the statistics it leaves.
        for table in loaded:
            conn.execute(f"ANALYZE {quote_ident(schema)}.{quote_ident(table)}")
        if not conn.autocommit:
            conn.commit()
    finally:
        src.close()
    return loaded


def _track_changes(conn: Any, schema: str, table: str) -> None:
    """CARTO's CDB_TableMetadata for ``table``: a row stamped now, refreshed by every later change."""
    meta = f"{quote_ident(schema)}.cdb_tablemetadata"
    touch = f"{quote_ident(schema)}.cdb_tablemetadata_touch"
    conn.execute(f"CREATE TABLE IF NOT EXISTS {meta} (tabname regclass PRIMARY KEY, "
                 "updated_at timestamptz NOT NULL DEFAULT now())")
    # SECURITY DEFINER: whoever may change a table may stamp it, without write access to the metadata.
    conn.execute(f"CREATE OR REPLACE FUNCTION {touch}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                 f"SET search_path = pg_catalog AS $$ BEGIN INSERT INTO {meta} VALUES (TG_RELID, now()) "
                 "ON CONFLICT (tabname) DO UPDATE SET updated_at = EXCLUDED.updated_at; RETURN NULL; END $$")
    conn.execute(f"DELETE FROM {meta} WHERE tabname::oid NOT IN (SELECT oid FROM pg_class)")  # dropped tables
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    conn.execute(f"CREATE TRIGGER cdb_tablemetadata_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {target} "
                 f"FOR EACH STATEMENT EXECUTE FUNCTION {touch}()")
    conn.execute(f"INSERT INTO {meta} VALUES (%s::regclass, now()) ON CONFLICT (tabname) DO UPDATE "
                 "SET updated_at = EXCLUDED.updated_at", (target,))


def _load_table(conn: Any, src: sqlite3.Connection, schema: str, table: str, geom_col: str, srs: int) -> None:
    info = src.execute(f"PRAGMA table_info({quote_ident(table)})").fetchall()
    pk = next((str(r[1]) for r in info if r[5]), None)
    attrs = [(str(r[1]), _pg_type(str(r[2]))) for r in info
             if str(r[1]) not in (geom_col, pk, "the_geom", "the_geom_webmercator", "cartodb_id")]
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    columns = ", ".join(["cartodb_id bigint PRIMARY KEY", "the_geom geometry(Geometry, 4326)",
                         "the_geom_webmercator geometry(Geometry, 3857)",
                         *(f"{quote_ident(n)} {t}" for n, t in attrs)])
    conn.execute(f"DROP TABLE IF EXISTS {target}")
    conn.execute(f"CREATE TABLE {target} ({columns})")
    key = quote_ident(pk) if pk else "rowid"
    select = ", ".join([key, quote_ident(geom_col), *(quote_ident(n) for n, _ in attrs)])
    # A GeoPackage's undefined systems (0, -1) are taken as lon/lat, which is what they hold in practice.
    srid = srs if srs > 0 else 4326
    geom = f"ST_Transform(ST_SetSRID(ST_GeomFromWKB(%b), {srid}), 4326)" if srid != 4326 \
        else "ST_SetSRID(ST_GeomFromWKB(%b), 4326)"
    names = ", ".join(["cartodb_id", "the_geom", *(quote_ident(n) for n, _ in attrs)])
    marks = ", ".join(["%s", geom, *("%s" for _ in attrs)])
    rows = ((r[0], _wkb(r[1]), *r[2:]) for r in src.execute(f"SELECT {select} FROM {quote_ident(table)}"))
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", rows)
        square = f"ST_MakeEnvelope(-180, {-MERCATOR_LAT}, 180, {MERCATOR_LAT}, 4326)"
        cur.execute(f"UPDATE {target} SET the_geom_webmercator = ST_Transform(CASE WHEN ST_CoveredBy(the_geom, "
                    f"{square}) THEN the_geom ELSE ST_CollectionExtract(ST_Intersection(the_geom, {square})) END, "
                    "3857) WHERE the_geom IS NOT NULL")
        for column in ("the_geom", "the_geom_webmercator"):
            cur.execute(f"CREATE INDEX ON {target} USING gist ({column})")


def main(argv: list[str] | None = None) -> int:
    from server.carto.gpkg import default_database_path

    parser = argparse.ArgumentParser(prog="python -m server.carto.pgload", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="postgresql:// URL of the target database (PostGIS installed)")
    parser.add_argument("--gpkg", default=str(default_database_path()), help="GeoPackage file (default: the demo)")
    parser.add_argument("--schema", default="public")
    parser.add_argument("--table", action="append", help="only this table (repeatable)")
    args = parser.parse_args(argv)
    import psycopg

    with psycopg.connect(args.url, autocommit=True) as conn:
        loaded = load_geopackage(conn, args.gpkg, args.schema, args.table)
    print(f"loaded {len(loaded)} tables into {args.schema}: {', '.join(loaded)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
