"""Ramps: step, interpolate (linear, exponential, cubic-bezier), interpolate-hcl, interpolate-lab."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

from glrender.errors import EvaluationError
from glrender.style._js import is_number
from glrender.style.color import Color, interpolate_color
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, ParsingContext, register


def exponential_factor(x: float, base: float, lower: float, upper: float) -> float:
    """Position of x between two stops; with base > 1 it moves slowly at first, then fast."""
    diff = upper - lower
    progress = x - lower
    if diff == 0:
        return 0.0
    if base == 1:
        return progress / diff
    return (base**progress - 1) / (base**diff - 1)


def unit_bezier(p1x: float, p1y: float, p2x: float, p2y: float, x: float, eps: float = 1e-6) -> float:
    """y of a CSS-style cubic bezier at x (Newton's method, then bisection when it stalls)."""
    cx = 3 * p1x
    bx = 3 * (p2x - p1x) - cx
    ax = 1 - cx - bx
    cy = 3 * p1y
    by = 3 * (p2y - p1y) - cy
    ay = 1 - cy - by
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    t = x
    for _ in range(8):
        x2 = ((ax * t + bx) * t + cx) * t - x
        if abs(x2) < eps:
            return ((ay * t + by) * t + cy) * t
        d2 = (3 * ax * t + 2 * bx) * t + cx
        if abs(d2) < 1e-6:
            break
        t -= x2 / d2
    t0, t1, t = 0.0, 1.0, x
    for _ in range(20):
        x2 = ((ax * t + bx) * t + cx) * t
        if abs(x2 - x) < eps:
            break
        if x > x2:
            t0 = t
        else:
            t1 = t
        t = (t0 + t1) * 0.5
    return ((ay * t + by) * t + cy) * t


def _lerp(a: float, b: float, t: float) -> float:
    return a + t * (b - a)


def interpolate_values(kind: str, a: Any, b: Any, t: float, space: str = "rgb") -> Any:
    """Interpolate two outputs of an interpolatable type (``kind`` as in the expression type)."""
    if kind == "number":
        return _lerp(a, b, t)
    if kind == "color":
        return interpolate_color(a, b, t, space)
    if kind == "array":
        return [_lerp(x, y, t) for x, y in zip(a, b, strict=False)]
    if kind == "padding":
        return T.Padding(*(_lerp(x, y, t) for x, y in zip(a.values(), b.values(), strict=True)))
    if kind == "numberArray":
        return T.NumberArray(tuple(_lerp(x, y, t) for x, y in zip(a.values, b.values, strict=False)))
    if kind == "colorArray":
        if len(a.values) != len(b.values):
            raise EvaluationError(f"colorArray: Arrays have mismatched length ({len(a.values)} vs. "
                                  f"{len(b.values)}), cannot interpolate.")
        return T.ColorArray(tuple(interpolate_color(x, y, t, space)
                                  for x, y in zip(a.values, b.values, strict=True)))
    if kind == "variableAnchorOffsetCollection":
        if len(a.values) != len(b.values):
            raise EvaluationError("Cannot interpolate values of different length.")
        out = []
        for (an, (ax, ay)), (bn, (bx, by)) in zip(a.values, b.values, strict=True):
            if an != bn:
                raise EvaluationError(f"Cannot interpolate values containing mismatched anchors: {an!r} and "
                                      f"{bn!r}.")
            out.append((an, (_lerp(ax, bx, t), _lerp(ay, by, t))))
        return T.VariableAnchorOffsetCollection(tuple(out))
    return a if t < 1 else b


def is_interpolatable(t: T.Type) -> bool:
    if t.kind in ("number", "color", "padding", "numberArray", "colorArray",
                  "variableAnchorOffsetCollection"):
        return True
    return t.kind == "array" and t.item is not None and t.item.kind == "number"


def _stop_index(labels: list[float], x: float) -> int:
    """Index of the last stop <= x (x already known to lie between the first and last stops)."""
    if x != x:
        raise EvaluationError("Input is not a number.")
    return bisect.bisect_right(labels, x) - 1


class _Curve(Expression):
    labels: list[float]
    outputs: list[Expression]
    input: Expression

    def children(self) -> Iterator[Expression]:
        yield self.input
        yield from self.outputs


@register("step")
class Step(_Curve):
    def __init__(self, type_: T.Type, inp: Expression, stops: list[tuple[float, Expression]]) -> None:
        self.type = type_
        self.input = inp
        self.labels = [s[0] for s in stops]
        self.outputs = [s[1] for s in stops]

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) - 1 < 4:
            raise ctx.error(f"Expected at least 4 arguments, but found only {len(args) - 1}.")
        if (len(args) - 1) % 2:
            raise ctx.error("Expected an even number of arguments.")
        inp = ctx.parse(args[1], 1, T.NUMBER)
        out_t = ctx.expected if ctx.expected is not None and ctx.expected.kind != "value" else None
        stops: list[tuple[float, Expression]] = []
        for i in range(1, len(args), 2):
            label = float("-inf") if i == 1 else args[i]
            if not is_number(label):
                raise ctx.error('Input/output pairs for "step" expressions must be defined using literal '
                                f"numeric values (not computed expressions) for the input values; found "
                                f"{label!r}.", i)
            if stops and stops[-1][0] >= label:
                raise ctx.error('Input/output pairs for "step" expressions must be arranged with input '
                                f"values in strictly ascending order; found {label!r}.", i)
            out = ctx.parse(args[i + 1], i + 1, out_t)
            out_t = out_t or out.type
            stops.append((label, out))
        assert out_t is not None
        return cls(out_t, inp, stops)

    def evaluate(self, ctx: EvalContext) -> Any:
        labels, outputs = self.labels, self.outputs
        if len(labels) == 1:
            return outputs[0].evaluate(ctx)
        x = self.input.evaluate(ctx)
        if x <= labels[0]:
            return outputs[0].evaluate(ctx)
        if x >= labels[-1]:
            return outputs[-1].evaluate(ctx)
        return outputs[_stop_index(labels, x)].evaluate(ctx)


@register("interpolate", "interpolate-hcl", "interpolate-lab")
class Interpolate(_Curve):
    def __init__(self, type_: T.Type, operator: str, interpolation: tuple[Any, ...], inp: Expression,
                 stops: list[tuple[float, Expression]]) -> None:
        self.type = type_
        self.operator = operator
        self.interpolation = interpolation  # ("linear",) | ("exponential", base) | ("cubic-bezier", ...)
        self.input = inp
        self.labels = [s[0] for s in stops]
        self.outputs = [s[1] for s in stops]
        self.space = {"interpolate-hcl": "hcl", "interpolate-lab": "lab"}.get(operator, "rgb")

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        op = args[0]
        interp = args[1] if len(args) > 1 else None
        if not isinstance(interp, list) or not interp:
            raise ctx.error(f"Expected an interpolation type expression; found {interp!r}.", 1)
        kind = interp[0]
        spec: tuple[Any, ...]
        if kind == "linear":
            spec = ("linear",)
        elif kind == "exponential":
            base = interp[1] if len(interp) > 1 else None
            if not is_number(base):
                raise ctx.error(f"Exponential interpolation requires a numeric base; found {base!r}.", 1, 1)
            spec = ("exponential", base)
        elif kind == "cubic-bezier":
            pts = interp[1:]
            if len(pts) != 4 or any(not is_number(p) or p < 0 or p > 1 for p in pts):
                raise ctx.error("Cubic bezier interpolation requires four numeric arguments with values "
                                f"between 0 and 1; found {pts!r}.", 1)
            spec = ("cubic-bezier", *pts)
        else:
            raise ctx.error(f"Unknown interpolation type {kind!r}", 1, 0)
        if len(args) - 1 < 4:
            raise ctx.error(f"Expected at least 4 arguments, but found only {len(args) - 1}.")
        if (len(args) - 1) % 2:
            raise ctx.error("Expected an even number of arguments.")
        inp = ctx.parse(args[2], 2, T.NUMBER)
        out_t: T.Type | None = None
        if op in ("interpolate-hcl", "interpolate-lab") and ctx.expected != T.COLOR_ARRAY:
            out_t = T.COLOR
        elif ctx.expected is not None and ctx.expected.kind != "value":
            out_t = ctx.expected
        stops: list[tuple[float, Expression]] = []
        for i in range(3, len(args), 2):
            label = args[i]
            if not is_number(label):
                raise ctx.error('Input/output pairs for "interpolate" expressions must be defined using '
                                "literal numeric values (not computed expressions) for the input values; "
                                f"found {label!r}.", i)
            if stops and stops[-1][0] >= label:
                raise ctx.error('Input/output pairs for "interpolate" expressions must be arranged with '
                                f"input values in strictly ascending order; found {label!r}.", i)
            out = ctx.parse(args[i + 1], i + 1, out_t)
            out_t = out_t or out.type
            stops.append((label, out))
        assert out_t is not None
        if not is_interpolatable(out_t):
            raise ctx.error(f"Type {out_t} is not interpolatable.")
        return cls(out_t, op, spec, inp, stops)

    def factor(self, x: float, lower: float, upper: float) -> float:
        """Interpolation factor (0..1) of ``x`` between two stop labels."""
        kind = self.interpolation[0]
        if kind == "exponential":
            return exponential_factor(x, self.interpolation[1], lower, upper)
        t = exponential_factor(x, 1, lower, upper)
        if kind == "cubic-bezier":
            p = [float(v) for v in self.interpolation[1:5]]
            return unit_bezier(p[0], p[1], p[2], p[3], t)
        return t

    def evaluate(self, ctx: EvalContext) -> Any:
        labels, outputs = self.labels, self.outputs
        if len(labels) == 1:
            return outputs[0].evaluate(ctx)
        x = self.input.evaluate(ctx)
        if x <= labels[0]:
            return outputs[0].evaluate(ctx)
        if x >= labels[-1]:
            return outputs[-1].evaluate(ctx)
        i = _stop_index(labels, x)
        t = self.factor(x, labels[i], labels[i + 1])
        lo = outputs[i].evaluate(ctx)
        hi = outputs[i + 1].evaluate(ctx)
        if self.type.kind == "color" and not (isinstance(lo, Color) and isinstance(hi, Color)):
            raise EvaluationError(f"Cannot interpolate {lo!r} and {hi!r} as colours.")
        return interpolate_values(self.type.kind, lo, hi, t, self.space)


def _is_zoom_input(e: Expression) -> bool:
    return getattr(e, "name", None) == "zoom"


def find_zoom_curve(e: Expression) -> _Curve | None:
    """The step/interpolate whose input is ["zoom"], found at the top level or inside let/coalesce.

    The spec only allows zoom as the input of a top-level step/interpolate, which is what lets
    renderers evaluate a data-driven property at two zooms and interpolate between them.
    """
    from glrender.style.expressions.decisions import Coalesce
    from glrender.style.expressions.lookup import Let
    from glrender.style.expressions.typing_ops import Assertion, Coercion

    if isinstance(e, _Curve):
        return e if _is_zoom_input(e.input) else None
    if isinstance(e, Let):
        return find_zoom_curve(e.body)
    if isinstance(e, (Coalesce, Assertion, Coercion)):
        for c in e.args:
            found = find_zoom_curve(c)
            if found is not None:
                return found
    return None
