"""MapConfig (layergroup) versions 1.0.0-1.8.0: checking, layer ids, the ``layer=`` filter and tokens."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from server.carto.errors import CartoError

MIN_VERSION = (1, 0, 0)
MAX_VERSION = (1, 8, 0)
TYPE_ALIASES = ("mapnik", "torque", "http", "plain")


@dataclass(frozen=True)
class MapLayer:
    index: int
    type: str  # "mapnik" (also for "cartodb" and a missing type), "http", "plain"
    id: str
    options: dict[str, Any]


@dataclass(frozen=True)
class MapConfig:
    version: str
    layers: tuple[MapLayer, ...]
    raw: dict[str, Any]

    @property
    def vector_only(self) -> bool:
        mapnik = [la for la in self.layers if la.type == "mapnik"]
        return bool(mapnik) and all("cartocss" not in la.options and "cartocss_version" not in la.options
                                    for la in mapnik)


def _version(text: Any) -> tuple[int, ...] | None:
    if not isinstance(text, str):
        return None
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(g) for g in m.groups()) if m else None


def parse_mapconfig(raw: Any) -> MapConfig:
    if not isinstance(raw, dict):
        raise CartoError("Invalid map configuration: expected a JSON object", 400, type="mapconfig")
    version = raw.get("version", "1.0.0")
    v = _version(version)
    if v is None or not MIN_VERSION <= v <= MAX_VERSION:
        raise CartoError(f"Unsupported layergroup configuration version {version}", 400, type="mapconfig")
    layers_raw = raw.get("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        raise CartoError("Missing layers array from layergroup config", 400, type="mapconfig")
    for key in ("analyses", "dataviews"):
        if raw.get(key):
            raise CartoError(f"MapConfig '{key}' are not supported by this server", 400, type="mapconfig")
    counts: dict[str, int] = {}
    layers: list[MapLayer] = []
    seen_ids: set[str] = set()
    for i, layer in enumerate(layers_raw):
        if not isinstance(layer, dict) or not isinstance(layer.get("options"), dict):
            raise CartoError(f"Missing options from layer {i} of layergroup config", 400, type="mapconfig")
        kind = layer.get("type") or "mapnik"
        if kind == "cartodb":
            kind = "mapnik"
        opts = layer["options"]
        ctx: dict[str, Any] = {"index": i, "type": kind}
        if kind == "torque":
            raise CartoError(f"Torque layers are not supported by this server (layer {i}); draw the points "
                             "with a mapnik layer and marker-* CartoCSS instead", 400, type="layer", layer=ctx)
        if kind == "mapnik":
            if not isinstance(opts.get("sql"), str) or not opts["sql"].strip():
                raise CartoError(f"Missing sql for layer {i} options", 400, type="mapconfig", layer=ctx)
        elif kind == "http":
            if not isinstance(opts.get("urlTemplate"), str):
                raise CartoError(f'Missing "urlTemplate" for http layer {i}', 400, type="mapconfig", layer=ctx)
        elif kind == "plain":
            if opts.get("color") is None and opts.get("imageUrl") is None:
                raise CartoError(f"Missing color or imageUrl for plain layer {i}", 400, type="mapconfig", layer=ctx)
        else:
            raise CartoError(f"Unsupported layer type: {kind}", 400, type="mapconfig", layer=ctx)
        k = counts.get(kind, 0)
        counts[kind] = k + 1
        default_id = f"layer{k}" if kind == "mapnik" else f"{kind}-layer{k}"
        lid = layer.get("id", default_id)
        if not isinstance(lid, str) or not lid or lid in seen_ids:
            raise CartoError(f"Invalid or duplicated layer id {lid!r} in layer {i}", 400, type="mapconfig", layer=ctx)
        seen_ids.add(lid)
        layers.append(MapLayer(i, kind, lid, opts))
    cfg = MapConfig(str(version), tuple(layers), raw)
    mapnik = [la for la in cfg.layers if la.type == "mapnik"]
    with_css = [la for la in mapnik if "cartocss" in la.options]
    if with_css and len(with_css) != len(mapnik) or (mapnik and not with_css and v < (1, 7, 0)):
        missing = next(la for la in mapnik if "cartocss" not in la.options)
        raise CartoError(f"Missing cartocss for layer {missing.index} options", 400, type="mapconfig",
                         layer={"index": missing.index, "type": "mapnik"})
    for la in with_css:
        if not isinstance(la.options["cartocss"], str):
            raise CartoError(f"Missing cartocss for layer {la.index} options", 400, type="mapconfig",
                             layer={"index": la.index, "type": "mapnik"})
    return cfg


def token_for(raw: dict[str, Any], database_id: str) -> str:
    """md5 of the canonical config plus the database it runs on: the same map gives the same token."""
    text = json.dumps({"config": raw, "db": database_id}, sort_keys=True, separators=(",", ":"))
    return hashlib.md5(text.encode()).hexdigest()


def select_layers(cfg: MapConfig, spec: str | None) -> list[MapLayer]:
    """The ``layer=`` filter: all, a type alias, indices or ids (not mixed); returned in config order."""
    if spec is None or spec == "" or spec == "all":
        return list(cfg.layers)
    if spec in TYPE_ALIASES:
        return [la for la in cfg.layers if la.type == spec]
    parts = spec.split(",")
    if all(re.fullmatch(r"\d+", p) for p in parts):
        idx = sorted({int(p) for p in parts})
        if idx[-1] >= len(cfg.layers):
            raise CartoError("Invalid layer filtering", 400, type="layer")
        return [cfg.layers[i] for i in idx]
    by_id = {la.id: la for la in cfg.layers}
    if not all(p in by_id for p in parts):
        raise CartoError("Invalid layer filtering", 400, type="layer")
    return sorted({by_id[p].index: by_id[p] for p in parts}.values(), key=lambda la: la.index)
