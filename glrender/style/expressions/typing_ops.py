"""Types and conversions: literal, typeof, the assertions (number, string, array...) and to-* coercions."""

from __future__ import annotations

import math
import re
from typing import Any

from glrender.errors import EvaluationError
from glrender.style._js import is_number
from glrender.style.color import Color, parse_color
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, Literal, ParsingContext, register


def _is_value(v: Any) -> bool:
    if v is None or isinstance(v, (str, bool, int, float)):
        return True
    if isinstance(v, list):
        return all(_is_value(x) for x in v)
    if isinstance(v, dict):
        return all(_is_value(x) for x in v.values())
    return False


@register("literal")
class LiteralParser:
    @staticmethod
    def parse(args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"'literal' expression requires exactly one argument, but found {len(args) - 1} "
                            f"instead.")
        value = args[1]
        if not _is_value(value):
            raise ctx.error(f"invalid value {value!r}", 1)
        t = T.type_of(value)
        expected = ctx.expected
        # An empty array takes the expected item type, so ["literal", []] is fine where
        # array<number> is required.
        if (t.kind == "array" and t.n == 0 and expected is not None and expected.kind == "array"
                and (expected.n is None or expected.n == 0)):
            t = expected
        return Literal(t, value)


_ASSERT_TYPES = {"string": T.STRING, "number": T.NUMBER, "boolean": T.BOOLEAN, "object": T.OBJECT}


@register("string", "number", "boolean", "object", "array")
class Assertion(Expression):
    def __init__(self, type_: T.Type, args: list[Expression]) -> None:
        self.type = type_
        self.args = args

    def children(self):  # type: ignore[no-untyped-def]
        return iter(self.args)

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 2:
            raise ctx.error("Expected at least one argument.")
        name = args[0]
        i = 1
        if name == "array":
            item = T.VALUE
            n: int | None = None
            if len(args) > 2:
                it = args[1]
                if not isinstance(it, str) or it not in _ASSERT_TYPES or it == "object":
                    raise ctx.error(f'The item type argument of "array" must be one of string, number, '
                                    f"boolean; found {it!r}", 1)
                item = _ASSERT_TYPES[it]
                i += 1
            if len(args) > 3:
                nv = args[2]
                if nv is not None and (not is_number(nv) or nv < 0 or nv != math.floor(nv)):
                    raise ctx.error(f'The length argument to "array" must be a positive integer literal; '
                                    f"found {nv!r}", 2)
                n = int(nv) if nv is not None else None
                i += 1
            t = T.array(item, n)
        else:
            t = _ASSERT_TYPES[name]
        parsed = [ctx.parse(a, j, T.VALUE) for j, a in enumerate(args[i:], start=i)]
        return cls(t, parsed)

    def evaluate(self, ctx: EvalContext) -> Any:
        for i, arg in enumerate(self.args):
            v = arg.evaluate(ctx)
            if T.check_subtype(self.type, T.type_of(v)) is None:
                return v
            if i == len(self.args) - 1:
                raise EvaluationError(f"Expected value to be of type {self.type}, but found "
                                      f"{T.type_of(v)} instead ({v!r}).")
        return None  # pragma: no cover - parse guarantees at least one argument


_HEX_INT = re.compile(r"^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$")
_JS_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity)$")


def js_to_number(v: Any) -> float:
    """JavaScript's ``Number(v)`` for JSON-ish values (NaN when not convertible)."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1 if v else 0
    if is_number(v):
        return v
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return 0
        if _HEX_INT.match(s):
            return int(s, 0)
        if _JS_FLOAT.match(s):
            f = float(s.replace("Infinity", "inf"))
            integral = f.is_integer() and "." not in s and "e" not in s.lower() and abs(f) < 2**53
            return int(f) if integral else f
        return math.nan
    if isinstance(v, list) and not isinstance(v, Color):
        if not v:
            return 0
        if len(v) == 1:
            return js_to_number(T.value_to_string(v[0]) if not isinstance(v[0], str) else v[0])
    return math.nan


def js_truthy(v: Any) -> bool:
    if v is None or v is False:
        return False
    if is_number(v):
        return not (v == 0 or v != v)
    if isinstance(v, str):
        return v != ""
    return True


_COERCE_TYPES = {"to-boolean": T.BOOLEAN, "to-color": T.COLOR, "to-number": T.NUMBER, "to-string": T.STRING}


def _fmt(v: Any) -> str:
    return v if isinstance(v, str) else T.to_json(v)


def color_from_array(v: list[Any]) -> Color:
    """``to-color`` of ``[r, g, b, a?]`` (0-255 channels)."""
    if len(v) < 3 or len(v) > 4:
        raise EvaluationError(f"Invalid rgba value {T.to_json(v)}: expected an array containing either "
                              f"three or four numeric values.")
    r, g, b = v[0], v[1], v[2]
    a = v[3] if len(v) == 4 else 1
    err = validate_rgba(r, g, b, a if len(v) == 4 else None)
    if err:
        raise EvaluationError(err)
    # GL JS builds this colour without premultiplying (its constructor default); keep that quirk so
    # translucent array colours look the same.
    return Color(r / 255, g / 255, b / 255, a)


def validate_rgba(r: Any, g: Any, b: Any, a: Any) -> str | None:
    if not all(is_number(c) and 0 <= c <= 255 for c in (r, g, b)):
        vals = [r, g, b] + ([a] if is_number(a) else [])
        return (f"Invalid rgba value [{', '.join(T.value_to_string(x) for x in vals)}]: 'r', 'g', and 'b' "
                f"must be between 0 and 255.")
    if not (a is None or (is_number(a) and 0 <= a <= 1)):
        return (f"Invalid rgba value [{', '.join(T.value_to_string(x) for x in (r, g, b, a))}]: 'a' must be "
                f"between 0 and 1.")
    return None


@register("to-boolean", "to-color", "to-number", "to-string")
class Coercion(Expression):
    def __init__(self, type_: T.Type, args: list[Expression]) -> None:
        self.type = type_
        self.args = args

    def children(self):  # type: ignore[no-untyped-def]
        return iter(self.args)

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 2:
            raise ctx.error("Expected at least one argument.")
        name = args[0]
        if name in ("to-boolean", "to-string") and len(args) != 2:
            raise ctx.error("Expected one argument.")
        parsed = [ctx.parse(a, i, T.VALUE) for i, a in enumerate(args[1:], start=1)]
        return cls(_COERCE_TYPES[name], parsed)

    def evaluate(self, ctx: EvalContext) -> Any:
        kind = self.type.kind
        if kind == "boolean":
            return js_truthy(self.args[0].evaluate(ctx))
        if kind == "string":
            return T.value_to_string(self.args[0].evaluate(ctx))
        if kind == "number":
            v: Any = None
            for arg in self.args:
                v = arg.evaluate(ctx)
                if v is None:
                    return 0
                n = js_to_number(v)
                if n == n:
                    return n
            raise EvaluationError(f"Could not convert {T.to_json(v)} to number.")
        if kind == "color":
            v = None
            error: str | None = None
            for arg in self.args:
                v = arg.evaluate(ctx)
                error = None
                if isinstance(v, Color):
                    return v
                if isinstance(v, str):
                    c = parse_color(v)
                    if c is not None:
                        return c
                elif isinstance(v, list):
                    try:
                        return color_from_array(v)
                    except EvaluationError as e:
                        error = str(e)
            raise EvaluationError(error or f"Could not parse color from value '{_fmt(v)}'")
        if kind == "formatted":
            v = self.args[0].evaluate(ctx)
            if isinstance(v, T.Formatted):
                return v
            return T.Formatted.from_string(T.value_to_string(v))
        if kind == "resolvedImage":
            v = self.args[0].evaluate(ctx)
            if isinstance(v, T.ResolvedImage):
                return v
            name = T.value_to_string(v)
            return T.ResolvedImage(name, ctx.available_images is None or name in ctx.available_images)
        parsers = {"padding": T.Padding.parse, "numberArray": T.NumberArray.parse,
                   "colorArray": T.ColorArray.parse,
                   "variableAnchorOffsetCollection": T.VariableAnchorOffsetCollection.parse}
        parse = parsers.get(kind)
        if parse is not None:
            v = None
            for arg in self.args:
                v = arg.evaluate(ctx)
                out = parse(v)
                if out is not None:
                    return out
            raise EvaluationError(f"Could not parse {kind} from value '{_fmt(v)}'")
        return T.value_to_string(self.args[0].evaluate(ctx))


@register("typeof")
class TypeOf(Expression):
    type = T.STRING

    def __init__(self, arg: Expression) -> None:
        self.arg = arg

    def children(self):  # type: ignore[no-untyped-def]
        return iter((self.arg,))

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"Expected 1 argument, but found {len(args) - 1} instead.")
        return cls(ctx.parse(args[1], 1, T.VALUE))

    def evaluate(self, ctx: EvalContext) -> Any:
        return str(T.type_of(self.arg.evaluate(ctx)))
