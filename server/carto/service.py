"""The CARTO Maps API without HTTP: creating layergroups, templates and static views.

routes.py turns requests into calls here; everything here raises CartoError with CARTO's message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

from server.carto import template as tpl
from server.carto.cartocss.evaluate import at_zoom
from server.carto.cartocss.parse import Stylesheet
from server.carto.config import CartoConfig
from server.carto.datasource import Database, open_database
from server.carto.errors import CartoError
from server.carto.geometry import View, bbox_view
from server.carto.keys import ApiKey, config_keys
from server.carto.mapconfig import MapConfig, parse_mapconfig, select_layers, token_for
from server.carto.render import RenderThread, StyleBuilder, http_allowed
from server.carto.storage import Store, open_storage


@dataclass(frozen=True)
class Layergroup:
    token: str  # md5 only
    config: MapConfig
    template: str | None
    cachebuster: int  # ms


def referenced_fields(sheet: Stylesheet) -> set[str]:
    """Attribute names a stylesheet reads (filters and [field] values): Mapnik asks the query for them."""
    names: set[str] = set()

    def walk(e: Any) -> None:
        if isinstance(e, tuple) and e:
            if e[0] == "field":
                names.add(e[1])
            for part in e[1:]:
                if isinstance(part, tuple):
                    walk(part)
                elif isinstance(part, list):
                    for x in part:
                        walk(x)

    for rule in sheet.rules:
        names.update(f.field for f in rule.selector.filters if f.field not in ("zoom", "mapnik::geometry_type"))
        for _, expr in rule.decls:
            walk(expr)
    return names


class CartoService:
    def __init__(self, config: CartoConfig) -> None:
        self.config = config
        self.db: Database = open_database(config.database, config.statement_timeout)
        self.storage: Store = open_storage(config.storage)
        self.builder = StyleBuilder(self.db, config.http_allowlist)
        self.renderer = RenderThread()
        self.database_id = config.database or "demo.gpkg"
        self.database_name = _database_name(config.database)
        # The file's keys replace the stored keys of source "config": removing one from the file revokes it.
        self.storage.sync_config_keys(config.user, config_keys(config.master_api_key, config.api_keys))
        if config.demo_map:
            self._seed_demo()

    def close(self) -> None:
        self.renderer.close()
        self.builder.close()
        self.storage.close()
        self.db.close()

    def _seed_demo(self) -> None:
        # Seeded once: deleting the demo template is then respected across restarts.
        if self.storage.get_meta("demo_seeded"):
            return
        from server.config import demo_data_dir

        body = json.loads((demo_data_dir() / "carto" / "world_population.json").read_text(encoding="utf-8"))
        try:
            self.storage.create_template(self.config.user, body["name"], body, self.config.max_templates)
        except CartoError:
            pass  # already there, or the store is full: leave it as the operator has it
        self.storage.set_meta("demo_seeded", "1")

    def api_key(self, token: str) -> ApiKey | None:
        """The stored key with this token (the master key, a configured or an API-created regular key)."""
        return self.storage.find_api_key(self.config.user, token)

    def data_modified(self, cfg: MapConfig) -> float:
        """When the map's data last changed: the newest modification time of the tables its layers read
        (CARTO: CDB_TableMetadata's updated_at), else the database's own time, else now."""
        try:
            tables = self.affected_tables(cfg)
            stamp = self.db.tables_modified(tables) if tables else None
            return float(stamp) if stamp is not None else float(self.db.last_modified())
        except CartoError:
            return time.time()

    def image_headers(self, cfg: MapConfig, cachebuster_ms: int, template: str | None = None) -> dict[str, str]:
        """Last-Modified (the token's cache buster, else the data's time) and CARTO's cache-invalidation
        headers naming the tables an image reads: X-Cache-Channel and Surrogate-Key."""
        try:
            tables = self.affected_tables(cfg)
        except CartoError:
            tables = []
        modified = cachebuster_ms / 1000 if cachebuster_ms else self.data_modified(cfg)
        headers = {"Last-Modified": formatdate(modified, usegmt=True)}
        names = [_qualified(t) for t in tables]
        keys = [f"t:{_short_hash(f'{self.database_name}:{n}')}" for n in names]
        if template:
            keys.append(f"n:{_short_hash(f'{self.config.user}:{template}')}")
        if names:
            headers["X-Cache-Channel"] = f"{self.database_name}:{','.join(names)}"
        if keys:
            headers["Surrogate-Key"] = " ".join(keys)
        return headers

    def affected_tables(self, cfg: MapConfig) -> list[str]:
        """The tables the mapnik layers read (from their SQL, plus ``affected_tables``)."""
        tables: list[str] = []
        for layer in cfg.layers:
            if layer.type != "mapnik":
                continue
            tables.extend(self.db.affected_tables(layer.options["sql"]))
            extra = layer.options.get("affected_tables")
            if isinstance(extra, list):
                tables.extend(str(x) for x in extra)
        return sorted(set(tables))

    # -- layergroups
    def validate(self, cfg: MapConfig) -> list[str]:
        """CARTO checks a map when it is created: SQL, CartoCSS and http templates. Returns warnings."""
        warnings: list[str] = []
        for layer in cfg.layers:
            ctx = {"id": layer.id, "index": layer.index, "type": layer.type}
            try:
                if layer.type == "http" and not http_allowed(str(layer.options["urlTemplate"]),
                                                             self.config.http_allowlist):
                    raise CartoError('Invalid "urlTemplate" for http layer', 400, type="layer")
                if layer.type == "plain" and layer.options.get("color") is None:
                    image = layer.options.get("imageUrl")
                    if not isinstance(image, str):
                        raise CartoError(f"Invalid imageUrl for plain layer: {image!r}", 400, type="layer")
                    self.builder.patterns.check(image)
                if layer.type == "plain" and layer.options.get("color") is not None:
                    from server.carto.render import plain_color

                    if plain_color(layer.options["color"]) is None:
                        raise CartoError(f"Invalid color for plain layer: {layer.options['color']!r}", 400,
                                         type="layer")
                if layer.type != "mapnik":
                    continue
                geom = str(layer.options.get("geom_column") or "the_geom_webmercator")
                columns = self.db.check(layer.options["sql"], geom)
                css = layer.options.get("cartocss")
                if isinstance(css, str):
                    sheet = self.builder.stylesheet(css)
                    version = str(layer.options.get("cartocss_version", "2.3.0"))
                    for z in (0, 10, 20):  # evaluation problems (unknown variables) show at some zoom
                        warnings.extend(w for w in at_zoom(sheet, z, version).warnings if w not in warnings)
                    if columns is not None:
                        missing = sorted(referenced_fields(sheet) - set(columns))
                        if missing:
                            raise CartoError(f'column "{missing[0]}" does not exist', 400, type="database")
            except CartoError as exc:
                if exc.layer is None:
                    exc.layer = ctx
                raise
        return warnings

    def create_layergroup(self, raw: Any, template: str | None = None,
                          template_hash: str | None = None) -> tuple[dict[str, Any], str]:
        cfg = parse_mapconfig(raw)
        warnings = self.validate(cfg)
        token = token_for(cfg.raw, self.database_id)
        self.storage.put_layergroup(token, cfg.raw, template)
        modified = self.data_modified(cfg)
        buster = int(modified * 1000)
        public = f"{self.config.user}@{template_hash}@{token}" if template_hash else token
        layergroupid = f"{public}:{buster}"
        layers = []
        for layer in cfg.layers:
            meta: dict[str, Any] = {"stats": [], "cartocss": layer.options.get("cartocss")} \
                if layer.type == "mapnik" else {}
            layers.append({"type": layer.type, "id": layer.id, "meta": meta})
        body = {
            "layergroupid": layergroupid,
            "last_updated": datetime.fromtimestamp(modified, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "metadata": {"layers": layers, "warnings": warnings},
        }
        return body, layergroupid

    def load_layergroup(self, token: str, auth_tokens: list[str]) -> Layergroup:
        text, _, buster = token.partition(":")
        parts = text.split("@")
        md5 = parts[-1]
        found = self.storage.get_layergroup(md5) if len(parts) in (1, 3) else None
        if found is None:
            raise CartoError(f"Invalid or nonexistent map configuration token '{md5}'", 400, type="unknown")
        raw, template_name = found
        if len(parts) == 3:
            if parts[0] != self.config.user:
                raise CartoError(f'Cannot use map signature of user "{parts[0]}" on db of user '
                                 f'"{self.config.user}"', 403, type="auth")
            if template_name is not None:
                stored = self.storage.get_template(self.config.user, template_name)
                if stored is not None and not tpl.authorize(stored[0], auth_tokens):
                    raise CartoError("Sorry, you are unauthorized (permission denied)", 403, type="auth")
        cachebuster = int(buster) if buster.isdigit() else 0
        return Layergroup(md5, parse_mapconfig(raw), template_name, cachebuster)

    # -- templates
    def template(self, name: str, missing: str) -> dict[str, Any]:
        found = self.storage.get_template(self.config.user, template_name(name))
        if found is None:
            raise CartoError(missing.format(name=template_name(name), user=self.config.user), 404,
                             type="templates")
        return found[0]

    def instantiate(self, name: str, params: Any, auth_tokens: list[str]) -> tuple[dict[str, Any], str, dict]:
        t = self.template(name, "Template '{name}' of user '{user}' not found")
        if not tpl.authorize(t, auth_tokens):
            raise CartoError("Unauthorized template instantiation", 403, type="auth")
        mapconfig = tpl.instantiate(t, params)
        body, token = self.create_layergroup(mapconfig, t["name"], tpl.template_hash(t))
        return body, token, t

    # -- static views
    def named_view(self, t: dict[str, Any], cfg: MapConfig, query: dict[str, str], width: int,
                   height: int) -> View:
        """The extent of a named static image, in CARTO's precedence order."""
        zoom, lon, lat = (_finite(query.get(k)) for k in ("zoom", "lon", "lat"))
        if zoom is not None and lon is not None and lat is not None:
            return View(_int_zoom(zoom), lon, lat, width, height)
        bbox = _bbox(query.get("bbox"))
        if bbox is not None:
            return bbox_view(*bbox, width, height)
        view: dict[str, Any] = t["view"] if isinstance(t.get("view"), dict) else {}
        vzoom = zoom if zoom is not None else _finite(view.get("zoom"))
        center: dict[str, Any] = view["center"] if isinstance(view.get("center"), dict) else {}
        clng, clat = _finite(center.get("lng")), _finite(center.get("lat"))
        if vzoom is not None and clng is not None and clat is not None:
            return View(_int_zoom(vzoom), clng, clat, width, height)
        bounds: dict[str, Any] = view["bounds"] if isinstance(view.get("bounds"), dict) else {}
        w, s, e, n = (_finite(bounds.get(k)) for k in ("west", "south", "east", "north"))
        if w is not None and s is not None and e is not None and n is not None:
            return bbox_view(w, s, e, n, width, height)
        extent = self.estimated_extent(cfg)
        if extent is not None:
            return bbox_view(*extent, width, height)
        return View(1, 0.0, 0.0, width, height)

    def estimated_extent(self, cfg: MapConfig) -> tuple[float, float, float, float] | None:
        """Whole-table extent of the tables the layers read; None on any error (CARTO falls back)."""
        try:
            tables = self.affected_tables(cfg)
            return self.db.tables_extent(tables) if tables else None
        except CartoError:
            return None

    def preview_layers(self, t: dict[str, Any], cfg: MapConfig) -> str | None:
        view: dict[str, Any] = t["view"] if isinstance(t.get("view"), dict) else {}
        hidden: dict[str, Any] = view["preview_layers"] if isinstance(view.get("preview_layers"), dict) else {}
        if not hidden:
            return None
        keep = [str(la.index) for la in cfg.layers
                if hidden.get(str(la.index)) is not False and hidden.get(la.id) is not False]
        return ",".join(keep) if keep else None

    async def render(self, cfg: MapConfig, layer_filter: str | None, view: View, fmt: str) -> bytes:
        from starlette.concurrency import run_in_threadpool

        from server.carto.render import encode, render_kwargs

        if cfg.vector_only:
            raise CartoError("Unsupported format: a map without CartoCSS has no image", 400, type="mapconfig")
        layers = select_layers(cfg, layer_filter)
        if layer_filter not in (None, "", "all") and not layers:
            raise CartoError("Invalid layer filtering", 400, type="layer")
        kwargs, px = render_kwargs(view)
        style, _warnings = await run_in_threadpool(self.builder.style, layers, view, px)
        array = await self.renderer.render(style, kwargs)
        return await run_in_threadpool(encode, array, fmt)


def _database_name(location: str | None) -> str:
    """The name X-Cache-Channel gives the database: a PostgreSQL URL's database, a file's stem."""
    from urllib.parse import urlsplit

    if location is None:
        return "demo"
    if location.startswith(("postgresql://", "postgres://")):
        return urlsplit(location).path.lstrip("/") or "postgres"
    return Path(location).stem


def _qualified(table: str) -> str:
    """``schema.table`` without quotes; SQLite tables are in its ``main`` schema."""
    name = table.replace('"', "")
    return name if "." in name else f"main.{name}"


def _short_hash(text: str) -> str:
    """Windshaft-cartodb's short key: the first 6 characters of the base64 SHA-256."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()[:6]


def template_name(name: str) -> str:
    """``@name`` and ``user@name`` both mean the template ``name``."""
    return name.split("@", 1)[1] if "@" in name else name


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _int_zoom(z: float) -> int:
    return max(0, min(24, int(z)))


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    parts = [_finite(p) for p in text.split(",")]
    if len(parts) != 4 or any(p is None for p in parts):
        return None
    w, s, e, n = (float(p) for p in parts if p is not None)
    return w, s, e, n
