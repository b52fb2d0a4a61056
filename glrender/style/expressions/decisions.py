"""Decision operators: case, match, coalesce, comparisons (with optional collator), !, all, any."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from glrender.errors import EvaluationError
from glrender.style._js import is_number
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, ParsingContext, register
from glrender.style.expressions.compound import define
from glrender.style.expressions.lookup import js_strict_equal
from glrender.style.expressions.typing_ops import Assertion

define("!", T.BOOLEAN, ([T.BOOLEAN], lambda _c, a: not a[0]))


@register("all", "any")
class AllAny(Expression):
    type = T.BOOLEAN

    def __init__(self, is_all: bool, args: list[Expression]) -> None:
        self.is_all = is_all
        self.args = args

    def children(self) -> Iterator[Expression]:
        return iter(self.args)

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        return cls(args[0] == "all", [ctx.parse(a, i, T.BOOLEAN) for i, a in enumerate(args[1:], start=1)])

    def evaluate(self, ctx: EvalContext) -> Any:
        if self.is_all:
            return all(a.evaluate(ctx) for a in self.args)
        return any(a.evaluate(ctx) for a in self.args)


def _output_type(ctx: ParsingContext) -> T.Type | None:
    e = ctx.expected
    return e if e is not None and e.kind != "value" else None


@register("case")
class Case(Expression):
    def __init__(self, type_: T.Type, branches: list[tuple[Expression, Expression]],
                 otherwise: Expression) -> None:
        self.type = type_
        self.branches = branches
        self.otherwise = otherwise

    def children(self) -> Iterator[Expression]:
        for test, out in self.branches:
            yield test
            yield out
        yield self.otherwise

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 4:
            raise ctx.error(f"Expected at least 3 arguments, but found only {len(args) - 1}.")
        if len(args) % 2:
            raise ctx.error("Expected an odd number of arguments.")
        out_t = _output_type(ctx)
        branches = []
        for i in range(1, len(args) - 1, 2):
            test = ctx.parse(args[i], i, T.BOOLEAN)
            result = ctx.parse(args[i + 1], i + 1, out_t)
            out_t = out_t or result.type
            branches.append((test, result))
        otherwise = ctx.parse(args[-1], len(args) - 1, out_t)
        return cls(out_t or otherwise.type, branches, otherwise)

    def evaluate(self, ctx: EvalContext) -> Any:
        for test, out in self.branches:
            if test.evaluate(ctx):
                return out.evaluate(ctx)
        return self.otherwise.evaluate(ctx)


_MAX_SAFE = 2**53 - 1


def _label_key(v: Any) -> Any:
    # Labels are keyed like JS object keys: the number 1 and 1.0 are the same label.
    if is_number(v):
        return ("n", float(v))
    return ("s", v)


@register("match")
class Match(Expression):
    def __init__(self, input_type: T.Type, type_: T.Type, inp: Expression, cases: dict[Any, int],
                 outputs: list[Expression], otherwise: Expression) -> None:
        self.input_type = input_type
        self.type = type_
        self.input = inp
        self.cases = cases
        self.outputs = outputs
        self.otherwise = otherwise

    def children(self) -> Iterator[Expression]:
        yield self.input
        yield from self.outputs
        yield self.otherwise

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 5:
            raise ctx.error(f"Expected at least 4 arguments, but found only {len(args) - 1}.")
        if len(args) % 2 != 1:
            raise ctx.error("Expected an even number of arguments.")
        out_t = _output_type(ctx)
        in_t: T.Type | None = None
        cases: dict[Any, int] = {}
        outputs: list[Expression] = []
        for i in range(2, len(args) - 1, 2):
            labels = args[i] if isinstance(args[i], list) else [args[i]]
            if not labels:
                raise ctx.error("Expected at least one branch label.", i)
            for label in labels:
                if not is_number(label) and not isinstance(label, str):
                    raise ctx.error(f"Branch labels must be numbers or strings; found {label!r}.", i)
                if is_number(label) and abs(label) > _MAX_SAFE:
                    raise ctx.error(f"Branch labels must be integers no larger than {_MAX_SAFE}.", i)
                if is_number(label) and math.floor(label) != label:
                    raise ctx.error(f"Numeric branch labels must be integer values; found {label!r}.", i)
                lt = T.type_of(label)
                if in_t is None:
                    in_t = lt
                elif T.check_subtype(in_t, lt) is not None:
                    raise ctx.error(f"{T.check_subtype(in_t, lt)} (label {label!r})", i)
                key = _label_key(label)
                if key in cases:
                    raise ctx.error(f"Branch labels must be unique; {label!r} repeats.", i)
                cases[key] = len(outputs)
            result = ctx.parse(args[i + 1], i + 1, out_t)
            out_t = out_t or result.type
            outputs.append(result)
        inp = ctx.parse(args[1], 1, T.VALUE)
        otherwise = ctx.parse(args[-1], len(args) - 1, out_t)
        assert in_t is not None
        if inp.type.kind != "value":
            err = T.check_subtype(in_t, inp.type)
            if err is not None:
                raise ctx.error(err, 1)
        return cls(in_t, out_t or otherwise.type, inp, cases, outputs, otherwise)

    def evaluate(self, ctx: EvalContext) -> Any:
        v = self.input.evaluate(ctx)
        # Fast paths for the common string/number inputs: filters run this per feature and layer.
        cls_ = v.__class__
        kind = self.input_type.kind
        if cls_ is str:
            idx = self.cases.get(("s", v)) if kind == "string" else None
        elif cls_ is int or cls_ is float:
            idx = self.cases.get(("n", float(v))) if kind == "number" else None
        elif T.type_of(v) == self.input_type:
            idx = self.cases.get(_label_key(v))
        else:
            idx = None
        if idx is not None:
            return self.outputs[idx].evaluate(ctx)
        return self.otherwise.evaluate(ctx)


@register("coalesce")
class Coalesce(Expression):
    def __init__(self, type_: T.Type, args: list[Expression]) -> None:
        self.type = type_
        self.args = args

    def children(self) -> Iterator[Expression]:
        return iter(self.args)

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 2:
            raise ctx.error("Expected at least one argument.")
        expected = ctx.expected
        out_t = _output_type(ctx)
        parsed = []
        for i, a in enumerate(args[1:], start=1):
            p = ctx.parse(a, i, out_t, annotate="omit")
            out_t = out_t or p.type
            parsed.append(p)
        assert out_t is not None
        # If some argument does not fit the expected type, the whole coalesce is "value" and the
        # caller wraps it in one assertion/coercion (so a null-producing branch is skipped first).
        if expected is not None and any(T.check_subtype(expected, p.type) for p in parsed):
            return cls(T.VALUE, parsed)
        return cls(out_t, parsed)

    def evaluate(self, ctx: EvalContext) -> Any:
        requested: str | None = None
        result: Any = None
        for n, arg in enumerate(self.args, start=1):
            result = arg.evaluate(ctx)
            if isinstance(result, T.ResolvedImage) and not result.available:
                requested = requested or result.name
                result = None
                if n == len(self.args):
                    result = requested
            if result is not None:
                break
        return result


def _comparable(op: str, t: T.Type) -> bool:
    if op in ("==", "!="):
        return t.kind in ("boolean", "string", "number", "null", "value")
    return t.kind in ("string", "number", "value")


def _order(op: str) -> Callable[[Any, Any], bool]:
    return {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }[op]


@register("==", "!=", "<", ">", "<=", ">=")
class Comparison(Expression):
    type = T.BOOLEAN

    def __init__(self, op: str, lhs: Expression, rhs: Expression, collator: Expression | None) -> None:
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.collator = collator
        self.untyped = lhs.type.kind == "value" or rhs.type.kind == "value"
        self.is_order = op not in ("==", "!=")

    def children(self) -> Iterator[Expression]:
        yield self.lhs
        yield self.rhs
        if self.collator is not None:
            yield self.collator

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) not in (3, 4):
            raise ctx.error("Expected two or three arguments.")
        op = args[0]
        lhs = ctx.parse(args[1], 1, T.VALUE)
        if not _comparable(op, lhs.type):
            raise ctx.error(f"\"{op}\" comparisons are not supported for type '{lhs.type}'.", 1)
        rhs = ctx.parse(args[2], 2, T.VALUE)
        if not _comparable(op, rhs.type):
            raise ctx.error(f"\"{op}\" comparisons are not supported for type '{rhs.type}'.", 2)
        if lhs.type.kind != rhs.type.kind and "value" not in (lhs.type.kind, rhs.type.kind):
            raise ctx.error(f"Cannot compare types '{lhs.type}' and '{rhs.type}' "
                            f"({args[1]!r} and {args[2]!r}).")
        if op not in ("==", "!="):
            if lhs.type.kind == "value" and rhs.type.kind != "value":
                lhs = Assertion(rhs.type, [lhs])
            elif lhs.type.kind != "value" and rhs.type.kind == "value":
                rhs = Assertion(lhs.type, [rhs])
        collator = None
        if len(args) == 4:
            kinds = (lhs.type.kind, rhs.type.kind)
            if "string" not in kinds and "value" not in kinds:
                raise ctx.error("Cannot use collator to compare non-string types.")
            collator = ctx.parse(args[3], 3, T.COLLATOR)
        return cls(op, lhs, rhs, collator)

    def evaluate(self, ctx: EvalContext) -> Any:
        a = self.lhs.evaluate(ctx)
        b = self.rhs.evaluate(ctx)
        if self.is_order and self.untyped:
            ta, tb = T.type_of(a).kind, T.type_of(b).kind
            if ta != tb or ta not in ("string", "number"):
                raise EvaluationError(f'Expected arguments for "{self.op}" to be (string, string) or '
                                      f"(number, number), but found ({ta}, {tb}) instead.")
        if self.collator is not None:
            if not self.is_order and self.untyped and not (isinstance(a, str) and isinstance(b, str)):
                return self._basic(a, b)
            c = self.collator.evaluate(ctx).compare(a, b)
            return {"==": c == 0, "!=": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[self.op]
        return self._basic(a, b)

    def _basic(self, a: Any, b: Any) -> bool:
        if self.op == "==":
            return js_strict_equal(a, b)
        if self.op == "!=":
            return not js_strict_equal(a, b)
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return False
        if type(a) is not type(b) and not (is_number(a) and is_number(b)):
            return False
        return _order(self.op)(a, b)
