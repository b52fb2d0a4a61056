"""Feature data and collection lookups: get, has, properties, id, geometry-type, feature-state, zoom,
the per-property inputs (line-progress, heatmap-density, ...), global-state, at, in, index-of, slice,
length, let and var."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from glrender.errors import EvaluationError
from glrender.style._js import is_number
from glrender.style.color import Color
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, ParsingContext, register
from glrender.style.expressions.compound import define
from glrender.style.expressions.typing_ops import js_truthy


def _get(key: str, obj: Any) -> Any:
    if isinstance(obj, dict) or hasattr(obj, "get"):
        return obj.get(key)
    return None


def _has(key: str, obj: Any) -> bool:
    return (isinstance(obj, dict) or hasattr(obj, "get")) and key in obj and obj[key] is not None


define("get", T.VALUE,
       ([T.STRING], lambda ctx, a: _get(a[0], ctx.properties())),
       ([T.STRING, T.OBJECT], lambda ctx, a: _get(a[0], a[1])),
       feature_overloads=(0,))
define("has", T.BOOLEAN,
       ([T.STRING], lambda ctx, a: _has(a[0], ctx.properties())),
       ([T.STRING, T.OBJECT], lambda ctx, a: _has(a[0], a[1])),
       feature_overloads=(0,))
define("properties", T.OBJECT, ([], lambda ctx, a: dict(ctx.properties())), reads_feature=True)
define("geometry-type", T.STRING, ([], lambda ctx, a: ctx.geometry_type()), reads_feature=True)
define("id", T.VALUE, ([], lambda ctx, a: ctx.feature_id()), reads_feature=True)
define("feature-state", T.VALUE,
       ([T.STRING], lambda ctx, a: _get(a[0], ctx.feature_state or {})), reads_feature_state=True)
define("zoom", T.NUMBER, ([], lambda ctx, a: ctx.zoom), reads_zoom=True)
define("heatmap-density", T.NUMBER, ([], lambda ctx, a: ctx.heatmap_density or 0),
       reads_globals=("heatmap-density",))
define("line-progress", T.NUMBER, ([], lambda ctx, a: ctx.line_progress or 0),
       reads_globals=("line-progress",))
define("elevation", T.NUMBER, ([], lambda ctx, a: ctx.elevation or 0), reads_globals=("elevation",))
define("accumulated", T.VALUE, ([], lambda ctx, a: ctx.accumulated), reads_globals=("accumulated",))


def _raise(msg: Any) -> Any:
    raise EvaluationError(str(msg))


define("error", T.ERROR, ([T.STRING], lambda ctx, a: _raise(a[0])), never_constant=True)


@register("global-state")
class GlobalState(Expression):
    reads_global_state = True
    never_constant = True

    def __init__(self, key: str, default: Any) -> None:
        self.state_key = key
        self.default = default

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"Expected 1 argument, but found {len(args) - 1} instead.")
        key = args[1]
        if key is None:
            raise ctx.error("Global state property must be defined.")
        if not isinstance(key, str):
            raise ctx.error(f"Global state property must be string, but found {key!r} instead.", 1)
        return cls(key, ctx.global_state_defaults.get(key))

    def evaluate(self, ctx: EvalContext) -> Any:
        gs = ctx.global_state
        if gs is not None and self.state_key in gs and gs[self.state_key] is not None:
            return gs[self.state_key]
        return self.default


def js_strict_equal(a: Any, b: Any) -> bool:
    """JavaScript ``===`` on JSON values: no cross-type equality (True is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    if isinstance(a, (list, dict, Color)):
        return a is b  # JS compares objects by identity
    return bool(a == b)


_NATIVE = (bool, str, int, float, type(None))


def _check_needle(v: Any) -> None:
    if not isinstance(v, _NATIVE):
        raise EvaluationError(f"Expected first argument to be of type boolean, string, number or null, but "
                              f"found {T.type_of(v)} instead.")


def _check_needle_type(ctx: ParsingContext, e: Expression) -> None:
    if e.type.kind not in ("boolean", "string", "number", "null", "value"):
        raise ctx.error(f"Expected first argument to be of type boolean, string, number or null, but found "
                        f"{e.type} instead")


class _Binary(Expression):
    def __init__(self, type_: T.Type, *args: Expression | None) -> None:
        self.type = type_
        self.args = [a for a in args if a is not None]

    def children(self) -> Iterator[Expression]:
        return iter(self.args)


@register("at")
class At(_Binary):
    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 3:
            raise ctx.error(f"Expected 2 arguments, but found {len(args) - 1} instead.")
        index = ctx.parse(args[1], 1, T.NUMBER)
        arr = ctx.parse(args[2], 2, T.array(ctx.expected or T.VALUE))
        return cls(arr.type.item or T.VALUE, index, arr)

    def evaluate(self, ctx: EvalContext) -> Any:
        index = self.args[0].evaluate(ctx)
        arr = self.args[1].evaluate(ctx)
        if index < 0:
            raise EvaluationError(f"Array index out of bounds: {T.value_to_string(index)} < 0.")
        if index >= len(arr):
            raise EvaluationError(f"Array index out of bounds: {T.value_to_string(index)} > {len(arr) - 1}.")
        if index != math.floor(index):
            raise EvaluationError(f"Array index must be an integer, but found {T.value_to_string(index)} "
                                  f"instead.")
        return arr[int(index)]


@register("in")
class In(_Binary):
    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 3:
            raise ctx.error(f"Expected 2 arguments, but found {len(args) - 1} instead.")
        needle = ctx.parse(args[1], 1, T.VALUE)
        haystack = ctx.parse(args[2], 2, T.VALUE)
        _check_needle_type(ctx, needle)
        return cls(T.BOOLEAN, needle, haystack)

    def evaluate(self, ctx: EvalContext) -> Any:
        needle = self.args[0].evaluate(ctx)
        haystack = self.args[1].evaluate(ctx)
        if not js_truthy(haystack):
            return False
        _check_needle(needle)
        if isinstance(haystack, str):
            # JS String.indexOf coerces the needle to a string.
            return _string_contains(haystack, needle)
        if isinstance(haystack, list):
            return any(js_strict_equal(needle, x) for x in haystack)
        raise EvaluationError(f"Expected second argument to be of type array or string, but found "
                              f"{T.type_of(haystack)} instead.")


def _js_string(v: Any) -> str:
    return "null" if v is None else T.value_to_string(v)


def _string_contains(haystack: str, needle: Any) -> bool:
    return _js_string(needle) in haystack


@register("index-of")
class IndexOf(_Binary):
    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) <= 2 or len(args) >= 5:
            raise ctx.error(f"Expected 2 or 3 arguments, but found {len(args) - 1} instead.")
        needle = ctx.parse(args[1], 1, T.VALUE)
        haystack = ctx.parse(args[2], 2, T.VALUE)
        _check_needle_type(ctx, needle)
        start = ctx.parse(args[3], 3, T.NUMBER) if len(args) == 4 else None
        return cls(T.NUMBER, needle, haystack, start)

    def evaluate(self, ctx: EvalContext) -> Any:
        needle = self.args[0].evaluate(ctx)
        haystack = self.args[1].evaluate(ctx)
        _check_needle(needle)
        start = int(self.args[2].evaluate(ctx)) if len(self.args) == 3 else 0
        if isinstance(haystack, str):
            return haystack.find(_js_string(needle), max(start, 0))
        if isinstance(haystack, list):
            n = len(haystack)
            if start < 0:
                start = max(n + start, 0)
            for i in range(start, n):
                if js_strict_equal(needle, haystack[i]):
                    return i
            return -1
        raise EvaluationError(f"Expected second argument to be of type array or string, but found "
                              f"{T.type_of(haystack)} instead.")


@register("slice")
class Slice(_Binary):
    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) <= 2 or len(args) >= 5:
            raise ctx.error(f"Expected 2 or 3 arguments, but found {len(args) - 1} instead.")
        inp = ctx.parse(args[1], 1, T.VALUE)
        begin = ctx.parse(args[2], 2, T.NUMBER)
        if inp.type.kind not in ("array", "string", "value"):
            raise ctx.error(f"Expected first argument to be of type array or string, but found {inp.type} "
                            f"instead")
        end = ctx.parse(args[3], 3, T.NUMBER) if len(args) == 4 else None
        return cls(inp.type, inp, begin, end)

    def evaluate(self, ctx: EvalContext) -> Any:
        inp = self.args[0].evaluate(ctx)
        begin = int(self.args[1].evaluate(ctx))
        end = int(self.args[2].evaluate(ctx)) if len(self.args) == 3 else None
        if isinstance(inp, (str, list)) and not isinstance(inp, Color):
            return inp[begin:end]
        raise EvaluationError(f"Expected first argument to be of type array or string, but found "
                              f"{T.type_of(inp)} instead.")


@register("length")
class Length(_Binary):
    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"Expected 1 argument, but found {len(args) - 1} instead.")
        inp = ctx.parse(args[1], 1)
        if inp.type.kind not in ("array", "string", "value"):
            raise ctx.error(f"Expected argument of type string or array, but found {inp.type} instead.")
        return cls(T.NUMBER, inp)

    def evaluate(self, ctx: EvalContext) -> Any:
        inp = self.args[0].evaluate(ctx)
        if isinstance(inp, str) or (isinstance(inp, list) and not isinstance(inp, Color)):
            return len(inp)
        raise EvaluationError(f"Expected value to be of type string or array, but found {T.type_of(inp)} "
                              f"instead.")


_VAR_NAME = re.compile(r"^[a-zA-Z0-9_]+$")


@register("let")
class Let(Expression):
    def __init__(self, bindings: list[tuple[str, Expression]], body: Expression) -> None:
        self.bindings = bindings
        self.body = body
        self.type = body.type

    def children(self) -> Iterator[Expression]:
        for _, e in self.bindings:
            yield e
        yield self.body

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 4:
            raise ctx.error(f"Expected at least 3 arguments, but found {len(args) - 1} instead.")
        bindings: list[tuple[str, Expression]] = []
        for i in range(1, len(args) - 1, 2):
            name = args[i]
            if not isinstance(name, str):
                raise ctx.error(f"Expected string, but found {name!r} instead.", i)
            if not _VAR_NAME.match(name):
                raise ctx.error(f"Variable names must contain only alphanumeric characters or '_'; found "
                                f"{name!r}.", i)
            if i + 1 >= len(args) - 1:
                raise ctx.error("Expected an odd number of arguments (name/value pairs and a result).")
            bindings.append((name, ctx.parse(args[i + 1], i + 1)))
        body = ctx.parse(args[-1], len(args) - 1, ctx.expected, bindings=dict(bindings))
        return cls(bindings, body)

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.body.evaluate(ctx)


@register("var")
class Var(Expression):
    def __init__(self, name: str, bound: Expression) -> None:
        self.name = name
        self.bound = bound
        self.type = bound.type

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2 or not isinstance(args[1], str):
            raise ctx.error("'var' expression requires exactly one string literal argument.")
        name = args[1]
        bound = ctx.scope.get(name)
        if bound is None:
            raise ctx.error(f'Unknown variable "{name}". Make sure "{name}" has been bound in an enclosing '
                            f'"let" expression before using it.', 1)
        return cls(name, bound)

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.bound.evaluate(ctx)

    def children(self) -> Iterator[Expression]:
        # The bound expression is walked through the Let that owns it; repeating it here would only
        # matter for dependency flags, which must include it (a var of ["zoom"] depends on zoom).
        yield self.bound
