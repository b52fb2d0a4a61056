"""Layer SQL against PostgreSQL/PostGIS through psycopg 3, with CARTO's semantics.

Every layer query runs in its own ``BEGIN READ ONLY`` transaction with a ``statement_timeout`` and
is always rolled back, so nothing a template's SQL does (``set_config``, a sequence, a write through
a function) outlives it. Queries go through binary cursors, which use the extended protocol: that
protocol takes one statement only, so SQL that closes the ``(sql) AS cdbq`` wrapping and appends a
second statement (``COMMIT; DELETE ...``) is refused by the server instead of run.

Geometry comes back as WKB in EPSG:4326 (``ST_AsBinary(ST_Transform(...))``) for the renderer, and
only features whose box meets the image window (plus a margin for symbols) are fetched, the way
Mapnik's PostGIS plugin adds ``geom && box`` around the layer query.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from server.carto.datasource import (
    EARTH_HALF,
    WORLD,
    Extent3857,
    Feature,
    mercator_to_lonlat,
    strip_sql,
    substitute_tokens,
)
from server.carto.errors import CartoError
from server.carto.pgconn import Pool, quote_ident, translate
from server.carto.wkb import GeometryError, to_geojson

ENVELOPE = "ST_MakeEnvelope({xmin}, {ymin}, {xmax}, {ymax}, 3857)"
GEOM_ALIAS = "__glrender_geom"
MARGIN = 0.05  # of the window's width on each side, as the GeoPackage backend: symbols near the edge


def typmod_srid(typmod: int) -> int | None:
    """The SRID PostGIS packs into a ``geometry(Type, srid)`` column's type modifier (None: unconstrained)."""
    if typmod < 0:
        return None
    srid = ((typmod & 0x0FFFFF00) - (typmod & 0x10000000)) >> 8
    return srid or None


def _property(value: Any) -> Any:
    """Values the style expressions can compare: numbers, strings, booleans; None and binary are dropped."""
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _windows(extent: Extent3857) -> dict[int, str]:
    """The image window plus a margin as SQL boxes: in 3857, in lon/lat, and (key 0) in 3857 clamped to
    the world square for reprojection elsewhere.

    The lon/lat box is computed here rather than by ST_Transform because PROJ wraps longitudes past
    ±180: a window wider than the world would come back as a thin box on the wrong side.
    """
    pad = (extent.xmax - extent.xmin) * MARGIN
    x0, y0, x1, y1 = extent.xmin - pad, extent.ymin - pad, extent.xmax + pad, extent.ymax + pad
    w, s = mercator_to_lonlat(x0, y0)
    e, n = mercator_to_lonlat(x1, y1)

    def clamp(v: float) -> float:
        return max(-EARTH_HALF, min(EARTH_HALF, v))

    return {3857: f"ST_MakeEnvelope({x0!r}, {y0!r}, {x1!r}, {y1!r}, 3857)",
            4326: f"ST_MakeEnvelope({w!r}, {s!r}, {e!r}, {n!r}, 4326)",
            0: f"ST_MakeEnvelope({clamp(x0)!r}, {clamp(y0)!r}, {clamp(x1)!r}, {clamp(y1)!r}, 3857)"}


def _walk_relations(node: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        if "Relation Name" in node:
            found.add((str(node.get("Schema", "public")), str(node["Relation Name"])))
        for value in node.values():
            _walk_relations(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_relations(value, found)


class PostgresDatabase:
    """Read-only layer SQL over one PostgreSQL/PostGIS database (``[carto] database = "postgresql://..."``)."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_ms = max(1, int(timeout_s * 1000))
        self._pool = Pool(url, autocommit=False, setup=self._setup)
        self._geometry_oids: frozenset[int] | None = None
        self._opened = time.time()
        # Per table oid: its last seen change counters and when they were first seen so.
        self._changes: dict[int, tuple[tuple[Any, ...], float]] = {}

    @staticmethod
    def _setup(conn: Any) -> None:
        # READ ONLY on every transaction we start, and as the session default for anything else.
        conn.read_only = True
        conn.execute("SET default_transaction_read_only = on")
        conn.commit()

    @contextmanager
    def _read(self) -> Iterator[Any]:
        """A binary cursor inside a fresh read-only transaction that is rolled back afterwards."""
        import psycopg

        with self._pool.connection() as conn:
            try:
                with conn.cursor(binary=True) as cur:
                    cur.execute("SELECT set_config('statement_timeout', %s, true)", (f"{self.timeout_ms}ms",))
                    if self._geometry_oids is None:
                        cur.execute("SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')")
                        self._geometry_oids = frozenset(int(r[0]) for r in cur.fetchall())
                    yield cur
            except psycopg.Error as exc:
                raise translate(exc) from None
            finally:
                # Always rolled back: whatever the query set or touched ends here. A connection
                # lost meanwhile cannot roll back; the pool drops it.
                if not conn.closed and not conn.broken:
                    try:
                        conn.rollback()
                    except psycopg.Error:
                        conn.close()

    def _describe(self, cur: Any, inner: str, geom_column: str) -> list[tuple[str, int, int]]:
        """(name, type oid, type modifier) of the query's columns; the planner only, no rows."""
        cur.execute(f"SELECT * FROM ({inner}) AS cdbq LIMIT 0")
        res = cur.pgresult
        cols = [(str(d.name), int(res.ftype(i)), int(res.fmod(i))) for i, d in enumerate(cur.description or ())]
        if geom_column not in [c[0] for c in cols]:
            raise CartoError(f'column "{geom_column}" does not exist', 400, type="database")
        oid = next(c[1] for c in cols if c[0] == geom_column)
        if self._geometry_oids is not None and oid not in self._geometry_oids:
            # Found when the map is created, not as a cast error on every image.
            cur.execute("SELECT format_type(%s, NULL)", (oid,))
            kind = (cur.fetchone() or ("unknown",))[0]
            raise CartoError(f'column "{geom_column}" is not a geometry column (type {kind})', 400, type="database")
        return cols

    def check(self, sql: str, geom_column: str) -> list[str]:
        inner = substitute_tokens(strip_sql(sql), WORLD, ENVELOPE)
        with self._read() as cur:
            return [c[0] for c in self._describe(cur, inner, geom_column)]

    def query(self, sql: str, geom_column: str, extent: Extent3857) -> list[Feature]:
        inner = substitute_tokens(strip_sql(sql), extent, ENVELOPE)
        windows = _windows(extent)
        with self._read() as cur:
            cols = self._describe(cur, inner, geom_column)
            geom = f"cdbq.{quote_ident(geom_column)}"
            srid = typmod_srid(next(mod for name, _, mod in cols if name == geom_column))
            if srid is None:
                # Unconstrained column: each row says its SRID; 0 means CARTO's default, 3857.
                geom = f"(CASE WHEN ST_SRID({geom}) = 0 THEN ST_SetSRID({geom}, 3857) ELSE {geom} END)"
                where = (f"{geom} && (CASE ST_SRID({geom}) WHEN 3857 THEN {windows[3857]} WHEN 4326 THEN "
                         f"{windows[4326]} ELSE ST_Transform({windows[0]}, ST_SRID({geom})) END)")
            else:
                # A constant box in the column's SRID lets the planner use its spatial index.
                where = f"{geom} && " + windows.get(srid, f"ST_Transform({windows[0]}, {srid})")
            lonlat = geom if srid == 4326 else f"ST_Transform({geom}, 4326)"
            oids = self._geometry_oids or frozenset()
            names = [name for name, oid, _ in cols if oid not in oids]
            # Other geometry columns would only travel to be dropped; duplicate names cannot be
            # selected one by one, so such a query is read whole.
            props = ", ".join(f"cdbq.{quote_ident(n)}" for n in names) if len(set(names)) == len(names) else "cdbq.*"
            select = f"ST_AsBinary({lonlat}) AS {GEOM_ALIAS}" + (f", {props}" if props else "")
            cur.execute(f"SELECT {select} FROM ({inner}) AS cdbq WHERE {where}")
            fields = [str(d.name) for d in cur.description or ()][1:]
            features: list[Feature] = []
            for row in cur:
                if row[0] is None:
                    continue
                try:
                    geometry = to_geojson(row[0])
                except GeometryError as exc:
                    raise CartoError(str(exc), 400, type="database") from None
                if geometry is None:
                    continue
                properties = {}
                for name, value in zip(fields, row[1:], strict=True):
                    value = _property(value)
                    if value is not None:
                        properties[name] = value
                features.append(Feature(geometry, properties))
        return features

    def affected_tables(self, sql: str) -> list[str]:
        """Tables the query reads, from its plan (views resolve to their tables), as quoted names."""
        inner = substitute_tokens(strip_sql(sql), WORLD, ENVELOPE)
        with self._read() as cur:
            cur.execute(f"EXPLAIN (FORMAT JSON, VERBOSE) SELECT * FROM ({inner}) AS cdbq")
            found: set[tuple[str, str]] = set()
            for (plan,) in cur.fetchall():
                _walk_relations(plan, found)
        return sorted(f"{quote_ident(s)}.{quote_ident(t)}" for s, t in found)

    def tables_extent(self, tables: list[str]) -> tuple[float, float, float, float] | None:
        """The whole tables' extent in lon/lat: the planner's estimate, else the exact ``ST_Extent``.

        CARTO only asks ``ST_EstimatedExtent``, which is NULL (or an error) until the table has been
        ANALYZEd; falling back to the exact extent keeps such maps framed on their data.
        """
        import psycopg

        boxes: list[tuple[float, float, float, float]] = []
        with self._read() as cur:
            for name in tables:
                cur.execute("SELECT n.nspname, c.relname, c.oid FROM pg_class c "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)", (name,))
                rel = cur.fetchone()
                if rel is None:
                    continue
                schema, table, oid = str(rel[0]), str(rel[1]), int(rel[2])
                # CARTO always reads the_geom_webmercator; tables without it fall back to their geometry.
                cur.execute("SELECT attname, atttypmod FROM pg_attribute WHERE attrelid = %s AND attnum > 0 "
                            "AND NOT attisdropped AND atttypid = ANY(%s) ORDER BY attname = 'the_geom_webmercator' "
                            "DESC, attname = 'the_geom' DESC, attnum LIMIT 1",
                            (oid, sorted(self._geometry_oids or ())))
                col = cur.fetchone()
                if col is None:
                    continue
                column = str(col[0])
                qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
                srid = typmod_srid(int(col[1]))
                if srid is None:
                    cur.execute(f"SELECT ST_SRID({quote_ident(column)}) FROM {qualified} "
                                f"WHERE {quote_ident(column)} IS NOT NULL LIMIT 1")
                    found = cur.fetchone()
                    srid = int(found[0]) if found and found[0] else 3857
                estimate = "SELECT ST_EstimatedExtent(%s, %s, %s) AS e"
                box = None
                try:
                    with cur.connection.transaction():  # a savepoint: an error here must not end the rest
                        box = self._box_lonlat(cur, estimate, (schema, table, column), srid)
                except psycopg.errors.QueryCanceled:
                    raise
                except psycopg.Error:
                    box = None
                if box is None:
                    exact = f"SELECT ST_Extent({quote_ident(column)}) AS e FROM {qualified}"
                    box = self._box_lonlat(cur, exact, (), srid)
                if box is not None:
                    boxes.append(box)
        if not boxes:
            return None
        return (max(-180.0, min(b[0] for b in boxes)), max(-90.0, min(b[1] for b in boxes)),
                min(180.0, max(b[2] for b in boxes)), min(90.0, max(b[3] for b in boxes)))

    @staticmethod
    def _box_lonlat(cur: Any, source: str, params: tuple[str, ...],
                    srid: int) -> tuple[float, float, float, float] | None:
        """The box ``e`` that ``source`` selects (in ``srid``, maybe NULL), reprojected to lon/lat."""
        cur.execute("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
                    f"ST_Transform(ST_SetSRID(e::geometry, {int(srid)}), 4326)::box2d AS b FROM ({source}) AS s "
                    "WHERE e IS NOT NULL) AS t", params)
        row = cur.fetchone()
        if row is None or None in row:
            return None
        return float(row[0]), float(row[1]), float(row[2]), float(row[3])

    def last_modified(self) -> float:
        """When this server started reading the database: the modification time of tables it has no
        better answer for (see ``tables_modified``)."""
        return self._opened

    def tables_modified(self, tables: list[str]) -> float | None:
        """The newest modification time of ``tables``, as CARTO takes it from ``CDB_TableMetadata``.

        A table listed in ``cartodb.cdb_tablemetadata`` or ``cdb_tablemetadata`` (CARTO's layout:
        ``tabname regclass``, ``updated_at timestamptz``; ``server.carto.pgload`` creates it with
        triggers that keep it current) gives its ``updated_at``. PostgreSQL keeps no modification
        time of its own, so any other table is watched through its change counters in
        ``pg_stat_user_tables`` (and its file node, which TRUNCATE replaces): it counts as modified
        when this process first sees them change, and as of the server start before that.
        """
        if not tables:
            return None
        newest: float | None = None
        with self._read() as cur:
            cur.execute("SELECT coalesce(to_regclass('cartodb.cdb_tablemetadata'), to_regclass('cdb_tablemetadata'))"
                        "::text")
            row = cur.fetchone()
            listed: set[int] = set()
            oids = {}
            for name in tables:
                cur.execute("SELECT to_regclass(%s)::oid", (name,))
                found = cur.fetchone()
                if found and found[0] is not None:
                    oids[name] = int(found[0])
            if row and row[0] and oids:
                cur.execute(f"SELECT tabname::oid, extract(epoch FROM updated_at)::float8 FROM {row[0]} "
                            "WHERE tabname::oid = ANY(%s)", (sorted(oids.values()),))
                for oid, stamp in cur.fetchall():
                    listed.add(int(oid))
                    newest = float(stamp) if newest is None else max(newest, float(stamp))
            watched = sorted(oid for oid in oids.values() if oid not in listed)
            if watched:
                cur.execute("SELECT s.relid::oid, s.n_tup_ins, s.n_tup_upd, s.n_tup_del, c.relfilenode::oid "
                            "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                            "WHERE s.relid = ANY(%s)", (watched,))
                now = time.time()
                for oid, *signature in cur.fetchall():
                    seen = self._changes.get(int(oid))
                    stamp = self._opened if seen is None else seen[1] if seen[0] == tuple(signature) else now
                    self._changes[int(oid)] = (tuple(signature), stamp)
                    newest = stamp if newest is None else max(newest, stamp)
        return newest

    def close(self) -> None:
        self._pool.close()

