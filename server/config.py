"""Server configuration: one TOML (or JSON) file naming the styles to serve.

```toml
[server]
host = "127.0.0.1"
port = 8080

[[styles]]
owner = "demo"
id = "basic"
path = "styles/basic.json"   # relative to this file

[auth]
tokens = ["pk.secret"]       # empty or absent: no token needed

[limits]
requests_per_minute = 1200   # per token, or per client address without one
render_workers = 2           # worker processes, each with its own GL context; 0 renders in-process
render_timeout_s = 30        # per-request deadline (503 past it)
cache_mb = 256               # encoded images kept in memory (LRU, bounded in bytes)
worker_max_rss_mb = 1536     # a render process using more is replaced after its render (bounds growth)
tile_margin = 8              # Static Tiles: CSS px drawn around each tile and cut off, so every
                             # neighbouring tile is in the render and labels crossing an edge are
                             # drawn in both tiles; 0 turns it off

[markers]                    # custom url- markers
allow_hosts = ["icons.example.org", "127.0.0.1:8000"]   # none by default: nothing is fetched
timeout_s = 5
max_bytes = 1048576
```

Tables other packages read (``[carto]``) are kept as they are in ``ServerConfig.extra``.

Without a file the built-in demo configuration serves glrender's packaged demo styles as
``demo/basic`` and ``demo/basic-nolabels``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from glrender.errors import GlrenderError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEMO_OWNER = "demo"
DEMO_STYLE_IDS = ("basic", "basic-nolabels")
# Owner and style ids are URL path segments: keep them to characters that need no escaping.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Top-level tables owned by other server packages: passed through unchecked for them to read.
EXTRA_TABLES = ("carto",)


class ConfigError(GlrenderError):
    """The configuration file is missing or invalid. A GlrenderError so the CLI exits 2 with one line."""


@dataclass(frozen=True)
class StyleEntry:
    owner: str
    id: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.id}"


@dataclass(frozen=True)
class Limits:
    requests_per_minute: int = 1200
    render_workers: int = 2
    render_timeout_s: float = 30.0
    cache_mb: float = 256.0
    # Renderer caches fill up to their bounds, and every GL context made and released leaks ~40 KB of
    # Python objects in moderngl.create_context (seen with tracemalloc), so a worker's memory is bounded
    # by replacing it past this size (0: never).
    worker_max_rss_mb: float = 1536.0
    # Static tiles are drawn with this many CSS px around them and cut: any margin puts every
    # neighbouring tile in the render, so their labels that reach into a tile are laid out there too
    # instead of being cut at the seam (a few px cost ~6 % more pixels).
    tile_margin: int = 8


@dataclass(frozen=True)
class MarkerPolicy:
    """Which hosts custom ``url-`` markers may come from; empty means none (the safe default)."""

    allow_hosts: tuple[str, ...] = ()
    timeout_s: float = 5.0
    max_bytes: int = 1 << 20


@dataclass(frozen=True)
class ServerConfig:
    styles: tuple[StyleEntry, ...]
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    source: str = "built-in demo"
    tokens: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    markers: MarkerPolicy = field(default_factory=MarkerPolicy)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def find(self, owner: str, style_id: str) -> StyleEntry | None:
        for entry in self.styles:
            if entry.owner == owner and entry.id == style_id:
                return entry
        return None


def demo_data_dir() -> Path:
    """Folder of the packaged demo data (styles/, *.mbtiles, glyphs/)."""
    return Path(str(resources.files("glrender"))) / "data" / "demo"


def demo_config() -> ServerConfig:
    styles_dir = demo_data_dir() / "styles"
    entries = tuple(StyleEntry(DEMO_OWNER, sid, styles_dir / f"{sid}.json") for sid in DEMO_STYLE_IDS)
    return ServerConfig(styles=entries)


def load_config(path: str | Path | None) -> ServerConfig:
    """Read and check a configuration file; ``None`` gives the built-in demo configuration."""
    if path is None:
        return demo_config()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {str(path)!r}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {str(path)!r}: {exc.strerror}") from None
    is_json = file.suffix.lower() == ".json"
    try:
        data = json.loads(text) if is_json else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {'JSON' if is_json else 'TOML'}: {exc}") from None
    return parse_config(data, base_dir=file.resolve().parent, source=str(path))


def parse_config(data: Any, *, base_dir: Path, source: str = "<config>") -> ServerConfig:
    """Check a decoded configuration document; style paths resolve against ``base_dir``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the configuration must be a table/object, got {type(data).__name__}")
    unknown = set(data) - {"server", "styles", "auth", "limits", "markers", *EXTRA_TABLES}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level keys {sorted(unknown)!r}")
    server = data.get("server", {})
    if not isinstance(server, dict):
        raise ConfigError(f"{source}: [server] must be a table, got {server!r}")
    host = server.get("host", DEFAULT_HOST)
    if not isinstance(host, str) or not host:
        raise ConfigError(f"{source}: server.host must be a non-empty string, got {host!r}")
    port = server.get("port", DEFAULT_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{source}: server.port must be an integer 1-65535, got {port!r}")
    raw_styles = data.get("styles")
    if not isinstance(raw_styles, list) or not raw_styles:
        raise ConfigError(f"{source}: needs at least one [[styles]] entry with owner, id and path")
    entries: list[StyleEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_styles):
        entry = _style_entry(raw, f"{source}: styles[{i}]", base_dir)
        if entry.key in seen:
            raise ConfigError(f"{source}: styles[{i}]: duplicate style {entry.key!r}")
        seen.add(entry.key)
        entries.append(entry)
    return ServerConfig(styles=tuple(entries), host=host, port=port, source=source,
                        tokens=_tokens(data.get("auth", {}), source), limits=_limits(data.get("limits", {}), source),
                        markers=_markers(data.get("markers", {}), source),
                        extra={k: data[k] for k in EXTRA_TABLES if k in data})


def _table(raw: Any, name: str, keys: set[str], source: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{name}] must be a table, got {raw!r}")
    unknown = set(raw) - keys
    if unknown:
        raise ConfigError(f"{source}: [{name}] has unknown keys {sorted(unknown)!r}")
    return raw


def _number(raw: dict[str, Any], key: str, default: float, where: str, *, minimum: float,
            integer: bool = False) -> Any:
    value = raw.get(key, default)
    ok_type = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type) or value < minimum:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{where}.{key} must be {kind} >= {minimum:g}, got {value!r}")
    return value


def _tokens(raw: Any, source: str) -> tuple[str, ...]:
    table = _table(raw, "auth", {"tokens"}, source)
    tokens = table.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise ConfigError(f"{source}: auth.tokens must be a list of non-empty strings, got {tokens!r}")
    return tuple(tokens)


def _limits(raw: Any, source: str) -> Limits:
    keys = {"requests_per_minute", "render_workers", "render_timeout_s", "cache_mb", "worker_max_rss_mb",
            "tile_margin"}
    table = _table(raw, "limits", keys, source)
    where = f"{source}: limits"
    d = Limits()
    return Limits(
        requests_per_minute=_number(table, "requests_per_minute", d.requests_per_minute, where, minimum=1,
                                    integer=True),
        render_workers=_number(table, "render_workers", d.render_workers, where, minimum=0, integer=True),
        render_timeout_s=float(_number(table, "render_timeout_s", d.render_timeout_s, where, minimum=0.1)),
        cache_mb=float(_number(table, "cache_mb", d.cache_mb, where, minimum=0)),
        worker_max_rss_mb=float(_number(table, "worker_max_rss_mb", d.worker_max_rss_mb, where, minimum=0)),
        tile_margin=_tile_margin(table, d.tile_margin, where),
    )


def _tile_margin(table: dict[str, Any], default: int, where: str) -> int:
    margin = int(_number(table, "tile_margin", default, where, minimum=0, integer=True))
    if margin > 1024:
        raise ConfigError(f"{where}.tile_margin must be at most 1024 (CSS px around a tile), got {margin}")
    return margin


def _markers(raw: Any, source: str) -> MarkerPolicy:
    table = _table(raw, "markers", {"allow_hosts", "timeout_s", "max_bytes"}, source)
    hosts = table.get("allow_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError(f"{source}: markers.allow_hosts must be a list of host names, got {hosts!r}")
    d = MarkerPolicy()
    where = f"{source}: markers"
    return MarkerPolicy(
        allow_hosts=tuple(h.lower() for h in hosts),
        timeout_s=float(_number(table, "timeout_s", d.timeout_s, where, minimum=0.1)),
        max_bytes=_number(table, "max_bytes", d.max_bytes, where, minimum=1024, integer=True),
    )


def _style_entry(raw: Any, where: str, base_dir: Path) -> StyleEntry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table with owner, id and path, got {raw!r}")
    unknown = set(raw) - {"owner", "id", "path"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)!r}")
    for key in ("owner", "id"):
        value = raw.get(key)
        if not isinstance(value, str) or not _NAME.match(value):
            raise ConfigError(f"{where}.{key} must be letters, digits, '_', '-' or '.', got {value!r}")
    path = raw.get("path")
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{where}.path must be a file path, got {path!r}")
    resolved = (base_dir / path).resolve()
    if not resolved.is_file():
        raise ConfigError(f"{where}.path: style file not found: {str(resolved)!r}")
    return StyleEntry(owner=raw["owner"], id=raw["id"], path=resolved)
