"""Layer SQL over a GeoPackage (or any SQLite file) through the standard library.

Each geometry table is shadowed by a TEMP VIEW of the same name that adds CARTO's column names
(``the_geom``, ``the_geom_webmercator``, ``cartodb_id``), so CARTO-style SQL such as
``SELECT cartodb_id, the_geom_webmercator, name FROM cities WHERE ...`` runs as written. The
connection is opened read-only and an authorizer allows nothing but reading, so template SQL can
never change data or attach other files; a progress handler enforces the statement timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from server.carto.datasource import Extent3857, Feature, mercator_to_lonlat, strip_sql, substitute_tokens
from server.carto.errors import CartoError
from server.carto.wkb import GeometryError, gpkg_header, to_geojson

ENVELOPE = "ST_MakeEnvelope({xmin}, {ymin}, {xmax}, {ymax}, 3857)"
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_GEOM_TYPES = {1: "ST_Point", 2: "ST_LineString", 3: "ST_Polygon", 4: "ST_MultiPoint", 5: "ST_MultiLineString",
               6: "ST_MultiPolygon", 7: "ST_GeometryCollection"}


def default_database_path() -> Path:
    from server.config import demo_data_dir

    return demo_data_dir() / "demo.gpkg"


def _envelope(xmin: float, ymin: float, xmax: float, ymax: float, srid: int = 4326) -> str:
    # A box has no SQLite type: pass it between our SQL functions as text.
    if srid == 3857:
        xmin, ymin = mercator_to_lonlat(xmin, ymin)
        xmax, ymax = mercator_to_lonlat(xmax, ymax)
    return f"BOX({xmin} {ymin},{xmax} {ymax})"


def _box(value: Any) -> tuple[float, float, float, float] | None:
    if isinstance(value, str) and value.startswith("BOX("):
        a, b = value[4:-1].split(",")
        x0, y0 = (float(v) for v in a.split())
        x1, y1 = (float(v) for v in b.split())
        return x0, y0, x1, y1
    if isinstance(value, bytes):
        return _blob_bounds(value)
    return None


def _blob_bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    try:
        _, _, env, empty = gpkg_header(blob)
    except GeometryError:
        env, empty = None, False
    if empty:
        return None
    if env is not None:
        return env
    from server.carto.wkb import bounds

    return bounds(to_geojson(blob))


def _intersects(a: Any, b: Any) -> int:
    ba, bb = _box(a), _box(b)
    if ba is None or bb is None:
        return 0
    return int(ba[0] <= bb[2] and bb[0] <= ba[2] and ba[1] <= bb[3] and bb[1] <= ba[3])


def _geometry_type(blob: Any) -> str | None:
    if not isinstance(blob, bytes):
        return None
    try:
        _, off, _, _ = gpkg_header(blob)
    except GeometryError:
        off = 0
    code = int.from_bytes(blob[off + 1:off + 5], "little" if blob[off] == 1 else "big")
    return _GEOM_TYPES.get(code % 1000)


def _coordinate(index: int) -> Any:
    def get(blob: Any) -> float | None:
        if not isinstance(blob, bytes):
            return None
        geom = to_geojson(blob)
        if geom is None or geom["type"] != "Point":
            return None
        return float(geom["coordinates"][index])

    return get


class GeoPackageDatabase:
    """Read-only layer SQL over one SQLite/GeoPackage file."""

    def __init__(self, path: str | None, timeout_s: float) -> None:
        self.path = Path(path) if path else default_database_path()
        if not self.path.is_file():
            raise CartoError(f"database file not found: {str(self.path)!r}", 500)
        self.timeout_s = timeout_s
        self._local = threading.local()
        with self._connect_plain() as conn:
            rows = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
            self.geometry_columns = {str(t): str(c) for t, c in rows}
            self.srs = {str(t): int(s) for t, s in conn.execute(
                "SELECT table_name, srs_id FROM gpkg_geometry_columns").fetchall()}
            self.columns = {t: [(str(r[1]), bool(r[5])) for r in conn.execute(f'PRAGMA main.table_info("{t}")')]
                            for t in self.geometry_columns}

    def _connect_plain(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)

    # One connection per thread: sqlite3 connections must stay on the thread that uses them.
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect_plain()
            for table, geom in self.geometry_columns.items():
                names = {c for c, _ in self.columns[table]}
                pk = next((c for c, is_pk in self.columns[table] if is_pk), "rowid")
                extra = [f'"{geom}" AS {alias}' for alias in ("the_geom", "the_geom_webmercator") if alias not in names]
                if "cartodb_id" not in names:
                    extra.append(f'"{pk}" AS cartodb_id')
                cols = ", ".join(["*", *extra])
                conn.execute(f'CREATE TEMP VIEW "{table}" AS SELECT {cols} FROM main."{table}"')
            conn.create_function("ST_MakeEnvelope", -1, _envelope, deterministic=True)
            conn.create_function("ST_Intersects", 2, _intersects, deterministic=True)
            conn.create_function("ST_GeometryType", 1, _geometry_type, deterministic=True)
            conn.create_function("ST_X", 1, _coordinate(0), deterministic=True)
            conn.create_function("ST_Y", 1, _coordinate(1), deterministic=True)
            # Reprojection is done when features are read, so these keep the geometry as it is.
            conn.create_function("ST_Transform", 2, lambda g, _s: g, deterministic=True)
            conn.create_function("ST_SetSRID", 2, lambda g, _s: g, deterministic=True)
            self._local.conn = conn
        return conn

    def _run(self, sql: str, tables: set[str] | None = None) -> sqlite3.Cursor:
        conn = self._conn()
        deadline = time.monotonic() + self.timeout_s

        def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, _t: str | None) -> int:
            if action not in _ALLOWED:
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_READ and db == "main" and tables is not None and arg1:
                tables.add(arg1)
            return sqlite3.SQLITE_OK

        conn.set_authorizer(authorize)
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10000)
        try:
            return conn.execute(sql)
        except sqlite3.Error as exc:
            raise _translate(exc) from None
        finally:
            conn.set_authorizer(None)

    def _wrapped(self, sql: str, extent: Extent3857) -> str:
        return f"SELECT * FROM ({substitute_tokens(strip_sql(sql), extent, ENVELOPE)}) AS cdbq"

    def check(self, sql: str, geom_column: str) -> list[str]:
        from server.carto.datasource import WORLD

        cur = self._run(self._wrapped(sql, WORLD) + " LIMIT 0")
        names = [d[0] for d in cur.description or ()]
        if geom_column not in names:
            raise CartoError(f'column "{geom_column}" does not exist', 400)
        return names

    def query(self, sql: str, geom_column: str, extent: Extent3857) -> list[Feature]:
        cur = self._run(self._wrapped(sql, extent))
        names = [d[0] for d in cur.description or ()]
        if geom_column not in names:
            raise CartoError(f'column "{geom_column}" does not exist', 400)
        gi = names.index(geom_column)
        w, s, e, n = extent.lonlat()
        pad = (e - w) * 0.05
        window = (w - pad, s - pad, e + pad, n + pad)
        features: list[Feature] = []
        try:
            for row in cur:
                blob = row[gi]
                if not isinstance(blob, bytes):
                    continue
                box = _blob_bounds(blob)
                if box is None or not (box[0] <= window[2] and window[0] <= box[2]
                                       and box[1] <= window[3] and window[1] <= box[3]):
                    continue
                geom = to_geojson(blob)
                if geom is None:
                    continue
                if blob[:2] == b"GP" and gpkg_header(blob)[0] == 3857:
                    geom = _unproject(geom)
                props = {k: v for k, v in zip(names, row, strict=True)
                         if not isinstance(v, bytes) and v is not None}
                features.append(Feature(geom, props))
        except sqlite3.Error as exc:
            raise _translate(exc) from None
        except GeometryError as exc:
            raise CartoError(str(exc), 400) from None
        return features

    def affected_tables(self, sql: str) -> list[str]:
        from server.carto.datasource import WORLD

        tables: set[str] = set()
        self._run(self._wrapped(sql, WORLD) + " LIMIT 0", tables)
        return sorted(tables)

    def tables_extent(self, tables: list[str]) -> tuple[float, float, float, float] | None:
        conn = self._conn()
        boxes = []
        for t in tables:
            if t not in self.geometry_columns:
                continue
            row = conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                               (t,)).fetchone()
            if row is None or None in row:
                # No stored bounds: the R-tree holds every feature's box.
                row = conn.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) '
                                   f'FROM "rtree_{t}_{self.geometry_columns[t]}"').fetchone()
            if row is not None and None not in row:
                box = tuple(float(v) for v in row)
                if self.srs.get(t) == 3857:
                    box = (*mercator_to_lonlat(box[0], box[1]), *mercator_to_lonlat(box[2], box[3]))
                boxes.append(box)
        if not boxes:
            return None
        return (max(-180.0, min(b[0] for b in boxes)), max(-90.0, min(b[1] for b in boxes)),
                min(180.0, max(b[2] for b in boxes)), min(90.0, max(b[3] for b in boxes)))

    def last_modified(self) -> float:
        return self.path.stat().st_mtime

    def tables_modified(self, tables: list[str]) -> float | None:
        """The newest ``last_change`` of ``tables`` in ``gpkg_contents`` (GeoPackage's own per-table
        modification time, which its writers keep, as CARTO reads CDB_TableMetadata); the file's
        modification time for a table without one."""
        from datetime import UTC, datetime

        newest: float | None = None
        conn = self._conn()
        for t in tables:
            row = conn.execute("SELECT last_change FROM gpkg_contents WHERE table_name = ?", (t,)).fetchone()
            try:
                when = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
                stamp = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()  # GeoPackage times are UTC
            except (TypeError, ValueError):
                stamp = self.last_modified()
            newest = stamp if newest is None else max(newest, stamp)
        return newest

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _unproject(geom: dict[str, Any]) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if c and isinstance(c[0], float | int):
            return list(mercator_to_lonlat(c[0], c[1]))
        return [walk(x) for x in c]

    if geom["type"] == "GeometryCollection":
        return {"type": geom["type"], "geometries": [_unproject(g) for g in geom["geometries"]]}
    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def _translate(exc: sqlite3.Error) -> CartoError:
    """SQLite's messages reworded as PostgreSQL's, so clients and the status rules see CARTO's."""
    msg = str(exc)
    if msg == "interrupted":
        return CartoError("canceling statement due to statement timeout", 429, type="limit", subtype="datasource")
    if msg.startswith("no such table: "):
        return CartoError(f'relation "{msg[15:]}" does not exist', 404, type="database")
    if msg.startswith("no such column: "):
        return CartoError(f'column "{msg[16:]}" does not exist', 400, type="database")
    if msg.startswith("no such function: "):
        return CartoError(f"function {msg[18:]} does not exist", 400, type="database")
    if msg == "not authorized" or "prohibited" in msg or "readonly" in msg:
        return CartoError("permission denied: layer SQL may only read data", 403, type="database")
    if "one statement at a time" in msg:
        return CartoError("layer SQL must be a single SELECT statement", 400, type="database")
    return CartoError(msg, 400, type="database")
