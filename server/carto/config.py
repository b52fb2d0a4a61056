"""The ``[carto]`` table of the server configuration.

```toml
[carto]
master_api_key = "secret"            # named-map CRUD; without it that part of the API answers 401/403
api_keys = ["regular-key"]           # keys that may instantiate maps but not manage templates
database = "data/my.gpkg"            # GeoPackage/SQLite path or postgresql:// URL (default: the demo gpkg)
storage = "state/carto.sqlite"       # templates, layergroups: SQLite path or postgresql:// URL
http_allowlist = ["*.tile.openstreetmap.org", "/srv/tiles"]   # hosts or folders http layers may use
user = "glrender"                    # the account name every /user/{name}/ prefix and host maps to
max_templates = 4096
statement_timeout = 10               # seconds per layer query
require_api_key = false              # demand a key for anonymous maps (POST/GET /api/v1/map)
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.config import ConfigError

_KEYS = {"master_api_key", "api_keys", "database", "storage", "http_allowlist", "user", "max_templates",
         "statement_timeout", "require_api_key", "demo_map"}


@dataclass(frozen=True)
class CartoConfig:
    master_api_key: str | None = None
    api_keys: tuple[str, ...] = ()
    database: str | None = None  # None: the packaged demo.gpkg
    storage: str | None = None  # None: the user's state folder
    http_allowlist: tuple[str, ...] = ()
    user: str = "glrender"
    max_templates: int = 4096
    statement_timeout: float = 10.0
    require_api_key: bool = False
    demo_map: bool = True  # seed the demo named map once into the store
    extra: dict[str, Any] = field(default_factory=dict)


def parse_carto(raw: Any, base_dir: Path | None = None) -> CartoConfig:
    if raw is None:
        return CartoConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"[carto] must be a table, got {raw!r}")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"[carto]: unknown keys {sorted(unknown)!r}")

    def path(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"carto.{key} must be a path or URL string, got {value!r}")
        if value.startswith(("postgresql://", "postgres://")) or base_dir is None:
            return value
        return str((base_dir / value).resolve())

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"carto.{key} must be a list of strings, got {value!r}")
        return tuple(value)

    master = raw.get("master_api_key")
    if master is not None and (not isinstance(master, str) or not master):
        raise ConfigError(f"carto.master_api_key must be a non-empty string, got {master!r}")
    limit = raw.get("max_templates", 4096)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"carto.max_templates must be a positive integer, got {limit!r}")
    timeout = raw.get("statement_timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"carto.statement_timeout must be a positive number of seconds, got {timeout!r}")
    user = raw.get("user", "glrender")
    if not isinstance(user, str) or not user:
        raise ConfigError(f"carto.user must be a non-empty string, got {user!r}")
    for key in ("require_api_key", "demo_map"):
        if not isinstance(raw.get(key, False), bool):
            raise ConfigError(f"carto.{key} must be true or false")
    return CartoConfig(master, strings("api_keys"), path("database"), path("storage"), strings("http_allowlist"),
                       user, limit, float(timeout), bool(raw.get("require_api_key", False)),
                       bool(raw.get("demo_map", True)))
