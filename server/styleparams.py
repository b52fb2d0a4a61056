"""Style parameters: ``addlayer``, ``setfilter`` with ``layer_id``, and ``before_layer``, checked against the
requested style with the spec's rules and messages, then applied to a copy of the style document.

Checks that need the expression compiler (is this filter valid?) happen where the style is parsed, in
the render worker; it reports them with the same messages (see compose.py).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from server.errors import ApiError

LAYER_TYPES = ("background", "fill", "line", "symbol", "circle", "fill-extrusion", "heatmap", "hillshade", "raster")
_RASTER_LAYERS = frozenset({"raster", "hillshade"})
_MAPBOX_URL = re.compile(r"^mapbox://[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+(?:,[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)*$")

BAD_JSON = "Invalid layer passed to addlayer. Unable to parse JSON."
MISSING_ATTRS = "Layer is missing required attributes (id, type, source)"
BAD_TYPE = "New layer type must be one of the following types: " + ", ".join(LAYER_TYPES)
DUPLICATE_ID = "New layers must be added with unique ids"
UNKNOWN_SOURCE = ("The new layer's source reference key does not match any source keys in the requested style. "
                  "Please specify url and type in the source for the new layer.")
SOURCE_NEEDS = "New layer sources must contain a source type and url"
BAD_URL = ("The new layer source url must be a properly formatted mapbox:// url "
           "(eg. mapbox://mapbox.mapbox-streets-v7)")
INVALID_SOURCE = "Invalid style source"
COMPOSITE = "Style may not composite raster sources with vector sources"
NEEDS_LAYER_ID = "Must include layer_id in setfilter request"
UNKNOWN_LAYER_ID = "layer_id must be an existing layer in the requested style"
BAD_FILTER = "Invalid filter syntax"
BOTH = "addlayer and setfilter cannot be used in the same request"
AUTO_NEEDS_OVERLAY = "Auto extent cannot be used with style parameters and no overlay"


@dataclass(frozen=True)
class StyleEdit:
    """What a request changes in its style: at most one of ``add_layer``/``filter``, plus ``before_layer``.
    Plain JSON values, so an edit crosses to a render process and keys a renderer cache."""

    add_layer: dict[str, Any] | None = None
    add_source: tuple[str, dict[str, Any]] | None = None
    filter_layer: str | None = None
    filter: Any = None
    before_layer: str | None = None

    @property
    def changes_style(self) -> bool:
        return self.add_layer is not None or self.filter_layer is not None

    def key(self) -> str:
        """A stable text identity for caching renderers of the edited style."""
        # before_layer belongs in it: it places an added layer and, for overlays, where a style is split.
        return json.dumps([self.add_layer, self.add_source, self.filter_layer, self.filter, self.before_layer],
                          sort_keys=True)


def _once(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ApiError(422, f"You can only use {name} once per request")
    return values[0] if values else None


def parse_style_edit(style: dict[str, Any], addlayer: list[str], setfilter: list[str], layer_id: list[str],
                     before_layer: list[str]) -> StyleEdit:
    """Check the style parameters of a request against ``style`` (its JSON document)."""
    add_text = _once(addlayer, "addlayer")
    filter_text = _once(setfilter, "setfilter")
    before = _once(before_layer, "before_layer")
    layer_ids = [layer.get("id") for layer in style.get("layers", []) if isinstance(layer, dict)]
    if before is not None and before not in layer_ids:
        raise ApiError(422, "before_layer must be an existing layer in the requested style")
    if add_text is not None and filter_text is not None:
        raise ApiError(422, BOTH)
    if filter_text is not None:
        lid = _once(layer_id, "layer_id")
        if not lid:
            raise ApiError(422, NEEDS_LAYER_ID)
        if lid not in layer_ids:
            raise ApiError(422, UNKNOWN_LAYER_ID)
        try:
            expr = json.loads(filter_text)
        except ValueError:
            raise ApiError(422, BAD_FILTER) from None
        if not isinstance(expr, list) or not expr or not isinstance(expr[0], str):
            raise ApiError(422, BAD_FILTER)
        return StyleEdit(filter_layer=lid, filter=expr, before_layer=before)
    if add_text is not None:
        layer, source = _check_layer(style, add_text, layer_ids)
        return StyleEdit(add_layer=layer, add_source=source, before_layer=before)
    return StyleEdit(before_layer=before)


def _check_layer(style: dict[str, Any], text: str, layer_ids: list[Any]) -> tuple[dict[str, Any],
                                                                                 tuple[str, dict[str, Any]] | None]:
    try:
        layer = json.loads(text)
    except ValueError:
        raise ApiError(422, BAD_JSON) from None
    if not isinstance(layer, dict):
        raise ApiError(422, BAD_JSON)
    if not all(layer.get(k) for k in ("id", "type", "source")):
        raise ApiError(422, MISSING_ATTRS)
    if not isinstance(layer["id"], str) or not isinstance(layer["type"], str):
        raise ApiError(422, MISSING_ATTRS)
    if layer["type"] not in LAYER_TYPES:
        raise ApiError(422, BAD_TYPE)
    if layer["id"] in layer_ids:
        raise ApiError(422, DUPLICATE_ID)
    sources = style.get("sources", {})
    src = layer["source"]
    new_source: tuple[str, dict[str, Any]] | None = None
    if isinstance(src, str):
        if src not in sources:
            raise ApiError(422, UNKNOWN_SOURCE)
        spec = sources[src]
    elif isinstance(src, dict):
        if not src.get("type") or not src.get("url"):
            raise ApiError(422, SOURCE_NEEDS)
        url = src["url"]
        if not isinstance(url, str) or not _MAPBOX_URL.match(url):
            raise ApiError(422, BAD_URL)
        if src["type"] not in ("vector", "raster"):
            raise ApiError(422, INVALID_SOURCE)
        spec = _resolve_tileset(sources, url[len("mapbox://"):], src["type"])
        sid = f"addlayer:{layer['id']}"
        new_source = (sid, spec)
        layer = {**layer, "source": sid}
    else:
        raise ApiError(422, MISSING_ATTRS)
    kind = spec.get("type") if isinstance(spec, dict) else None
    if layer["type"] != "background" and kind in ("vector", "raster") and (
            (layer["type"] in _RASTER_LAYERS) != (kind == "raster")):
        raise ApiError(400, COMPOSITE)
    return layer, new_source


def _resolve_tileset(sources: dict[str, Any], tilesets: str, kind: str) -> dict[str, Any]:
    """A ``mapbox://owner.tileset`` URL names a source of this server's style: ``tileset`` (or the whole
    ``owner.tileset``) must be one of its source ids, of the type the layer asked for. Several
    comma-separated tilesets would composite sources, which a self-hosted style has no way to serve."""
    if "," in tilesets:
        raise ApiError(422, INVALID_SOURCE)
    for candidate in (tilesets, tilesets.split(".", 1)[1]):
        spec = sources.get(candidate)
        if isinstance(spec, dict):
            if spec.get("type") != kind:
                raise ApiError(400, COMPOSITE)
            return copy.deepcopy(spec)
    raise ApiError(422, INVALID_SOURCE)


def apply_edit(style: dict[str, Any], edit: StyleEdit) -> dict[str, Any]:
    """A copy of ``style`` with the edit's layer added or filter set (``before_layer`` places an added
    layer; overlays are placed by the caller)."""
    out = copy.deepcopy(style)
    layers: list[dict[str, Any]] = out["layers"]
    if edit.add_layer is not None:
        if edit.add_source is not None:
            out.setdefault("sources", {})[edit.add_source[0]] = edit.add_source[1]
        index = len(layers)
        if edit.before_layer is not None:
            index = next(i for i, layer in enumerate(layers) if layer.get("id") == edit.before_layer)
        layers.insert(index, copy.deepcopy(edit.add_layer))
    if edit.filter_layer is not None:
        for layer in layers:
            if layer.get("id") == edit.filter_layer:
                layer["filter"] = copy.deepcopy(edit.filter)
    return out
