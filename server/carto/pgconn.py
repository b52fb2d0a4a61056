"""Shared PostgreSQL plumbing for the CARTO backends: a small connection pool and error translation.

psycopg is imported lazily so that a server configured for GeoPackage/SQLite never needs it; asking
for a ``postgresql://`` URL without it installed is a configuration error, said once at startup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from server.carto.errors import CartoError

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
TIMEOUT_MESSAGE = "canceling statement due to statement timeout"


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def require_psycopg(key: str) -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        from server.config import ConfigError

        raise ConfigError(f"carto.{key}: a postgresql:// URL needs psycopg 3 (pip install 'psycopg[binary]')") \
            from None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Pool:
    """Idle connections kept for reuse; a connection is handed to one caller at a time.

    Callers run on the server's worker threads, so the pool is bounded by how many run at once.
    A connection that comes back broken or inside a transaction is closed instead of reused: the
    next caller must start from a clean session.
    """

    def __init__(self, url: str, *, autocommit: bool, setup: Callable[[psycopg.Connection[Any]], None] | None = None,
                 max_idle: int = 8) -> None:
        self.url = url
        self.autocommit = autocommit
        self.setup = setup
        self.max_idle = max_idle
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=self.autocommit, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise CartoError(f"database unavailable: {first_line(exc)}", 500, type="database") from None
        try:
            if self.setup is not None:
                self.setup(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        import psycopg

        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.closed:
            conn = self._connect()
        try:
            yield conn
        finally:
            reusable = (not conn.closed and not conn.broken
                        and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)
            with self._lock:
                if reusable and not self._closed and len(self._idle) < self.max_idle:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def translate(exc: Exception) -> CartoError:
    """A psycopg error as CARTO answers it: PostgreSQL's own message, status from the message.

    Windshaft passes database messages through and derives the status from their wording
    (``relation ... does not exist`` is 404, ``permission denied`` 403, a timeout 429); only a
    lost connection is ours to call a server error.
    """
    import psycopg

    if isinstance(exc, psycopg.errors.QueryCanceled):
        return CartoError(TIMEOUT_MESSAGE, 429, type="limit", subtype="datasource")
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag is not None else None) or first_line(exc)
    if isinstance(exc, psycopg.OperationalError) and getattr(exc, "sqlstate", None) is None:
        return CartoError(f"database unavailable: {message}", 500, type="database")
    if isinstance(exc, psycopg.errors.UndefinedColumn):
        # CARTO reports these through Mapnik's "Postgis Plugin: ... column ... does not exist", a 400.
        return CartoError(message, 400, type="database")
    return CartoError(message, None, type="database")
