"""Layer filters: legacy filters (``["==", "class", "park"]``, ``$type``, ``$id``...) and expressions.

A filter never raises while rendering: an evaluation error means "this feature is not drawn", as in
GL JS. Legacy filters are evaluated directly with their own (strict, type-sensitive) semantics rather
than converted to expressions: same results, and much cheaper per feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from glrender.errors import EvaluationError, StyleError
from glrender.style._js import is_number
from glrender.style.expressions import EvalContext, Expression, compile_expression
from glrender.style.expressions import types as T
from glrender.style.expressions.lookup import js_strict_equal

if TYPE_CHECKING:
    from glrender.tiles.features import Feature

Pred = Callable[[EvalContext], bool]


def is_expression_filter(f: Any) -> bool:
    """MapLibre's rule for telling an expression filter from a legacy one."""
    if f is True or f is False:
        return True
    if not isinstance(f, list) or not f:
        return False
    op = f[0]
    if op == "has":
        return len(f) >= 2 and f[1] not in ("$id", "$type")
    if op == "in":
        return len(f) >= 3 and (not isinstance(f[1], str) or isinstance(f[2], list))
    if op in ("!in", "!has", "none"):
        return False
    if op in ("==", "!=", ">", ">=", "<", "<="):
        return len(f) != 3 or isinstance(f[1], list) or isinstance(f[2], list)
    if op in ("any", "all"):
        return all(is_expression_filter(x) or isinstance(x, bool) for x in f[1:])
    return True


class Filter:
    """A compiled filter; ``evaluate(ctx)`` is True when the feature should be drawn."""

    def __init__(self, pred: Pred | None, *, expression: Expression | None = None, raw: Any = None) -> None:
        self._pred = pred
        self.expression = expression
        self.raw = raw

    @property
    def is_always_true(self) -> bool:
        return self._pred is None

    @property
    def needs_geometry(self) -> bool:
        """True if evaluation reads the feature geometry (within / distance)."""
        if self.expression is None:
            return False
        from glrender.style.expressions.geo import Distance, Within

        return any(isinstance(e, (Within, Distance)) for e in self.expression._walk())

    @property
    def is_zoom_constant(self) -> bool:
        return self.expression is None or self.expression.is_zoom_constant

    def evaluate(self, ctx: EvalContext) -> bool:
        if self._pred is None:
            return True
        try:
            return bool(self._pred(ctx))
        except (EvaluationError, TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError,
                KeyError, AttributeError):
            return False

    def __call__(self, feature: Feature, zoom: float = 0.0, **kw: Any) -> bool:
        return self.evaluate(EvalContext(zoom=zoom, feature=feature, **kw))

    def __repr__(self) -> str:
        return f"<Filter {self.raw!r}>"


ALWAYS = Filter(None)


def compile_filter(value: Any, *, path: str = "filter",
                   global_state_defaults: Mapping[str, Any] | None = None) -> Filter:
    """Compile a layer's ``filter`` (None: every feature passes). Raises StyleError on bad filters."""
    if value is None:
        return ALWAYS
    if is_expression_filter(value):
        expr = compile_expression(value, path=path, expected=T.BOOLEAN,
                                  global_state_defaults=global_state_defaults)
        if not expr.is_state_constant:
            raise StyleError(path, f'"feature-state" data expressions are not supported with filters: '
                                   f"{value!r}")

        def run(ctx: EvalContext) -> bool:
            return expr.evaluate(ctx) is True

        return Filter(run, expression=expr, raw=value)
    return Filter(_legacy(value, path), raw=value)


# ---------------------------------------------------------------------------------------------------
# Legacy filters


def _get_key(key: str) -> Callable[[EvalContext], Any]:
    if key == "$type":
        return lambda ctx: ctx.geometry_type()
    if key == "$id":
        return lambda ctx: ctx.feature_id()
    _missing = _MISSING

    def get(ctx: EvalContext) -> Any:
        return ctx.properties().get(key, _missing)

    return get


_MISSING = object()


def _same_js_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b)
    return isinstance(a, str) and isinstance(b, str)


def _order_op(op: str) -> Callable[[Any, Any], bool]:
    return {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b}[op]


def _legacy(f: Any, path: str) -> Pred | None:
    """Compile a legacy filter; None stands for "always true" (cheaper than a closure)."""
    if not isinstance(f, list):
        if f is None or f is True:
            return None
        if f is False:
            return lambda ctx: False
        raise StyleError(path, f"filter must be an array; found {f!r}")
    if not f:
        return None
    op = f[0]
    if is_expression_filter(f) and op not in ("all", "any"):
        # A legacy all/any/none may hold expression filters (a "mixed" filter). GL JS would mangle
        # them into legacy form; evaluating them as the expressions they are is what authors mean.
        expr = compile_expression(f, path=path, expected=T.BOOLEAN)
        return lambda ctx: expr.evaluate(ctx) is True
    if len(f) <= 1:
        return (lambda ctx: False) if op == "any" else None
    if op in ("==", "!=", "<", ">", "<=", ">="):
        if len(f) != 3 or not isinstance(f[1], str):
            raise StyleError(path, f"filter {op!r} needs a key and a value; found {f!r}")
        getter, value = _get_key(f[1]), f[2]
        if isinstance(value, (list, dict)):
            raise StyleError(f"{path}[2]", f"filter value must be a string, number or boolean; found "
                                           f"{value!r}")
        if op == "==":
            return lambda ctx: js_strict_equal(getter(ctx), value)
        if op == "!=":
            return lambda ctx: not js_strict_equal(getter(ctx), value)
        cmp = _order_op(op)

        def order(ctx: EvalContext) -> bool:
            a = getter(ctx)
            return a is not _MISSING and _same_js_type(a, value) and cmp(a, value)

        return order
    if op in ("in", "!in"):
        if len(f) < 2 or not isinstance(f[1], str):
            raise StyleError(path, f"filter {op!r} needs a key; found {f!r}")
        getter = _get_key(f[1])
        values = f[2:]
        if op == "in" and not values:
            return lambda ctx: False
        if op == "!in" and not values:
            return None
        hashable = [v for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
        fast = len(hashable) == len(values)
        pool: set[tuple[bool, Any]] = {(isinstance(v, str), v) for v in hashable}

        def contains(ctx: EvalContext) -> bool:
            a = getter(ctx)
            if a is _MISSING:
                return False
            if fast:
                return not isinstance(a, bool) and isinstance(a, (str, int, float)) \
                    and (isinstance(a, str), a) in pool
            return any(js_strict_equal(a, v) for v in values)

        if op == "in":
            return contains
        return lambda ctx: not contains(ctx)
    if op in ("has", "!has"):
        key = f[1]
        if key == "$type":
            return None if op == "has" else (lambda ctx: False)
        if key == "$id":
            has_id: Pred = lambda ctx: ctx.feature_id() is not None  # noqa: E731
        else:
            has_id = lambda ctx: key in ctx.properties()  # noqa: E731
        return has_id if op == "has" else (lambda ctx: not has_id(ctx))
    if op in ("all", "any", "none"):
        subs = [_legacy(x, f"{path}[{i}]") for i, x in enumerate(f[1:], start=1)]
        if op == "all":
            preds = [p for p in subs if p is not None]
            return (lambda ctx: all(p(ctx) for p in preds)) if preds else None
        if op == "any":
            if any(p is None for p in subs):
                return None
            return lambda ctx: any(p(ctx) for p in subs if p is not None)
        if any(p is None for p in subs):
            return lambda ctx: False
        return lambda ctx: not any(p(ctx) for p in subs if p is not None)
    raise StyleError(path, f"unknown filter operator {op!r}")
