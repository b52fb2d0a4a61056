"""API keys as CARTO has them: one ``master`` key per account, ``regular`` keys with API grants, and the
implicit ``default_public`` key of a request that sends none.

Keys live in the same store as templates (SQLite or PostgreSQL), so keys created through the Auth API
(``/api/v3/api_keys``, a subset: create, list, read, delete, with the master key) survive restarts.
The configuration's ``master_api_key`` and ``api_keys`` are written into the store at start-up as
keys of source ``config``; keys of that source missing from the configuration are removed then, so
taking a key out of the file revokes it.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.carto.errors import CartoError

MASTER_NAME = "Master"  # CARTO's name for the master key
DEFAULT_PUBLIC = "Default public"
KNOWN_APIS = ("maps", "sql")
_NAME = re.compile(r"^[^\x00-\x1f/]{1,120}$")  # a path segment: no slash, no control characters


@dataclass(frozen=True)
class ApiKey:
    name: str
    token: str
    type: str  # "master" or "regular"
    grants: tuple[dict[str, Any], ...]  # as the Auth API takes them: {"type": "apis", "apis": [...]}, ...
    source: str  # "config" (from the configuration file) or "api" (created through the Auth API)
    created: float

    @property
    def apis(self) -> frozenset[str]:
        if self.type == "master":
            return frozenset(KNOWN_APIS)
        found: set[str] = set()
        for grant in self.grants:
            if grant.get("type") == "apis" and isinstance(grant.get("apis"), list):
                found.update(str(a) for a in grant["apis"])
        return frozenset(found)

    def grants_maps(self) -> bool:
        return "maps" in self.apis


def config_keys(master: str | None, regular: tuple[str, ...], now: float | None = None) -> list[ApiKey]:
    """The keys the configuration file names, as stored keys of source ``config``."""
    now = time.time() if now is None else now
    keys = [ApiKey(MASTER_NAME, master, "master", ({"type": "apis", "apis": list(KNOWN_APIS)},), "config", now)] \
        if master else []
    maps = ({"type": "apis", "apis": ["maps"]},)
    keys += [ApiKey(f"config {i + 1}", token, "regular", maps, "config", now) for i, token in enumerate(regular)]
    return keys


def new_key(body: Any, now: float | None = None) -> ApiKey:
    """A regular key from an Auth API request body ``{"name": ..., "grants": [...]}``."""
    if not isinstance(body, dict):
        raise CartoError("API key must be a JSON object with name and grants", 422, type="auth")
    name = body.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name.strip() != name:
        raise CartoError(f"Invalid API key name: {name!r}", 422, type="auth")
    if name in (MASTER_NAME, DEFAULT_PUBLIC) or name.startswith("config "):
        raise CartoError(f"API key name '{name}' is reserved", 422, type="auth")
    grants = body.get("grants")
    if not isinstance(grants, list) or not all(isinstance(g, dict) for g in grants):
        raise CartoError("grants must be a list of objects", 422, type="auth")
    apis: list[str] = []
    for grant in grants:
        if grant.get("type") == "apis":
            values = grant.get("apis")
            if not isinstance(values, list) or any(v not in KNOWN_APIS for v in values):
                raise CartoError(f"apis grant must list some of {list(KNOWN_APIS)}, got {values!r}", 422,
                                 type="auth")
            apis.extend(values)
    if not apis:
        raise CartoError("grants must include an apis grant with at least one API", 422, type="auth")
    return ApiKey(name, secrets.token_urlsafe(24), "regular", tuple(grants), "api",
                  time.time() if now is None else now)


def key_json(key: ApiKey, user: str, base_url: str) -> dict[str, Any]:
    stamp = datetime.fromtimestamp(key.created, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"name": key.name, "user": {"username": user}, "type": key.type, "token": key.token,
            "grants": list(key.grants), "created_at": stamp, "updated_at": stamp,
            "_links": {"self": f"{base_url.rstrip('/')}/api/v3/api_keys/{key.name}"}}


def key_row(user: str, key: ApiKey) -> tuple[Any, ...]:
    """The column values both stores keep: user, name, token, type, grants (JSON), source, created."""
    import json

    return (user, key.name, key.token, key.type, json.dumps(list(key.grants)), key.source, key.created)


def key_from_row(row: tuple[Any, ...]) -> ApiKey:
    """An ApiKey from the columns name, token, type, grants, source, created."""
    import json

    name, token, kind, grants, source, created = row
    return ApiKey(str(name), str(token), str(kind), tuple(json.loads(grants)), str(source), float(created))


KEY_COLUMNS = "name, token, type, grants, source, created"
