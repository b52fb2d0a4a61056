"""What layer SQL runs against: the protocol both backends follow, and CARTO's token substitutions.

A backend answers three questions for a layer: its features inside an extent (``query``), whether its
SQL is valid at all (``check``, used when a map is created so errors surface at POST time as CARTO's
do), and which tables it reads with their extent (``affected_tables`` / ``tables_extent``, used to
frame named maps that have no ``view``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

EARTH_HALF = 20037508.342789244  # half the Web Mercator world, metres
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Extent3857:
    """The query window in Web Mercator metres plus the pixel size the map is drawn at."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    pixel_size: float  # metres per pixel

    @classmethod
    def for_zoom(cls, xmin: float, ymin: float, xmax: float, ymax: float, carto_zoom: float) -> Extent3857:
        return cls(xmin, ymin, xmax, ymax, 2 * EARTH_HALF / (256 * 2 ** carto_zoom))

    def lonlat(self) -> tuple[float, float, float, float]:
        w, s = mercator_to_lonlat(self.xmin, self.ymin)
        e, n = mercator_to_lonlat(self.xmax, self.ymax)
        return w, s, e, n


# The tile z=0 values CARTO substitutes when it only needs to inspect a query (validation, extent).
WORLD = Extent3857(-EARTH_HALF, -EARTH_HALF, EARTH_HALF, EARTH_HALF, 2 * EARTH_HALF / 256)


@dataclass
class Feature:
    geometry: dict[str, Any]  # GeoJSON, lon/lat
    properties: dict[str, Any] = field(default_factory=dict)


class Database(Protocol):
    """A layer SQL backend (GeoPackage/SQLite or PostgreSQL/PostGIS)."""

    def query(self, sql: str, geom_column: str, extent: Extent3857) -> list[Feature]: ...

    def check(self, sql: str, geom_column: str) -> list[str] | None: ...

    def affected_tables(self, sql: str) -> list[str]: ...

    def tables_extent(self, tables: list[str]) -> tuple[float, float, float, float] | None: ...

    def tables_modified(self, tables: list[str]) -> float | None: ...

    def last_modified(self) -> float: ...

    def close(self) -> None: ...


def strip_sql(sql: str) -> str:
    """CARTO drops one trailing semicolon before wrapping the query as a subquery."""
    sql = sql.strip()
    return sql[:-1].rstrip() if sql.endswith(";") else sql


def substitute_tokens(sql: str, extent: Extent3857, envelope: str) -> str:
    """Replace CARTO's query tokens; ``envelope`` is the backend's spelling of a 3857 box with
    ``{xmin}``..``{ymax}`` fields (ST_MakeEnvelope in both of ours)."""
    px = extent.pixel_size
    env = envelope.format(xmin=repr(extent.xmin), ymin=repr(extent.ymin), xmax=repr(extent.xmax),
                          ymax=repr(extent.ymax))
    # Mapnik's scale denominator uses 0.28 mm standard pixels.
    return (sql.replace("!bbox!", env).replace("!pixel_width!", repr(px)).replace("!pixel_height!", repr(px))
            .replace("!scale_denominator!", repr(px / 0.00028)))


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon = x / EARTH_HALF * 180.0
    lat = math.degrees(2 * math.atan(math.exp(y / EARTH_HALF * math.pi)) - math.pi / 2)
    return lon, lat


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-85.0511287798066, min(85.0511287798066, lat))
    x = lon / 180.0 * EARTH_HALF
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi * EARTH_HALF
    return x, y


def open_database(url: str | None, timeout_s: float = DEFAULT_TIMEOUT_S) -> Database:
    """A backend for a GeoPackage/SQLite path or a ``postgresql://`` URL."""
    from server.carto.pgconn import is_postgres_url

    if is_postgres_url(url):
        from server.carto.pgconn import require_psycopg

        require_psycopg("database")
        from server.carto.postgis import PostgresDatabase

        return PostgresDatabase(str(url), timeout_s)
    from server.carto.gpkg import GeoPackageDatabase

    return GeoPackageDatabase(url, timeout_s)
