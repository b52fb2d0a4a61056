"""Arithmetic and math functions with JavaScript semantics.

JS never raises on arithmetic: 1/0 is Infinity, log(-1) is NaN, % keeps the dividend's sign. Python
raises or differs in each case, so every operator goes through a guarded helper.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from glrender.style._js import js_round
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext
from glrender.style.expressions.compound import Varargs, define

N = T.NUMBER


def _div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or a != a or b != b:
        return math.nan
    if math.isinf(b):
        return a
    r = math.fmod(a, b)
    if isinstance(a, int) and isinstance(b, int):
        return int(r)
    return r


def _pow(a: float, b: float) -> float:
    try:
        r = a ** b
    except OverflowError:
        return math.inf
    except ZeroDivisionError:
        return math.inf
    if isinstance(r, complex):  # negative base with fractional exponent: JS gives NaN
        return math.nan
    return r


def _guard(f: Callable[[float], float]) -> Callable[[float], float]:
    def g(x: float) -> float:
        try:
            return f(x)
        except (ValueError, OverflowError):
            if f in (math.log, math.log10, math.log2) and x == 0:
                return -math.inf
            return math.nan

    return g


def _round(x: float) -> float:
    # Halves round away from zero, as the spec's "round" does.
    if math.isinf(x) or x != x:
        return x
    return -js_round(-x) if x < 0 else js_round(x)


def _floor(x: float) -> float:
    return x if math.isinf(x) or x != x else math.floor(x)


def _ceil(x: float) -> float:
    return x if math.isinf(x) or x != x else math.ceil(x)


def _sum(_: EvalContext, a: list[Any]) -> Any:
    total: float = 0
    for x in a:
        total += x
    return total


def _product(_: EvalContext, a: list[Any]) -> Any:
    total: float = 1
    for x in a:
        total *= x
    return total


def _min(_: EvalContext, a: list[Any]) -> Any:
    # JS Math.min(): Infinity with no arguments, NaN if any argument is NaN.
    if any(x != x for x in a):
        return math.nan
    return min(a) if a else math.inf


def _max(_: EvalContext, a: list[Any]) -> Any:
    if any(x != x for x in a):
        return math.nan
    return max(a) if a else -math.inf


def _unary(f: Callable[[float], float]) -> tuple[list[T.Type], Any]:
    return ([N], lambda _ctx, a: f(a[0]))


define("+", N, (Varargs(N), _sum))
define("*", N, (Varargs(N), _product))
define("-", N, ([N, N], lambda _c, a: a[0] - a[1]), ([N], lambda _c, a: -a[0]))
define("/", N, ([N, N], lambda _c, a: _div(a[0], a[1])))
define("%", N, ([N, N], lambda _c, a: _mod(a[0], a[1])))
define("^", N, ([N, N], lambda _c, a: _pow(a[0], a[1])))
define("ln2", N, ([], lambda _c, a: math.log(2)))
define("pi", N, ([], lambda _c, a: math.pi))
define("e", N, ([], lambda _c, a: math.e))
define("sqrt", N, _unary(_guard(math.sqrt)))
define("log10", N, _unary(_guard(math.log10)))
define("ln", N, _unary(_guard(math.log)))
define("log2", N, _unary(_guard(math.log2)))
define("sin", N, _unary(_guard(math.sin)))
define("cos", N, _unary(_guard(math.cos)))
define("tan", N, _unary(_guard(math.tan)))
define("asin", N, _unary(_guard(math.asin)))
define("acos", N, _unary(_guard(math.acos)))
define("atan", N, _unary(_guard(math.atan)))
define("abs", N, _unary(abs))
define("round", N, _unary(_round))
define("floor", N, _unary(_floor))
define("ceil", N, _unary(_ceil))
define("min", N, (Varargs(N), _min))
define("max", N, (Varargs(N), _max))
