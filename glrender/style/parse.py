"""Parse a style document (file, JSON text or dict) into the frozen :class:`Style`.

Policy, so one bad corner never takes a whole map down and real mistakes are still reported:
* unknown layer types and unknown properties are skipped with one logged warning each;
* wrong value types, missing sources, duplicate ids and bad JSON raise StyleError with a JSON path
  (``layers[4].paint.line-width``) and the offending value.
Warnings go to ``logging.getLogger("glrender.style")``, not ``warnings``, because the test suite
turns warnings into errors. No URL is resolved and no file but the style itself is opened.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glrender.errors import StyleError
from glrender.style._js import is_number
from glrender.style.filters import compile_filter
from glrender.style.properties import (
    LAYER_TYPES,
    LIGHT_PROPERTIES,
    PropertyValue,
    compile_property,
    layer_properties,
    property_spec,
)
from glrender.style.spec import Layer, Light, SourceSpec, Style

log = logging.getLogger("glrender.style")

_SOURCE_KEYS = {"type", "url", "tiles", "minzoom", "maxzoom", "tileSize", "scheme", "bounds", "attribution",
                "data", "coordinates", "encoding"}


def _load(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    if isinstance(source, Mapping):
        return source, None
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return _decode(source, "<string>"), None
    path = Path(os.fspath(source))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StyleError("", f"style file not found: {str(path)!r}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise StyleError("", f"cannot read style file {str(path)!r}: {e}") from None
    return _decode(text, str(path)), str(path.resolve().parent)


def _decode(text: str, where: str) -> Mapping[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise StyleError("", f"invalid JSON in {where!r} at line {e.lineno}, column {e.colno}: "
                             f"{e.msg}") from None
    if not isinstance(doc, dict):
        raise StyleError("", f"a style must be a JSON object; found {type(doc).__name__}: {str(doc)[:80]!r}")
    return doc


def _num(value: Any, path: str, default: float | None) -> float | None:
    if value is None:
        return default
    if not is_number(value):
        raise StyleError(path, f"number expected, {type(value).__name__} found: {value!r}")
    return float(value)


def _str(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise StyleError(path, f"string expected, {type(value).__name__} found: {value!r}")
    return value


def parse_source(sid: str, raw: Any, path: str) -> SourceSpec:
    if not isinstance(raw, dict):
        raise StyleError(path, f"source must be an object; found {raw!r}")
    stype = raw.get("type")
    if not isinstance(stype, str):
        raise StyleError(f"{path}.type", f"source type must be a string; found {stype!r}")
    if stype not in ("vector", "raster", "raster-dem", "geojson", "image", "video"):
        # The spec's source types are a closed set, and MapLibre refuses others too: a clear error
        # beats a map that silently lacks a source.
        raise StyleError(f"{path}.type", f"unknown source type {stype!r} (expected vector, raster, raster-dem, "
                         "geojson, image or video)")
    tiles = raw.get("tiles")
    if tiles is not None:
        if not isinstance(tiles, list) or not all(isinstance(t, str) for t in tiles):
            raise StyleError(f"{path}.tiles", f"array of strings expected; found {tiles!r}")
        tiles = tuple(tiles)
    bounds = raw.get("bounds")
    if bounds is not None:
        if not isinstance(bounds, list) or len(bounds) != 4 or not all(is_number(b) for b in bounds):
            raise StyleError(f"{path}.bounds", f"array of 4 numbers expected; found {bounds!r}")
        bounds = tuple(float(b) for b in bounds)
    coords = raw.get("coordinates")
    if coords is not None:
        if not isinstance(coords, list) or len(coords) != 4 or not all(
                isinstance(c, list) and len(c) == 2 and all(is_number(x) for x in c) for c in coords):
            raise StyleError(f"{path}.coordinates", f"four [lng, lat] pairs expected; found {coords!r}")
        coords = tuple((float(c[0]), float(c[1])) for c in coords)
    scheme = raw.get("scheme", "xyz")
    if scheme not in ("xyz", "tms"):
        raise StyleError(f"{path}.scheme", f"expected one of [xyz, tms], {scheme!r} found")
    max_default = 18 if stype == "geojson" else 22
    tile_size = _num(raw.get("tileSize"), f"{path}.tileSize", 512)
    data = raw.get("data")
    if stype == "geojson" and not isinstance(data, (dict, str)):
        # GL JS accepts the style and fails only when loading the data: the source draws nothing.
        log.warning("%s.data: GeoJSON object or URL string expected; found %r", path, data)
    return SourceSpec(
        id=sid, type=stype, url=_str(raw.get("url"), f"{path}.url"), tiles=tiles,
        minzoom=int(_num(raw.get("minzoom"), f"{path}.minzoom", 0) or 0),
        maxzoom=int(_num(raw.get("maxzoom"), f"{path}.maxzoom", max_default) or 0),
        tile_size=int(tile_size or 512), scheme=scheme, bounds=bounds,
        attribution=_str(raw.get("attribution"), f"{path}.attribution"), data=data, coordinates=coords,
        encoding=_str(raw.get("encoding"), f"{path}.encoding"),
        options={k: v for k, v in raw.items() if k not in _SOURCE_KEYS},
    )


def _resolve_refs(layers: list[Any]) -> list[Any]:
    """Legacy ``ref`` layers take type, source, filter, zooms and layout from the layer they name."""
    by_id = {lyr.get("id"): lyr for lyr in layers if isinstance(lyr, dict)}
    out = []
    for i, lyr in enumerate(layers):
        if isinstance(lyr, dict) and "ref" in lyr:
            parent = by_id.get(lyr["ref"])
            if parent is None:
                raise StyleError(f"layers[{i}].ref", f"referenced layer {lyr['ref']!r} not found")
            merged = dict(lyr)
            for key in ("type", "source", "source-layer", "minzoom", "maxzoom", "filter", "layout"):
                if key in parent:
                    merged[key] = parent[key]
            del merged["ref"]
            out.append(merged)
        else:
            out.append(lyr)
    return out


def _section(layer_type: str, section: str, raw: Any, path: str,
             gs: Mapping[str, Any]) -> dict[str, PropertyValue]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StyleError(path, f"object expected, {type(raw).__name__} found: {raw!r}")
    specs = layer_properties(layer_type, section)
    out: dict[str, PropertyValue] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            if name.endswith("-transition") and name[:-11] in specs:
                continue  # transitions do not matter for a still image
            other = property_spec(layer_type, name)
            where = f" (it is a {other.section} property)" if other is not None else ""
            log.warning("%s.%s: unknown property %r for a %s layer%s; ignored", path, name, name, layer_type,
                        where)
            continue
        out[name] = compile_property(value, spec, path=f"{path}.{name}", global_state_defaults=gs)
    for name, spec in specs.items():
        if name not in out:
            out[name] = compile_property(None, spec, path=f"{path}.{name}", global_state_defaults=gs)
    return out


def parse_layer(raw: Mapping[str, Any], i: int, sources: Mapping[str, SourceSpec],
                gs: Mapping[str, Any]) -> Layer | None:
    path = f"layers[{i}]"
    lid = raw.get("id")
    if not isinstance(lid, str):
        raise StyleError(f"{path}.id", f"layer id must be a string; found {lid!r}")
    ltype = raw.get("type")
    if ltype not in LAYER_TYPES:
        log.warning("%s: layer %r has unknown type %r; skipped", path, lid, ltype)
        return None
    source = raw.get("source")
    if ltype == "background":
        source = None
    else:
        if source is None:
            raise StyleError(f"{path}.source", f"layer {lid!r} of type {ltype!r} needs a source")
        if not isinstance(source, str):
            raise StyleError(f"{path}.source", f"string expected; found {source!r}")
        if source not in sources:
            raise StyleError(f"{path}.source", f"layer {lid!r} references missing source {source!r}")
    source_layer = _str(raw.get("source-layer"), f"{path}.source-layer")
    src = sources.get(source) if source else None
    if src is not None and src.type == "vector" and source_layer is None:
        log.warning("%s: layer %r uses vector source %r without a source-layer; it draws nothing",
                    path, lid, source)
    minzoom = _num(raw.get("minzoom"), f"{path}.minzoom", 0.0)
    maxzoom = _num(raw.get("maxzoom"), f"{path}.maxzoom", 24.0)
    layout = _section(ltype, "layout", raw.get("layout"), f"{path}.layout", gs)
    paint = _section(ltype, "paint", raw.get("paint"), f"{path}.paint", gs)
    flt = compile_filter(raw.get("filter"), path=f"{path}.filter", global_state_defaults=gs)
    vis = layout.get("visibility")
    visible = (vis.evaluate(0.0) if vis is not None else "visible") != "none"
    meta = raw.get("metadata")
    return Layer(id=lid, type=ltype, source=source, source_layer=source_layer, minzoom=minzoom or 0.0,
                 maxzoom=24.0 if maxzoom is None else maxzoom, filter=flt, layout=layout, paint=paint,
                 visible=visible, metadata=meta if isinstance(meta, dict) else {})


def _light(raw: Any, gs: Mapping[str, Any]) -> Light:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StyleError("light", f"object expected; found {raw!r}")
    vals = {}
    for name, spec in LIGHT_PROPERTIES.items():
        vals[name] = compile_property(raw.get(name), spec, path=f"light.{name}", global_state_defaults=gs)
    for name in raw:
        if name not in LIGHT_PROPERTIES and not name.endswith("-transition"):
            log.warning("light.%s: unknown light property; ignored", name)
    return Light(anchor=vals["anchor"], position=vals["position"], color=vals["color"],
                 intensity=vals["intensity"])


def _global_state(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StyleError("state", f"object expected; found {raw!r}")
    out = {}
    for k, v in raw.items():
        if not isinstance(v, dict) or "default" not in v:
            raise StyleError(f"state.{k}", f"object with a 'default' expected; found {v!r}")
        out[k] = v["default"]
    return out


def parse_style(source: str | os.PathLike[str] | Mapping[str, Any]) -> Style:
    """Parse a style from a file path, a JSON string or an already-decoded dict."""
    doc, base_dir = _load(source)
    version = doc.get("version")
    if version != 8:
        raise StyleError("version", f"style version must be 8; found {version!r}")
    gs = _global_state(doc.get("state"))
    raw_sources = doc.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise StyleError("sources", f"object expected; found {raw_sources!r}")
    sources = {sid: parse_source(sid, s, f"sources.{sid}") for sid, s in raw_sources.items()}
    raw_layers = doc.get("layers", [])
    if not isinstance(raw_layers, list):
        raise StyleError("layers", f"array expected; found {raw_layers!r}")
    for i, lyr in enumerate(raw_layers):
        if not isinstance(lyr, dict):
            raise StyleError(f"layers[{i}]", f"layer must be an object; found {lyr!r}")
    seen: dict[str, int] = {}
    for i, lyr in enumerate(raw_layers):
        lid = lyr.get("id")
        if isinstance(lid, str):
            if lid in seen:
                raise StyleError(f"layers[{i}].id", f"duplicate layer id {lid!r} (also layers[{seen[lid]}])")
            seen[lid] = i
    layers = []
    for i, lyr in enumerate(_resolve_refs(raw_layers)):
        parsed = parse_layer(lyr, i, sources, gs)
        if parsed is not None:
            layers.append(parsed)
    center = doc.get("center")
    if center is not None:
        if not isinstance(center, list) or len(center) < 2 or not all(is_number(c) for c in center[:2]):
            raise StyleError("center", f"[longitude, latitude] expected; found {center!r}")
        center = (float(center[0]), float(center[1]))
    sprite = doc.get("sprite")
    if sprite is not None and not isinstance(sprite, (str, list)):
        raise StyleError("sprite", f"string or array expected; found {sprite!r}")
    metadata = doc.get("metadata")
    return Style(
        version=8, name=_str(doc.get("name"), "name"), sources=sources, layers=tuple(layers), center=center,
        zoom=_num(doc.get("zoom"), "zoom", None), bearing=_num(doc.get("bearing"), "bearing", 0.0) or 0.0,
        pitch=_num(doc.get("pitch"), "pitch", 0.0) or 0.0, light=_light(doc.get("light"), gs),
        sprite=sprite, glyphs=_str(doc.get("glyphs"), "glyphs"), base_dir=base_dir,
        global_state_defaults=gs, metadata=metadata if isinstance(metadata, dict) else {}, raw=doc,
        roll=_num(doc.get("roll"), "roll", 0.0) or 0.0,
    )
