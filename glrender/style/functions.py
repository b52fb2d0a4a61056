"""Legacy (pre-expression) style functions: ``{"stops": [...], "property": ..., "type": ...}``.

Evaluated directly rather than converted to expressions, because their edge cases differ from the
expression language (a missing property falls back to the function's ``default``; categorical keys
must have the same JS type as the first stop; a zoom-and-property function interpolates between
per-zoom inner functions with the outer ``base``) and GL JS evaluates them the same direct way.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from glrender.errors import StyleError
from glrender.style._js import is_number, js_number_str
from glrender.style.color import parse_color
from glrender.style.expressions import types as T
from glrender.style.expressions.ramps import exponential_factor, interpolate_values

if TYPE_CHECKING:
    from glrender.style.properties import PropertySpec

_MISSING = object()


def is_function(value: Any) -> bool:
    return isinstance(value, dict)


def _coalesce(*vals: Any) -> Any:
    for v in vals:
        if v is not _MISSING and v is not None:
            return v
    return None


def _js_key(v: Any) -> tuple[str, str]:
    """Categorical stops are looked up like JS object keys, but only for the first stop's JS type."""
    if isinstance(v, bool):
        return ("boolean", "true" if v else "false")
    if is_number(v):
        return ("number", js_number_str(v))
    if isinstance(v, str):
        return ("string", v)
    return ("object", repr(v))


def supports_interpolation(spec: PropertySpec) -> bool:
    return spec.type in ("number", "color", "padding", "numberArray", "colorArray") or (
        spec.type == "array" and spec.item == "number" and spec.length is not None
    )


class LegacyFunction:
    """A compiled legacy function. ``kind``: "camera" (zoom), "source" (property) or "composite"."""

    def __init__(self, params: Mapping[str, Any], spec: PropertySpec, path: str) -> None:
        self.spec = spec
        self.path = path
        self.params = params
        stops = params.get("stops")
        if stops is not None and (not isinstance(stops, list) or not stops
                                  or not all(isinstance(s, list) and len(s) == 2 for s in stops)):
            raise StyleError(f"{path}.stops", f"function stops must be a non-empty array of [input, output] "
                                              f"pairs; found {stops!r}")
        zoom_and_feature = stops is not None and len(stops) > 0 and isinstance(stops[0][0], dict)
        self.property = params.get("property")
        feature_dependent = zoom_and_feature or self.property is not None
        self.kind = "composite" if zoom_and_feature else "source" if feature_dependent else "camera"
        self.type = params.get("type") or ("exponential" if supports_interpolation(spec) else "interval")
        if self.type not in ("exponential", "interval", "categorical", "identity"):
            raise StyleError(f"{path}.type", f"unknown function type {self.type!r}")
        if self.type != "identity" and not stops:
            raise StyleError(path, f"function of type {self.type!r} needs stops; found {dict(params)!r}")
        self.color_space = params.get("colorSpace", "rgb")
        if self.color_space not in ("rgb", "lab", "hcl"):
            raise StyleError(f"{path}.colorSpace", f"unknown color space {self.color_space!r}")
        self.base = params.get("base", 1)
        if not is_number(self.base):
            raise StyleError(f"{path}.base", f"function base must be a number; found {self.base!r}")
        self.default = self._coerce_output(params["default"]) if "default" in params else _MISSING
        if spec.type in ("color", "padding") and self.default is _MISSING:
            self.default = self._coerce_output(spec.default)
        if self.default is None:
            self.default = _MISSING
        self.spec_default = spec.default if spec.type not in ("color", "padding") else \
            self._coerce_output(spec.default)
        self.stops: list[tuple[Any, Any]] = []
        self.zoom_functions: list[tuple[float, LegacyFunction]] = []
        if zoom_and_feature:
            assert stops is not None
            self._build_composite(stops, params)
        elif stops:
            for i, (inp, out) in enumerate(stops):
                if self.type in ("exponential", "interval") and not is_number(inp):
                    raise StyleError(f"{path}.stops[{i}][0]", f"stop input must be a number; found {inp!r}")
                self.stops.append((inp, self._coerce_output(out)))
        self.labels = [s[0] for s in self.stops]
        self.hashed: dict[tuple[str, str], Any] = {}
        self.key_type = ""
        if self.type == "categorical" and self.stops:
            for inp, out in self.stops:
                self.hashed.setdefault(_js_key(inp), out)
            self.key_type = _js_key(self.stops[0][0])[0]

    def _build_composite(self, stops: list[Any], params: Mapping[str, Any]) -> None:
        groups: dict[float, list[Any]] = {}
        for i, (inp, out) in enumerate(stops):
            if not isinstance(inp, dict) or not is_number(inp.get("zoom")) or "value" not in inp:
                raise StyleError(f"{self.path}.stops[{i}][0]", f"zoom-and-property stop input must be "
                                                               f"{{zoom, value}}; found {inp!r}")
            groups.setdefault(inp["zoom"], []).append([inp["value"], out])
        for z, inner_stops in groups.items():
            inner = {k: v for k, v in params.items() if k in ("type", "property", "default", "colorSpace")}
            inner["stops"] = inner_stops
            self.zoom_functions.append((z, LegacyFunction(inner, self.spec, self.path)))
        self.zoom_functions.sort(key=lambda zf: zf[0])

    def _coerce_output(self, v: Any) -> Any:
        t = self.spec.type
        if t == "color":
            return parse_color(v) if isinstance(v, str) else None
        if t == "padding":
            return T.Padding.parse(v)
        return v

    @property
    def is_zoom_constant(self) -> bool:
        return self.kind == "source"

    @property
    def is_feature_constant(self) -> bool:
        return self.kind == "camera"

    def zoom_stops(self) -> list[float]:
        if self.kind == "composite":
            return [z for z, _ in self.zoom_functions]
        if self.kind == "camera":
            return list(self.labels)
        return []

    def interpolation_factor(self, zoom: float, lower: float, upper: float) -> float:
        if self.kind == "composite":
            return exponential_factor(zoom, 1, lower, upper)
        if self.type == "exponential":
            return exponential_factor(zoom, self.base, lower, upper)
        return 0.0

    # -- evaluation -----------------------------------------------------------------------------

    def evaluate(self, zoom: float, properties: Mapping[str, Any] | None) -> Any:
        """Value at ``zoom`` for a feature with ``properties`` (None when absent: caller defaults)."""
        if self.kind == "camera":
            return self._inner(zoom)
        if self.kind == "source":
            prop = self.property
            if properties is None or prop is None or prop not in properties:
                return _coalesce(self.default, self.spec_default)
            return self._inner(properties[prop])
        return self._composite(zoom, properties)

    def _composite(self, zoom: float, properties: Mapping[str, Any] | None) -> Any:
        zfs = self.zoom_functions
        if len(zfs) == 1 or zoom <= zfs[0][0]:
            return zfs[0][1].evaluate(zoom, properties)
        if zoom >= zfs[-1][0]:
            return zfs[-1][1].evaluate(zoom, properties)
        i = bisect.bisect_right([z for z, _ in zfs], zoom) - 1
        t = exponential_factor(zoom, self.base, zfs[i][0], zfs[i + 1][0])
        lo = zfs[i][1].evaluate(zoom, properties)
        hi = zfs[i + 1][1].evaluate(zoom, properties)
        if lo is None or hi is None:
            return None
        return self._interp(lo, hi, t)

    def _interp(self, lo: Any, hi: Any, t: float) -> Any:
        kind = self.spec.type
        if not supports_interpolation(self.spec) and kind != "array":
            return lo  # GL JS's identity "interpolator": the lower stop wins
        if kind == "array":
            if not (isinstance(lo, list) and isinstance(hi, list)):
                return lo
        if kind in ("numberArray", "colorArray"):
            lo_v = T.NumberArray.parse(lo) if kind == "numberArray" else T.ColorArray.parse(lo)
            hi_v = T.NumberArray.parse(hi) if kind == "numberArray" else T.ColorArray.parse(hi)
            if lo_v is None or hi_v is None:
                return lo
            return interpolate_values(kind, lo_v, hi_v, t, self.color_space)
        if kind == "color" and (lo is None or hi is None):
            return None
        return interpolate_values(kind, lo, hi, t, self.color_space)

    def _inner(self, x: Any) -> Any:
        if self.type == "identity":
            return self._identity(x)
        if self.type == "categorical":
            key = _js_key(x)
            got = self.hashed.get(key, _MISSING) if key[0] == self.key_type else _MISSING
            return _coalesce(got, self.default, self.spec_default)
        if not is_number(x):
            return _coalesce(self.default, self.spec_default)
        stops = self.stops
        n = len(stops)
        if n == 1 or x <= stops[0][0]:
            return stops[0][1]
        if x >= stops[-1][0]:
            return stops[-1][1]
        i = bisect.bisect_right(self.labels, x) - 1
        if self.type == "interval":
            return stops[i][1]
        t = exponential_factor(x, self.base, stops[i][0], stops[i + 1][0])
        return self._interp(stops[i][1], stops[i + 1][1], t)

    def _identity(self, x: Any) -> Any:
        t = self.spec.type
        v: Any
        if t == "color":
            v = parse_color(x) if isinstance(x, str) else None
        elif t == "formatted":
            v = T.Formatted.from_string(T.value_to_string(x)) if x is not None else None
        elif t == "resolvedImage":
            v = T.ResolvedImage(T.value_to_string(x)) if x is not None else None
        elif t == "padding":
            v = T.Padding.parse(x)
        else:
            actual = T.type_of(x).kind
            ok = actual == t or (t == "enum" and isinstance(x, str) and x in (self.spec.values or ()))
            v = x if ok else None
        return _coalesce(v, self.default, self.spec_default)


FunctionFactory = Callable[[Mapping[str, Any], "PropertySpec", str], LegacyFunction]
