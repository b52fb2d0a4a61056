"""Named-map templates, API keys, layergroup configs and markers in PostgreSQL (``[carto] storage = "postgresql://..."``).

The same contract as the SQLite store (server/carto/storage.py): a write is acknowledged only after
its transaction has committed with ``synchronous_commit = on`` (forced per session, whatever the
server's default), so a template the API answered 200 for is on disk at PostgreSQL even if our
process is SIGKILLed the next instant. Creating a template takes a per-user advisory lock inside the
transaction, so the limit check and the insert cannot interleave with a concurrent creation under
READ COMMITTED.

Tables are created in the first schema of the connection's ``search_path`` (``public`` unless the
URL says otherwise, e.g. ``?options=-csearch_path%3Dcarto``), with a ``glrender_carto_`` prefix so
they can share a database with the layer data.
"""

from __future__ import annotations

import json
import time
from typing import Any

from server.carto.errors import CartoError
from server.carto.keys import KEY_COLUMNS, ApiKey, key_from_row, key_row
from server.carto.pgconn import Pool, translate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS glrender_carto_templates (username text NOT NULL, name text NOT NULL,
    body text NOT NULL, updated double precision NOT NULL, PRIMARY KEY (username, name));
CREATE TABLE IF NOT EXISTS glrender_carto_layergroups (token text PRIMARY KEY, config text NOT NULL,
    template text, created double precision NOT NULL);
CREATE TABLE IF NOT EXISTS glrender_carto_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS glrender_carto_api_keys (username text NOT NULL, name text NOT NULL,
    token text NOT NULL UNIQUE, type text NOT NULL, grants text NOT NULL, source text NOT NULL,
    created double precision NOT NULL, PRIMARY KEY (username, name));
"""
# Any constant shared by all glrender processes: advisory locks are keyed by (this, hash of user).
_LOCK_SPACE = 0x676C72


class PostgresStorage:
    def __init__(self, url: str) -> None:
        self._pool = Pool(url, autocommit=True, setup=self._setup)
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    # Two servers starting at once race on CREATE TABLE IF NOT EXISTS; serialise them.
                    conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_LOCK_SPACE,))
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        conn.execute(statement)
            except Exception as exc:
                raise _storage_error(exc) from None

    @staticmethod
    def _setup(conn: Any) -> None:
        conn.execute("SET synchronous_commit = on")
        conn.execute("SET default_transaction_read_only = off")

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            try:
                cur = conn.execute(sql, params)
                return cur.fetchall() if cur.description else []
            except Exception as exc:
                raise _storage_error(exc) from None

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        """One statement in its own committed transaction; returns the affected row count."""
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    return int(conn.execute(sql, params).rowcount)
            except Exception as exc:
                raise _storage_error(exc) from None

    # -- templates
    def create_template(self, user: str, name: str, body: dict[str, Any], limit: int) -> int:
        """Store a new template; returns how many the user has now."""
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, user))
                    row = conn.execute("SELECT count(*), count(*) FILTER (WHERE name = %s) "
                                       "FROM glrender_carto_templates WHERE username = %s", (name, user)).fetchone()
                    count, same = (int(row[0]), int(row[1])) if row else (0, 0)
                    if same:
                        raise CartoError(f"Template '{name}' of user '{user}' already exists", 400, type="templates")
                    if count >= limit:
                        raise CartoError(f"User '{user}' reached limit on number of templates ({count}/{limit})",
                                         409, type="templates")
                    conn.execute("INSERT INTO glrender_carto_templates VALUES (%s, %s, %s, %s)",
                                 (user, name, json.dumps(body), time.time()))
            except CartoError:
                raise
            except Exception as exc:
                raise _storage_error(exc) from None
        return count + 1

    def update_template(self, user: str, name: str, body: dict[str, Any]) -> bool:
        return self._write("UPDATE glrender_carto_templates SET body = %s, updated = %s "
                           "WHERE username = %s AND name = %s", (json.dumps(body), time.time(), user, name)) > 0

    def get_template(self, user: str, name: str) -> tuple[dict[str, Any], float] | None:
        rows = self._run("SELECT body, updated FROM glrender_carto_templates WHERE username = %s AND name = %s",
                         (user, name))
        return (json.loads(rows[0][0]), float(rows[0][1])) if rows else None

    def delete_template(self, user: str, name: str) -> bool:
        return self._write("DELETE FROM glrender_carto_templates WHERE username = %s AND name = %s", (user, name)) > 0

    def list_templates(self, user: str) -> list[str]:
        rows = self._run("SELECT name FROM glrender_carto_templates WHERE username = %s ORDER BY name", (user,))
        return [str(r[0]) for r in rows]

    # -- layergroups
    def put_layergroup(self, token: str, config: dict[str, Any], template: str | None) -> None:
        self._write("INSERT INTO glrender_carto_layergroups VALUES (%s, %s, %s, %s) ON CONFLICT (token) DO NOTHING",
                    (token, json.dumps(config, sort_keys=True), template, time.time()))

    def get_layergroup(self, token: str) -> tuple[dict[str, Any], str | None] | None:
        rows = self._run("SELECT config, template FROM glrender_carto_layergroups WHERE token = %s", (token,))
        return (json.loads(rows[0][0]), rows[0][1]) if rows else None

    # -- API keys
    def create_api_key(self, user: str, key: ApiKey) -> None:
        if not self._write("INSERT INTO glrender_carto_api_keys VALUES (%s, %s, %s, %s, %s, %s, %s) "
                           "ON CONFLICT DO NOTHING", key_row(user, key)):
            raise CartoError(f"API key '{key.name}' of user '{user}' already exists", 422, type="auth")

    def get_api_key(self, user: str, name: str) -> ApiKey | None:
        rows = self._run(f"SELECT {KEY_COLUMNS} FROM glrender_carto_api_keys WHERE username = %s AND name = %s",
                         (user, name))
        return key_from_row(rows[0]) if rows else None

    def find_api_key(self, user: str, token: str) -> ApiKey | None:
        rows = self._run(f"SELECT {KEY_COLUMNS} FROM glrender_carto_api_keys WHERE username = %s AND token = %s",
                         (user, token))
        return key_from_row(rows[0]) if rows else None

    def list_api_keys(self, user: str) -> list[ApiKey]:
        rows = self._run(f"SELECT {KEY_COLUMNS} FROM glrender_carto_api_keys WHERE username = %s "
                         "ORDER BY created, name COLLATE \"C\"", (user,))  # as SQLite orders
        return [key_from_row(r) for r in rows]

    def delete_api_key(self, user: str, name: str) -> bool:
        return self._write("DELETE FROM glrender_carto_api_keys WHERE username = %s AND name = %s", (user, name)) > 0

    def sync_config_keys(self, user: str, keys: list[ApiKey]) -> None:
        """Make the stored keys of source ``config`` exactly ``keys``, in one transaction (see storage.py)."""
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, user))
                    conn.execute("DELETE FROM glrender_carto_api_keys WHERE username = %s AND source = 'config'",
                                 (user,))
                    for key in keys:
                        conn.execute("DELETE FROM glrender_carto_api_keys WHERE name = %s AND username = %s "
                                     "OR token = %s", (key.name, user, key.token))
                        conn.execute("INSERT INTO glrender_carto_api_keys VALUES (%s, %s, %s, %s, %s, %s, %s)",
                                     key_row(user, key))
            except Exception as exc:
                raise _storage_error(exc) from None

    # -- meta
    def get_meta(self, key: str) -> str | None:
        rows = self._run("SELECT value FROM glrender_carto_meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._write("INSERT INTO glrender_carto_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                    "EXCLUDED.value", (key, value))

    def close(self) -> None:
        self._pool.close()


def _storage_error(exc: Exception) -> CartoError:
    """Storage failures are the server's, not the client's: always a 500, with PostgreSQL's reason."""
    if isinstance(exc, CartoError):
        exc.status = exc.status or 500
        return exc
    error = translate(exc)
    return CartoError(f"storage: {error.message}", 500, type="unknown")
