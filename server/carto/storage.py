"""Durable storage for named-map templates, API keys and layergroup configs: SQLite in WAL mode.

A write is acknowledged only after its transaction commits with ``synchronous=FULL``, so a template
the API answered 200 for survives a crash or SIGKILL of the server. Creating a template checks the
limit and the name inside one ``BEGIN IMMEDIATE`` transaction, so concurrent creations cannot both
pass the check.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from server.carto.errors import CartoError
from server.carto.keys import KEY_COLUMNS, ApiKey, key_from_row, key_row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS templates (user TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
    updated REAL NOT NULL, PRIMARY KEY (user, name));
CREATE TABLE IF NOT EXISTS layergroups (token TEXT PRIMARY KEY, config TEXT NOT NULL, template TEXT,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (user TEXT NOT NULL, name TEXT NOT NULL, token TEXT NOT NULL,
    type TEXT NOT NULL, grants TEXT NOT NULL, source TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (user, name));
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_token ON api_keys (token);
"""


class Store(Protocol):
    """What the service needs from a store; SQLite (Storage) and PostgreSQL (pgstorage) both provide it."""

    def create_template(self, user: str, name: str, body: dict[str, Any], limit: int) -> int: ...
    def update_template(self, user: str, name: str, body: dict[str, Any]) -> bool: ...
    def get_template(self, user: str, name: str) -> tuple[dict[str, Any], float] | None: ...
    def delete_template(self, user: str, name: str) -> bool: ...
    def list_templates(self, user: str) -> list[str]: ...
    def put_layergroup(self, token: str, config: dict[str, Any], template: str | None) -> None: ...
    def get_layergroup(self, token: str) -> tuple[dict[str, Any], str | None] | None: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def create_api_key(self, user: str, key: ApiKey) -> None: ...
    def get_api_key(self, user: str, name: str) -> ApiKey | None: ...
    def find_api_key(self, user: str, token: str) -> ApiKey | None: ...
    def list_api_keys(self, user: str) -> list[ApiKey]: ...
    def delete_api_key(self, user: str, name: str) -> bool: ...
    def sync_config_keys(self, user: str, keys: list[ApiKey]) -> None: ...
    def close(self) -> None: ...


def default_storage_path() -> Path:
    """Where the demo configuration keeps its store: the user's state folder, not the package."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "glrender" / "carto.sqlite"


class Storage:
    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else default_storage_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self._conn()
        conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    # -- templates
    def create_template(self, user: str, name: str, body: dict[str, Any], limit: int) -> int:
        """Store a new template; returns how many the user has now."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            (count,) = conn.execute("SELECT count(*) FROM templates WHERE user = ?", (user,)).fetchone()
            if conn.execute("SELECT 1 FROM templates WHERE user = ? AND name = ?", (user, name)).fetchone():
                raise CartoError(f"Template '{name}' of user '{user}' already exists", 400, type="templates")
            if count >= limit:
                raise CartoError(f"User '{user}' reached limit on number of templates ({count}/{limit})", 409,
                                 type="templates")
            conn.execute("INSERT INTO templates VALUES (?, ?, ?, ?)", (user, name, json.dumps(body), time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return count + 1

    def update_template(self, user: str, name: str, body: dict[str, Any]) -> bool:
        conn = self._conn()
        with _transaction(conn):
            cur = conn.execute("UPDATE templates SET body = ?, updated = ? WHERE user = ? AND name = ?",
                               (json.dumps(body), time.time(), user, name))
        return cur.rowcount > 0

    def get_template(self, user: str, name: str) -> tuple[dict[str, Any], float] | None:
        row = self._conn().execute("SELECT body, updated FROM templates WHERE user = ? AND name = ?",
                                   (user, name)).fetchone()
        return (json.loads(row[0]), float(row[1])) if row else None

    def delete_template(self, user: str, name: str) -> bool:
        conn = self._conn()
        with _transaction(conn):
            cur = conn.execute("DELETE FROM templates WHERE user = ? AND name = ?", (user, name))
        return cur.rowcount > 0

    def list_templates(self, user: str) -> list[str]:
        rows = self._conn().execute("SELECT name FROM templates WHERE user = ? ORDER BY name", (user,)).fetchall()
        return [str(r[0]) for r in rows]

    # -- layergroups
    def put_layergroup(self, token: str, config: dict[str, Any], template: str | None) -> None:
        conn = self._conn()
        with _transaction(conn):
            conn.execute("INSERT OR IGNORE INTO layergroups VALUES (?, ?, ?, ?)",
                         (token, json.dumps(config, sort_keys=True), template, time.time()))

    def get_layergroup(self, token: str) -> tuple[dict[str, Any], str | None] | None:
        row = self._conn().execute("SELECT config, template FROM layergroups WHERE token = ?", (token,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    # -- API keys
    def create_api_key(self, user: str, key: ApiKey) -> None:
        conn = self._conn()
        try:
            with _transaction(conn):
                conn.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)", key_row(user, key))
        except sqlite3.IntegrityError:
            raise CartoError(f"API key '{key.name}' of user '{user}' already exists", 422, type="auth") from None

    def get_api_key(self, user: str, name: str) -> ApiKey | None:
        row = self._conn().execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE user = ? AND name = ?",
                                   (user, name)).fetchone()
        return key_from_row(row) if row else None

    def find_api_key(self, user: str, token: str) -> ApiKey | None:
        row = self._conn().execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE user = ? AND token = ?",
                                   (user, token)).fetchone()
        return key_from_row(row) if row else None

    def list_api_keys(self, user: str) -> list[ApiKey]:
        rows = self._conn().execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE user = ? ORDER BY created, name",
                                    (user,)).fetchall()
        return [key_from_row(r) for r in rows]

    def delete_api_key(self, user: str, name: str) -> bool:
        conn = self._conn()
        with _transaction(conn):
            cur = conn.execute("DELETE FROM api_keys WHERE user = ? AND name = ?", (user, name))
        return cur.rowcount > 0

    def sync_config_keys(self, user: str, keys: list[ApiKey]) -> None:
        """Make the stored keys of source ``config`` exactly ``keys``, in one transaction. A key created
        through the API with the same token or name as a configured one gives way to it."""
        conn = self._conn()
        with _transaction(conn):
            conn.execute("DELETE FROM api_keys WHERE user = ? AND source = 'config'", (user,))
            for key in keys:
                conn.execute("INSERT OR REPLACE INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)", key_row(user, key))

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        conn = self._conn()
        with _transaction(conn):
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:  # made on another thread that is gone; nothing to flush
                    pass
            self._conns.clear()
        self._local = threading.local()


def open_storage(location: str | Path | None) -> Store:
    """The store for ``[carto] storage``: a ``postgresql://`` URL or a SQLite path (None: the default)."""
    from server.carto.pgconn import is_postgres_url

    if isinstance(location, str) and is_postgres_url(location):
        from server.carto.pgconn import require_psycopg

        require_psycopg("storage")
        from server.carto.pgstorage import PostgresStorage

        return PostgresStorage(location)
    return Storage(location)


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
