"""Layout and paint property specs, and compiled property values that never fail at render time.

``compile_property`` accepts the three forms a style may use (a constant, a legacy function, an
expression) and returns a PropertyValue whose ``evaluate`` always yields a usable value: evaluation
errors and nulls fall back to the spec default, as GL JS does, so the renderer never checks.

Values come out in renderer-friendly shapes: ``Color`` for colours, ``float`` for numbers, ``list``
for arrays, ``str`` for enums and strings, ``Formatted`` for text-field, ``ResolvedImage`` (or None
for "no image") for images, ``[top, right, bottom, left]`` for padding, ``list[float]`` for
numberArray, ``list[Color]`` for colorArray.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from glrender._record import record
from glrender.errors import EvaluationError, StyleError
from glrender.style._js import is_number
from glrender.style._property_table import LIGHT, TABLE
from glrender.style.color import Color, parse_color
from glrender.style.expressions import EvalContext, Expression, compile_expression, is_expression
from glrender.style.expressions import types as T
from glrender.style.expressions.ramps import Interpolate, find_zoom_curve
from glrender.style.functions import LegacyFunction

if TYPE_CHECKING:
    from glrender.tiles.features import Feature

log = logging.getLogger("glrender.style")

LAYER_TYPES = ("background", "fill", "line", "circle", "fill-extrusion", "raster", "symbol", "heatmap",
               "hillshade", "color-relief")


@record(frozen=True)
class PropertySpec:
    name: str
    layer_type: str
    section: str  # "paint" | "layout" | "light"
    type: str
    default: Any
    values: tuple[str, ...] | None = None  # enum values (also for arrays of enums)
    length: int | None = None
    item: str | None = None  # array item type
    data_driven: bool = False
    minimum: float | None = None
    maximum: float | None = None
    zoom: bool = True  # may the value depend on zoom
    tokens: bool = False  # "{field}" tokens are replaced in constant strings
    property_type: str | None = None
    transition: bool = False

    @property
    def expression_type(self) -> T.Type:
        """The expression type a value of this property must have."""
        if self.type == "array":
            item = T.type_from_name(self.item or "value") or T.VALUE
            return T.array(item, self.length)
        if self.type == "enum":
            return T.STRING
        return T.type_from_name(self.type) or T.VALUE


def _row_to_spec(layer_type: str, section: str, row: tuple[str, str, Any, dict[str, Any]]) -> PropertySpec:
    name, type_, default, extra = row
    ptype = extra.get("ptype")
    return PropertySpec(
        name=name, layer_type=layer_type, section=section, type=type_, default=default,
        values=extra.get("values"), length=extra.get("length"), item=extra.get("item"),
        data_driven=ptype in ("data-driven", "cross-faded-data-driven"), minimum=extra.get("min"),
        maximum=extra.get("max"), zoom=extra.get("zoom", True), tokens=extra.get("tokens", False),
        property_type=ptype, transition=extra.get("transition", False),
    )


PROPERTIES: dict[str, dict[str, dict[str, PropertySpec]]] = {}
for (_lt, _sec), _rows in TABLE.items():
    PROPERTIES.setdefault(_lt, {"layout": {}, "paint": {}})[_sec] = {
        r[0]: _row_to_spec(_lt, _sec, r) for r in _rows
    }
LIGHT_PROPERTIES: dict[str, PropertySpec] = {r[0]: _row_to_spec("light", "light", r) for r in LIGHT}


def layer_properties(layer_type: str, section: str) -> Mapping[str, PropertySpec]:
    """All specs of one section ("layout" or "paint") of a layer type ({} for unknown types)."""
    return PROPERTIES.get(layer_type, {}).get(section, {})


def property_spec(layer_type: str, name: str) -> PropertySpec | None:
    sections = PROPERTIES.get(layer_type, {})
    return sections.get("paint", {}).get(name) or sections.get("layout", {}).get(name)


# ---------------------------------------------------------------------------------------------------
# Tokens

_TOKEN = re.compile(r"{([^{}]+)}")


def token_keys(s: str) -> list[str]:
    """The property keys ``{field}`` tokens in ``s`` name, in order (repeats included)."""
    return _TOKEN.findall(s)


def resolve_tokens(s: str, properties: Mapping[str, Any] | None) -> str:
    """Replace ``{field}`` with the feature's property (as JS ``String()``), or "" when it is absent."""

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if properties is not None and key in properties:
            v = properties[key]
            return "null" if v is None else T.value_to_string(v)
        return ""

    return _TOKEN.sub(sub, s)


def _resolve_tokens_value(v: Any, properties: Mapping[str, Any] | None) -> Any:
    if isinstance(v, str):
        return resolve_tokens(v, properties)
    if isinstance(v, T.Formatted):
        return T.Formatted(tuple(
            T.FormattedSection(resolve_tokens(s.text, properties), s.image, s.scale, s.font_stack,
                               s.text_color, s.vertical_align) for s in v.sections))
    if isinstance(v, T.ResolvedImage):
        return T.ResolvedImage(resolve_tokens(v.name, properties), v.available)
    return v


# ---------------------------------------------------------------------------------------------------
# Constants


def _type_name(v: Any) -> str:
    return str(T.type_of(v)) if not isinstance(v, dict) else "object"


def coerce_constant(value: Any, spec: PropertySpec, path: str) -> Any:
    """Validate a constant against the spec and convert it to its renderer form (StyleError if wrong)."""
    t = spec.type

    def bad(expected: str) -> StyleError:
        return StyleError(path, f"{expected} expected, {_type_name(value)} found: {value!r}")

    if t == "color":
        if not isinstance(value, str):
            raise bad("color")
        c = parse_color(value)
        if c is None:
            raise StyleError(path, f"color expected, {value!r} found")
        return c
    if t == "number":
        if not is_number(value):
            raise bad("number")
        v = float(value)
        # GL JS's validator rejects out-of-range numbers; being lenient keeps a style usable.
        if spec.minimum is not None and v < spec.minimum:
            log.warning("%s: %r is less than the minimum value %r; clamped", path, value, spec.minimum)
            v = float(spec.minimum)
        if spec.maximum is not None and v > spec.maximum:
            log.warning("%s: %r is greater than the maximum value %r; clamped", path, value, spec.maximum)
            v = float(spec.maximum)
        return v
    if t == "boolean":
        if not isinstance(value, bool):
            raise bad("boolean")
        return value
    if t == "string":
        if not isinstance(value, str):
            raise bad("string")
        return value
    if t == "enum":
        if not isinstance(value, str) or (spec.values and value not in spec.values):
            raise StyleError(path, f"expected one of [{', '.join(spec.values or ())}], {value!r} found")
        return value
    if t == "formatted":
        if isinstance(value, str):
            return T.Formatted.from_string(value)
        if is_number(value) or isinstance(value, bool):
            return T.Formatted.from_string(T.value_to_string(value))
        raise bad("formatted")
    if t == "resolvedImage":
        if not isinstance(value, str):
            raise bad("string")
        return T.ResolvedImage(value)
    if t == "array":
        if not isinstance(value, list):
            raise bad("array")
        if spec.length is not None and len(value) != spec.length:
            raise StyleError(path, f"array length {spec.length} expected, length {len(value)} found: "
                                   f"{value!r}")
        out: list[Any] = []
        for i, x in enumerate(value):
            if spec.item == "number":
                if not is_number(x):
                    raise StyleError(f"{path}[{i}]", f"number expected, {_type_name(x)} found: {x!r}")
                out.append(float(x))
            elif spec.item == "enum":
                if not isinstance(x, str) or (spec.values and x not in spec.values):
                    raise StyleError(f"{path}[{i}]", f"expected one of [{', '.join(spec.values or ())}], "
                                                     f"{x!r} found")
                out.append(x)
            elif spec.item == "string":
                if not isinstance(x, str):
                    raise StyleError(f"{path}[{i}]", f"string expected, {_type_name(x)} found: {x!r}")
                out.append(x)
            else:
                out.append(x)
        return out
    if t == "padding":
        p = T.Padding.parse(value)
        if p is None:
            raise bad("padding (a number or an array of 1-4 numbers)")
        return p.values()
    if t == "numberArray":
        na = T.NumberArray.parse(value)
        if na is None:
            raise bad("number or array of numbers")
        return [float(x) for x in na.values]
    if t == "colorArray":
        ca = T.ColorArray.parse(value)
        if ca is None:
            raise bad("color or array of colors")
        return list(ca.values)
    if t == "variableAnchorOffsetCollection":
        vc = T.VariableAnchorOffsetCollection.parse(value)
        if vc is None:
            raise bad("array of anchor, [x, y] pairs")
        return [(a, (float(o[0]), float(o[1]))) for a, o in vc.values]
    return value


def to_renderer_value(v: Any, spec: PropertySpec) -> Any:
    """Normalise an evaluated expression value to the shapes documented in the module docstring."""
    t = spec.type
    if t == "number":
        return float(v) if is_number(v) else None
    if t == "padding":
        p = T.Padding.parse(v)
        return p.values() if p is not None else None
    if t == "numberArray":
        na = T.NumberArray.parse(v)
        return [float(x) for x in na.values] if na is not None else None
    if t == "colorArray":
        ca = T.ColorArray.parse(v)
        return list(ca.values) if ca is not None else None
    if t == "variableAnchorOffsetCollection":
        if isinstance(v, T.VariableAnchorOffsetCollection):
            return [(a, (float(o[0]), float(o[1]))) for a, o in v.values]
        return None
    if t == "array" and spec.item == "number" and isinstance(v, list):
        return [float(x) for x in v]
    if t == "formatted" and isinstance(v, str):
        return T.Formatted.from_string(v)
    if t == "resolvedImage":
        if isinstance(v, str):
            return T.ResolvedImage(v) if v else None
        if isinstance(v, T.ResolvedImage) and not v.name:
            return None
    if t == "enum" and spec.values and v not in spec.values:
        return None
    if t == "color" and not isinstance(v, Color):
        return None
    return v


# ---------------------------------------------------------------------------------------------------
# Compiled property values


class PropertyValue:
    """A property as the renderer sees it. ``kind``: constant | camera | source | composite."""

    def __init__(self, spec: PropertySpec, *, constant: Any = None, expression: Expression | None = None,
                 function: LegacyFunction | None = None, tokens: bool = False) -> None:
        self.spec = spec
        self.expression = expression
        self.function = function
        self.constant_value = constant
        self._tokens = tokens
        self.default = _default_value(spec)
        if expression is not None:
            self.is_zoom_constant = expression.is_zoom_constant
            self.is_feature_constant = expression.is_feature_constant
            self.uses_feature_state = not expression.is_state_constant
        elif function is not None:
            self.is_zoom_constant = function.is_zoom_constant
            self.is_feature_constant = function.is_feature_constant
            self.uses_feature_state = False
        else:
            self.is_zoom_constant = True
            self.is_feature_constant = not tokens
            self.uses_feature_state = False
        self.is_constant = expression is None and function is None and not tokens
        if self.is_constant:
            self.kind = "constant"
        elif self.is_feature_constant:
            self.kind = "camera"
        elif self.is_zoom_constant:
            self.kind = "source"
        else:
            self.kind = "composite"
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        body = self.constant_value if self.is_constant else self.expression or self.function
        return f"<PropertyValue {self.spec.name} {self.kind}: {body!r}>"

    def zoom_stops(self) -> list[float] | None:
        """Stop zooms of a camera/composite value (renderers interpolate between them)."""
        if self.function is not None:
            return self.function.zoom_stops() or None
        if self.expression is not None:
            return self.expression.zoom_stops()
        return None

    def interpolation_factor(self, zoom: float, lower: float, upper: float) -> float:
        """0..1 position of ``zoom`` between two of ``zoom_stops()`` using the value's own curve."""
        if self.function is not None:
            return self.function.interpolation_factor(zoom, lower, upper)
        curve = find_zoom_curve(self.expression) if self.expression is not None else None
        if isinstance(curve, Interpolate):
            return curve.factor(zoom, lower, upper)
        return 0.0

    def evaluate(self, zoom: float = 0.0, feature: Feature | None = None, *,
                 ctx: EvalContext | None = None) -> Any:
        """The value at ``zoom`` for ``feature``; never raises (falls back to the spec default)."""
        if self.is_constant:
            return self.constant_value
        if ctx is None:
            ctx = EvalContext(zoom=zoom, feature=feature)
        elif feature is not None and ctx.feature is None:
            ctx.feature = feature
        try:
            if self.function is not None:
                props = ctx.feature.properties if ctx.feature is not None else None
                v = self.function.evaluate(ctx.zoom, props)
                if v is not None and not isinstance(v, (Color, T.Formatted, T.ResolvedImage)):
                    v = _coerce_function_output(v, self.spec)
            elif self.expression is not None:
                v = self.expression.evaluate(ctx)
            else:
                v = self.constant_value
        except (EvaluationError, TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError,
                KeyError, AttributeError) as e:
            # Python-level errors stand for the JS runtime errors GL JS would raise here.
            msg = f"{self.spec.name}: {e}"
            if msg not in self._warned and len(self._warned) < 20:
                self._warned.add(msg)
                log.debug("evaluation failed, using default: %s", msg)
            return self.default
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return self.default
        if self._tokens:
            props = ctx.feature.properties if ctx.feature is not None else None
            v = _resolve_tokens_value(v, props)
        out = to_renderer_value(v, self.spec)
        return self.default if out is None and self.spec.type not in ("resolvedImage",) else out


def _coerce_function_output(v: Any, spec: PropertySpec) -> Any:
    if spec.type == "formatted":
        return T.Formatted.from_string(T.value_to_string(v))
    if spec.type == "resolvedImage":
        return T.ResolvedImage(T.value_to_string(v))
    return v


def _default_value(spec: PropertySpec) -> Any:
    d = spec.default
    if d is None or is_expression(d):
        # Colours without a default (fill-outline-color) and ramps use None: "not set".
        return None
    try:
        return coerce_constant(d, spec, spec.name)
    except StyleError:  # pragma: no cover - the spec's own defaults are valid
        return None


_DEFAULTS: dict[int, PropertyValue] = {}


def compile_property(value: Any, spec: PropertySpec, *, path: str,
                     global_state_defaults: Mapping[str, Any] | None = None) -> PropertyValue:
    """Compile a property's JSON value (None means "not set": the spec default).

    Raises StyleError / ExpressionError (a StyleError) with ``path`` on invalid values.
    """
    if value is None:
        if is_expression(spec.default):
            value = spec.default
        else:
            # Most properties of a layer are unset: share one (immutable) default per property spec
            # instead of making hundreds per style (a tenth of a cold start's style parsing).
            got = _DEFAULTS.get(id(spec))
            if got is None or got.spec is not spec:
                got = _DEFAULTS[id(spec)] = PropertyValue(spec, constant=_default_value(spec))
            return got
    if is_expression(value):
        expr = compile_expression(value, path=path, expected=spec.expression_type,
                                  annotate="coerce" if spec.type == "string" else "",
                                  global_state_defaults=global_state_defaults)
        _check_dependencies(expr, spec, path, value)
        return PropertyValue(spec, expression=expr)
    if isinstance(value, dict):
        if spec.property_type == "color-ramp":
            raise StyleError(path, f"{spec.name} requires an expression; found function {value!r}")
        fn = LegacyFunction(value, spec, path)
        if not fn.is_feature_constant and not spec.data_driven:
            raise StyleError(path, f"data functions not supported for {spec.name}: {value!r}")
        return PropertyValue(spec, function=fn)
    constant = coerce_constant(value, spec, path)
    tokens = spec.tokens and isinstance(value, str) and _TOKEN.search(value) is not None
    return PropertyValue(spec, constant=constant, tokens=tokens)


def _check_dependencies(expr: Expression, spec: PropertySpec, path: str, value: Any) -> None:
    if not spec.data_driven and not expr.is_feature_constant:
        raise StyleError(path, f"data expressions not supported for {spec.name}: {value!r}")
    if not spec.zoom and not expr.is_zoom_constant:
        raise StyleError(path, f"zoom expressions not supported for {spec.name}: {value!r}")
    if not expr.is_zoom_constant and find_zoom_curve(expr) is None:
        raise StyleError(path, '"zoom" expression may only be used as input to a top-level "step" or '
                               f'"interpolate" expression: {value!r}')
