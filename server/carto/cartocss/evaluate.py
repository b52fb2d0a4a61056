"""Resolve a parsed stylesheet at one zoom, per feature: CartoCSS's cascade without Mapnik.

carto flattens rules by specificity and, per attachment, gives each property the value of the most
specific matching rule (later wins a tie). That is what ``resolve`` computes for one feature, so
attribute filters, regular expressions, geometry-type filters and value expressions are all decided
here in Python; the style layers then only read the resolved values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from server.carto.cartocss import colors
from server.carto.cartocss.parse import Expr, Filter, Rule, Stylesheet
from server.carto.cartocss.tokens import CartoCSSError

GEOMETRY_TYPES = {"Point": 1, "MultiPoint": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 3,
                  "MultiPolygon": 3, "GeometryCollection": 4}
SYMBOLIZERS = ("polygon", "line", "marker", "text")
SUPPORTED = {
    "polygon": {"polygon-fill", "polygon-opacity"},
    "line": {"line-color", "line-width", "line-opacity", "line-dasharray", "line-cap", "line-join", "line-offset",
             "line-miterlimit"},
    "marker": {"marker-fill", "marker-fill-opacity", "marker-opacity", "marker-line-color", "marker-line-width",
               "marker-line-opacity", "marker-width", "marker-height", "marker-allow-overlap", "marker-type",
               "marker-placement", "marker-multi-policy"},
    "text": {"text-name", "text-face-name", "text-size", "text-fill", "text-opacity", "text-halo-fill",
             "text-halo-radius", "text-halo-opacity", "text-dx", "text-dy", "text-wrap-width",
             "text-character-spacing", "text-allow-overlap", "text-placement", "text-transform",
             "text-horizontal-alignment", "text-vertical-alignment", "text-align", "text-line-spacing",
             "text-spacing", "text-max-char-angle-delta"},
}
# Accepted without a warning although nothing reads them: clipping and label search only matter where
# Mapnik cuts the map into (meta)tiles, which a whole-image render never does; gamma tunes Mapnik's
# anti-aliasing, which has no GL counterpart, and the grainstore transform adds some of these itself.
NO_EFFECT = {"polygon-clip", "line-clip", "marker-clip", "text-clip", "polygon-gamma", "line-gamma",
             "marker-ignore-placement", "text-label-position-tolerance", "text-placement-type",
             "text-avoid-edges", "text-min-distance", "polygon-gamma-method", "line-gamma-method"}
MAP_SUPPORTED = {"background-color", "buffer-size", "font-directory", "srs"}
# Functions evaluate() knows: CartoCSS's colour functions and url(). Others (turbo-carto's ramp(), ...)
# make their declaration skipped with a warning when the map is created.
FUNCTIONS = {"rgb", "rgba", "hsl", "hsla", "lighten", "darken", "saturate", "desaturate", "greyscale",
             "grayscale", "fadein", "fadeout", "fade", "spin", "mix", "url"}
# Values drawn differently from Mapnik: each is listed as a warning (property, value) -> what we draw.
APPROXIMATED = {("marker-type", "arrow"): "drawn as an ellipse", ("marker-type", "rectangle"): "drawn as an ellipse",
                ("marker-placement", "line"): "drawn once per feature, at its middle",
                ("marker-placement", "vertex-first"): "drawn once per feature, at its middle",
                ("marker-placement", "vertex-last"): "drawn once per feature, at its middle"}


def symbolizer_of(prop: str) -> str | None:
    head = prop.split("-", 1)[0]
    return head if head in SYMBOLIZERS else None


@dataclass
class Resolved:
    """The rules that apply at one zoom, sorted for the cascade, with their attachment order."""

    rules: list[Rule]  # most specific first
    attachments: list[str]  # drawing order
    variables: dict[str, Expr]
    symbolizers: dict[str, list[str]]  # per attachment, symbolizers in drawing order
    warnings: list[str]


def at_zoom(sheet: Stylesheet, zoom: float, version: str = "2.3.0") -> Resolved:
    warnings: list[str] = []
    kept: list[Rule] = []
    for rule in sheet.rules:
        if rule.selector.classes:
            continue  # no layer of a map has a class, so class selectors match nothing (as in carto)
        zooms = [f for f in rule.selector.filters if f.field == "zoom"]
        if not all(_compare(zoom, f.op, f.value) for f in zooms):
            continue
        others = tuple(f for f in rule.selector.filters if f.field != "zoom")
        decls = []
        for prop, expr in _transform(rule.decls, version):
            keep, warning = _check(prop, expr, sheet.variables)
            if keep:
                decls.append((prop, expr))
            if warning and warning not in warnings:
                warnings.append(warning)
        given = dict(decls)
        if "marker-height" in given and given["marker-height"] != given.get("marker-width"):
            warning = "CartoCSS 'marker-height' other than 'marker-width': drawn as a circle of their mean size"
            if warning not in warnings:
                warnings.append(warning)
        if decls:
            sel = type(rule.selector)(rule.selector.layer, (), rule.selector.attachment, others)
            kept.append(Rule(sel, decls, rule.order, rule.variables))
    attachments: list[str] = []
    symbolizers: dict[str, list[str]] = {}
    for rule in sorted(kept, key=lambda r: r.order):
        att = rule.selector.attachment
        if att not in attachments:
            attachments.append(att)
        syms = symbolizers.setdefault(att, [])
        for prop, _ in rule.decls:
            sym = symbolizer_of(prop)
            if sym is not None and sym not in syms:
                syms.append(sym)
    for prop, _ in sheet.map_decls:
        msg = f"unsupported CartoCSS Map property '{prop}' skipped"
        if prop not in MAP_SUPPORTED and msg not in warnings:
            warnings.append(msg)
    # Specificity keeps a rule's zoom filters: carto counts them even though they are folded here.
    spec = {id(r): r.specificity for r in sheet.rules}
    kept.sort(key=lambda r: (spec.get(id(r), r.specificity)), reverse=True)
    # Variables declared inside a rule are seen by its declarations; they join the globals here (a
    # global of the same name keeps its value), which is what carto gives unless two rules reuse a name.
    variables = {k: v for r in sheet.rules for k, v in r.variables.items()}
    variables.update(sheet.variables)
    for rule in sheet.rules:  # every rule, as carto compiles them all, whatever zoom this is
        for prop, expr in rule.decls:
            missing = _undefined(expr, variables)
            if missing:
                raise CartoCSSError(f"variable @{missing} is undefined (in '{prop}')")
    return Resolved(kept, attachments, variables, symbolizers, warnings)


def _check(prop: str, expr: Expr, variables: dict[str, Expr]) -> tuple[bool, str | None]:
    """Whether a declaration is kept, and the warning to list for it (skipped, or drawn differently from
    Mapnik). Declarations with no effect in a whole-image render are dropped without a warning."""
    sym = symbolizer_of(prop)
    if prop in NO_EFFECT:
        return False, None
    if sym is None or prop not in SUPPORTED[sym]:
        return False, f"unsupported CartoCSS property '{prop}' skipped"
    unknown = sorted(_calls(expr, variables, 0) - FUNCTIONS)
    if unknown:
        return False, f"unsupported CartoCSS function {unknown[0]}() in '{prop}' skipped"
    if expr[0] == "kw" and (prop, expr[1]) in APPROXIMATED:
        return True, f"CartoCSS '{prop}: {expr[1]}' {APPROXIMATED[(prop, expr[1])]}"
    return True, None


def _undefined(expr: Expr, variables: dict[str, Expr], seen: tuple[str, ...] = ()) -> str | None:
    """The first variable an expression reads that is not declared (carto refuses the style); a loop
    of variables is refused here too, rather than at every render."""
    if not isinstance(expr, tuple) or not expr:
        return None
    kind = expr[0]
    if kind == "var":
        if expr[1] not in variables:
            return str(expr[1])
        if expr[1] in seen:
            raise CartoCSSError(f"variables refer to each other in a loop: @{' -> @'.join((*seen, expr[1]))}")
        return _undefined(variables[expr[1]], variables, (*seen, expr[1]))
    parts: list[Any] = []
    if kind == "call":
        parts = list(expr[2])
    elif kind == "list":
        parts = list(expr[1])
    elif kind == "bin":
        parts = [expr[2], expr[3]]
    elif kind == "neg":
        parts = [expr[1]]
    for part in parts:
        found = _undefined(part, variables, seen)
        if found:
            return found
    return None


def _calls(expr: Expr, variables: dict[str, Expr], depth: int) -> set[str]:
    """Names of the functions an expression calls, through variables."""
    if depth > 50 or not isinstance(expr, tuple) or not expr:
        return set()
    kind = expr[0]
    if kind == "call":
        names = {str(expr[1])}
        for arg in expr[2]:
            names |= _calls(arg, variables, depth + 1)
        return names
    if kind == "var":
        return _calls(variables[expr[1]], variables, depth + 1) if expr[1] in variables else set()
    if kind == "list":
        return set().union(*(_calls(e, variables, depth + 1) for e in expr[1])) if expr[1] else set()
    if kind == "bin":
        return _calls(expr[2], variables, depth + 1) | _calls(expr[3], variables, depth + 1)
    if kind == "neg":
        return _calls(expr[1], variables, depth + 1)
    return set()


def _transform(decls: list[tuple[str, Expr]], version: str) -> list[tuple[str, Expr]]:
    """grainstore's version transforms for styles written against CartoCSS before 3.0."""
    parts = [int(p) if p.isdigit() else 0 for p in (version or "2.3.0").split(".")[:3]]
    parts += [0] * (3 - len(parts))
    out = list(decls)
    if parts[0] == 2 and parts[1] == 0 and parts[2] != 1:
        renamed = []
        for p, e in out:
            if p in ("marker-width", "marker-height"):
                e = ("bin", "*", e, ("num", 2.0, ""))
            renamed.append(("marker-fill-opacity" if p == "marker-opacity" else p, e))
        out = renamed
    if parts[0] < 3:
        names = {p for p, _ in out}
        if "marker-line-width" not in names and any(p.startswith("marker-line-") for p in names):
            out.insert(0, ("marker-line-width", ("num", 1.0, "")))
    return out


def resolve(res: Resolved, props: dict[str, Any], geom_type: int) -> dict[str, dict[str, Expr]]:
    """Per attachment, the winning (unevaluated) declaration of each property for one feature."""
    out: dict[str, dict[str, Expr]] = {}
    for rule in res.rules:
        if not all(_matches(f, props, geom_type, res) for f in rule.selector.filters):
            continue
        values = out.setdefault(rule.selector.attachment, {})
        for prop, expr in reversed(rule.decls):  # within a rule the last declaration wins
            if prop not in values:
                values[prop] = expr
    return out


def _matches(f: Filter, props: dict[str, Any], geom_type: int, res: Resolved) -> bool:
    if f.field == "mapnik::geometry_type":
        actual: Any = geom_type
    else:
        actual = props.get(f.field)
    expected = f.value
    if f.op == "=~":
        return actual is not None and re.fullmatch(str(expected), str(actual)) is not None
    if expected is None or actual is None:
        same = expected is None and actual is None
        return same if f.op == "=" else (not same if f.op == "!=" else False)
    return _compare(actual, f.op, expected)


def _compare(a: Any, op: str, b: Any) -> bool:
    if isinstance(b, float) and not isinstance(a, float | int):
        try:
            a = float(a)
        except (TypeError, ValueError):
            return op == "!="
    elif isinstance(b, str) and not isinstance(a, str):
        if isinstance(a, float | int) and not isinstance(a, bool):
            try:
                b = float(b)
            except ValueError:
                a = str(a)
        else:
            a = str(a)
    try:
        if op == "=":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == "%":
            return False
    except TypeError:
        return False
    raise CartoCSSError(f"unsupported filter operator {op!r}")


def evaluate(expr: Expr, props: dict[str, Any], variables: dict[str, Expr], depth: int = 0) -> Any:
    """A value: float, str, colour tuple (r, g, b, a), list, bool or None."""
    if depth > 50:
        raise CartoCSSError("variables refer to each other in a loop")
    kind = expr[0]
    if kind == "num":
        return expr[1]
    if kind in ("color", "str"):
        return expr[1]
    if kind == "field":
        return props.get(expr[1])
    if kind == "var":
        if expr[1] not in variables:
            raise CartoCSSError(f"variable @{expr[1]} is undefined")
        return evaluate(variables[expr[1]], props, variables, depth + 1)
    if kind == "kw":
        word = expr[1]
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        c = colors.named(word)
        return c if c is not None and word not in ("point", "line", "interior", "ellipse", "arrow") else word
    if kind == "neg":
        v = evaluate(expr[1], props, variables, depth + 1)
        return -v if isinstance(v, float | int) else v
    if kind == "list":
        return [evaluate(e, props, variables, depth + 1) for e in expr[1]]
    if kind == "call":
        args = [evaluate(e, props, variables, depth + 1) for e in expr[2]]
        if expr[1] == "url":
            return str(args[0]) if args else ""
        c = colors.apply(expr[1], args)
        if c is None and expr[1] not in FUNCTIONS:
            raise CartoCSSError(f"unsupported CartoCSS function {expr[1]}()")
        return c  # None when a known function got no colour (e.g. from a field): the default applies
    if kind == "bin":
        a = evaluate(expr[2], props, variables, depth + 1)
        b = evaluate(expr[3], props, variables, depth + 1)
        return _binary(expr[1], a, b)
    raise CartoCSSError(f"cannot evaluate {expr!r}")


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return ("" if a is None else _text(a)) + ("" if b is None else _text(b))
    if isinstance(a, tuple) and isinstance(b, float | int):  # colour arithmetic, as less.js does
        return tuple(_binary(op, x, float(b)) for x in a[:3]) + (a[3],)
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return None
    if op == "+":
        return fa + fb
    if op == "-":
        return fa - fb
    if op == "*":
        return fa * fb
    if op == "/":
        return fa / fb if fb else math.nan
    if op == "%":
        return math.fmod(fa, fb) if fb else math.nan
    return None


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
