"""Named-map templates (format 0.0.1): checking, authorisation and instantiation with placeholders."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from server.carto.errors import CartoError

NAME = re.compile(r"^[a-z0-9][0-9a-z_-]*$", re.I)
PLACEHOLDER = re.compile(r"^[a-z][0-9a-z_]*$", re.I)
NUMBER = re.compile(r"^[-+]?[\d.]?\d+([eE][+-]?\d+)?$")
CSS_COLOR = re.compile(r"^[a-zA-Z]+$|^#[0-9a-fA-F]{3,6}$")
TYPES = ("number", "css_color", "sql_literal", "sql_ident")


def _bad(message: str) -> CartoError:
    return CartoError(message, 400, type="templates")


def _js(value: Any) -> str:
    """A value as CARTO's JavaScript prints it in a message (true, null, 3 rather than True, None, 3.0)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def check_template(t: Any) -> dict[str, Any]:
    """Validate a template; returns it unchanged."""
    if not isinstance(t, dict):
        raise _bad("Invalid template: expected a JSON object")
    if t.get("version") != "0.0.1":
        raise _bad(f"Unsupported template version {t.get('version')}")
    name = t.get("name")
    if not isinstance(name, str) or not name:
        raise _bad("Missing template name")
    if not NAME.match(name):
        raise _bad(f"Invalid characters in template name '{name}'")
    auth = t.get("auth", {"method": "open"})
    method = auth if isinstance(auth, str) else auth.get("method") if isinstance(auth, dict) else None
    if method not in ("open", "token"):
        raise _bad(f"Unsupported authorization method: {method}")
    if method == "token":
        tokens = auth.get("valid_tokens") if isinstance(auth, dict) else None
        if not isinstance(tokens, list) or not tokens or not all(isinstance(x, str) for x in tokens):
            raise _bad("Invalid or empty valid_tokens list for token authentication")
    placeholders = t.get("placeholders", {})
    if not isinstance(placeholders, dict):
        raise _bad("Invalid placeholders: expected an object")
    for pname, spec in placeholders.items():
        if not PLACEHOLDER.match(pname):
            raise _bad(f"Invalid characters in placeholder name '{pname}'")
        if not isinstance(spec, dict) or "default" not in spec:
            raise _bad(f"Missing default for placeholder '{pname}'")
        if "type" not in spec:
            raise _bad(f"Missing type for placeholder '{pname}'")
        if spec["type"] not in TYPES:
            raise _bad(f"Invalid placeholder type '{spec['type']}'")
        placeholder_value(pname, spec["type"], spec["default"])
    lg = t.get("layergroup")
    if not isinstance(lg, dict):
        raise _bad("Missing layergroup in template")
    if not isinstance(lg.get("layers"), list) or not lg["layers"]:
        raise _bad("Missing or empty layers array from template layergroup")
    for i, layer in enumerate(lg["layers"]):
        if not isinstance(layer, dict) or not isinstance(layer.get("options"), dict):
            raise _bad(f"Missing options from layer {i} of template layergroup")
        if layer.get("type") == "named":
            raise _bad("Named layers are not allowed inside a template")
    view = t.get("view")
    if view is not None and not isinstance(view, dict):
        raise _bad("Invalid view: expected an object")
    return t


def placeholder_value(name: str, kind: str, value: Any) -> str:
    """The text a placeholder value substitutes, escaped as CARTO does; bad values raise 400."""
    if kind == "number":
        if isinstance(value, bool) or not (isinstance(value, int | float) or
                                           (isinstance(value, str) and NUMBER.match(value))):
            raise _bad(f"Invalid number value for template parameter '{name}': {_js(value)}")
        return json.dumps(value) if not isinstance(value, str) else value
    if kind == "css_color":
        if not isinstance(value, str) or not CSS_COLOR.match(value):
            raise _bad(f"Invalid css_color value for template parameter '{name}': {_js(value)}")
        return value
    text = value if isinstance(value, str) else json.dumps(value)
    if kind == "sql_literal":
        return text.replace("'", "''")  # the author writes the quotes: '<%= name %>'
    if kind == "sql_ident":
        return text.replace('"', '""')
    raise _bad(f"Invalid placeholder type '{kind}'")


def authorize(t: dict[str, Any], auth_tokens: list[str]) -> bool:
    auth = t.get("auth", {"method": "open"})
    if auth == "open" or (isinstance(auth, dict) and auth.get("method", "open") == "open"):
        return True
    valid = auth.get("valid_tokens", []) if isinstance(auth, dict) else []
    return any(tok in valid for tok in auth_tokens)


def template_hash(t: dict[str, Any]) -> str:
    return hashlib.md5(json.dumps(t, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:8]


def instantiate(t: dict[str, Any], params: Any) -> dict[str, Any]:
    """The MapConfig of a template with ``params`` (missing ones take their defaults)."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise _bad("Template parameters must be a JSON object")
    values: dict[str, str] = {}
    for name, spec in t.get("placeholders", {}).items():
        values[name] = placeholder_value(name, spec["type"], params.get(name, spec["default"]))

    def fill(text: str) -> str:
        return re.sub(r"<%=\s*([0-9A-Za-z_]+)\s*%>", lambda m: values.get(m.group(1), m.group(0)), text)

    mapconfig = copy.deepcopy(t["layergroup"])
    styles = params.get("styles")
    for i, layer in enumerate(mapconfig["layers"]):
        opts = layer["options"]
        for key in ("sql", "cartocss"):
            if isinstance(opts.get(key), str):
                opts[key] = fill(opts[key])
        # "dynamic styling": params.styles[i] replaces a layer's CartoCSS wholesale.
        if isinstance(styles, dict | list):
            css = styles.get(str(i)) if isinstance(styles, dict) else (styles[i] if i < len(styles) else None)
            if isinstance(css, str):
                opts["cartocss"] = css
    buffers = mapconfig.get("buffersize")
    if isinstance(buffers, dict):
        mapconfig["buffersize"] = {k: fill(v) if isinstance(v, str) else v for k, v in buffers.items()}
    return mapconfig
