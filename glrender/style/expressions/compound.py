"""Operators with fixed signatures (math, lookups, colour constructors...), declared as data.

Each definition lists overloads (parameter types, or a varargs type) and a function of the evaluated
arguments. Parsing tries the overloads in order, as GL JS does, so ``["-", x]`` and ``["-", a, b]`` are
one operator, and ill-typed calls get the same "Expected arguments of type ..." message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from glrender._record import field, record
from glrender.errors import ExpressionError
from glrender.style.expressions import types as T
from glrender.style.expressions.base import REGISTRY, EvalContext, Expression, Literal, ParsingContext

Fn = Callable[[EvalContext, list[Any]], Any]


@record(frozen=True)
class Varargs:
    type: T.Type


Params = list[T.Type] | Varargs


@record
class Definition:
    type: T.Type
    overloads: list[tuple[Params, Fn]]
    reads_zoom: bool = False
    reads_feature: bool = False
    reads_feature_state: bool = False
    reads_globals: tuple[str, ...] = ()
    never_constant: bool = False
    # Some operators (get/has with one argument) read the feature only in certain overloads.
    feature_overloads: tuple[int, ...] = field(default=())


DEFINITIONS: dict[str, Definition] = {}


def define(name: str, type_: T.Type, *overloads: tuple[Params, Fn], **flags: Any) -> None:
    DEFINITIONS[name] = Definition(type_, list(overloads), **flags)
    REGISTRY[name] = _parse_compound


def _sig(params: Params) -> str:
    if isinstance(params, Varargs):
        return f"({params.type}...)"
    return "(" + ", ".join(str(p) for p in params) + ")"


class Compound(Expression):
    def __init__(self, name: str, defn: Definition, fn: Fn, args: list[Expression], overload: int) -> None:
        self.name = name
        self.type = defn.type
        self.fn = fn
        self.args = args
        self.reads_zoom = defn.reads_zoom
        self.reads_feature = defn.reads_feature or overload in defn.feature_overloads
        self.reads_feature_state = defn.reads_feature_state
        self.reads_globals = defn.reads_globals
        self.never_constant = defn.never_constant

    def children(self) -> Iterator[Expression]:
        return iter(self.args)

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.fn(ctx, [a.evaluate(ctx) for a in self.args])

    def __repr__(self) -> str:
        return f"<{self.name} {self.args!r}>"


class _FeatureGet(Compound):
    """``["get", "key"]`` on the feature: the hottest expression in filters, so it skips the generic
    argument evaluation."""

    def evaluate(self, ctx: EvalContext) -> Any:
        f = ctx.feature
        if f is None or f.properties is None:
            return None
        return f.properties.get(self.args[0].value)  # type: ignore[attr-defined]


def _parse_compound(args: list[Any], ctx: ParsingContext) -> Expression:
    name = args[0]
    defn = DEFINITIONS[name]
    nargs = len(args) - 1
    candidates = [(i, p, f) for i, (p, f) in enumerate(defn.overloads)
                  if isinstance(p, Varargs) or len(p) == nargs]
    last_error: ExpressionError | None = None
    for index, params, fn in candidates:
        try:
            parsed = []
            for i, a in enumerate(args[1:], start=1):
                expected = params.type if isinstance(params, Varargs) else params[i - 1]
                parsed.append(ctx.parse(a, i, expected))
            if name == "get" and len(parsed) == 1 and isinstance(parsed[0], Literal):
                return _FeatureGet(name, defn, fn, parsed, index)
            return Compound(name, defn, fn, parsed, index)
        except ExpressionError as e:
            last_error = e
    if len(candidates) == 1 and last_error is not None:
        raise last_error
    if len(defn.overloads) == 1 and not candidates:
        params = defn.overloads[0][0]
        assert not isinstance(params, Varargs)
        raise ctx.error(f"Expected {len(params)} arguments, but found {nargs} instead.")
    # candidates are (index, params, fn), overloads (params, fn): unpacking both as pairs raised here
    tried = [params for _i, params, _f in candidates] or [params for params, _f in defn.overloads]
    sigs = " | ".join(_sig(p) for p in tried)
    actual = []
    for i, a in enumerate(args[1:], start=1):
        actual.append(str(ctx.parse(a, i).type))
    raise ctx.error(f"Expected arguments of type {sigs}, but found ({', '.join(actual)}) instead.")
