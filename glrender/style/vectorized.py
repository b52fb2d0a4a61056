"""Evaluate data-driven number and colour paint values over all features of a bucket at once.

``paint_values`` evaluates a data-driven property once per feature, memoized by distinct inputs. An
expression over an id-like property (``["%", ["abs", ["get", "osm_id"]], 11]``) defeats the memo and
costs thousands of Python evaluations per bucket. The shapes handled here (literals, ``get`` read
through a number assertion or ``to-number``, ``zoom``, ``+ - * / %``, ``abs min max floor ceil
round``, ``interpolate``, ``step``, ``match``, ``case`` with numeric comparisons) are compiled into
numpy column functions; anything else makes ``compile_paint`` return None and the caller evaluates
per feature as before.

Results equal the scalar path's bit for bit, or the row is flagged "bad" and the caller evaluates it
per feature. Bad rows are those where the scalar path might differ or fall back to the default: a
non-number where a number is asserted, NaN/infinity anywhere, integers too large for float64 to hold
exactly (Python ints are exact, float64 is not past 2**53). Flagging is conservative: a row whose
unused branch is bad is re-evaluated too, which costs time but never changes a value. Python ints and
float64 give the same results for such integers except for the sign of zero (int arithmetic has no
-0), so each number carries a per-row "is int" flag and int zeros are made positive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from glrender.style.color import Color
from glrender.style.expressions.base import Expression, Literal
from glrender.style.expressions.compound import Compound, _FeatureGet
from glrender.style.expressions.decisions import AllAny, Case, Coalesce, Comparison, Match
from glrender.style.expressions.lookup import js_strict_equal
from glrender.style.expressions.ramps import Interpolate, Step, _Curve
from glrender.style.expressions.typing_ops import Assertion, Coercion
from glrender.style.properties import PropertyValue
from glrender.style.vectorize import SCALAR_TYPES, Columns
from glrender.style.vectorized_run import (
    _EXACT,
    BoolFn,
    ColFn,
    Num,
    NumFn,
    RawFn,
    _checked,
    _choose,
    _factors,
    _lerp_colors,
    _lerp_numbers,
    _Run,
    _segments,
    numeric_column,
)

# ---------------------------------------------------------------------------------------------------
# Raw values (what ``get`` returns) and booleans


def _raw(e: Expression) -> RawFn | None:
    if isinstance(e, _FeatureGet) and isinstance(e.args[0], Literal) and isinstance(e.args[0].value, str):
        key = e.args[0].value
        return lambda run: run.cols.col(key)
    if type(e) is Literal and (e.value is None or isinstance(e.value, (str, bool, int, float))):
        value = e.value
        return lambda run: [value] * run.n
    if type(e) is Coalesce:
        parts = [_raw(a) for a in e.args]
        if any(p is None for p in parts):
            return None
        fns: list[RawFn] = parts  # type: ignore[assignment]

        def coalesce(run: _Run) -> list[Any]:
            out = fns[0](run)
            for f in fns[1:]:
                out = [a if a is not None else b for a, b in zip(out, f(run), strict=True)]
            return out

        return coalesce
    return None


_ORDER: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, ">": np.greater, "<=": np.less_equal,
    ">=": np.greater_equal,
}


def _bool(e: Expression) -> BoolFn | None:
    if type(e) is Literal and isinstance(e.value, bool):
        value = e.value
        return lambda run: np.full(run.n, value)
    if type(e) is AllAny:
        parts = [_bool(a) for a in e.args]
        if any(p is None for p in parts):
            return None
        fns: list[BoolFn] = parts  # type: ignore[assignment]
        is_all = e.is_all

        def all_any(run: _Run) -> np.ndarray:
            out = np.full(run.n, is_all)
            for f in fns:
                out = (out & f(run)) if is_all else (out | f(run))
            return out

        return all_any
    if type(e) is Compound and e.name == "!" and len(e.args) == 1:
        inner = _bool(e.args[0])
        return None if inner is None else (lambda run: ~inner(run))
    if type(e) is Comparison and e.collator is None:
        op = e.op
        if e.lhs.type.kind == "number" and e.rhs.type.kind == "number":
            a, b = _number(e.lhs), _number(e.rhs)
            if a is None or b is None:
                return None
            cmp = _ORDER[op]
            return lambda run: np.asarray(cmp(a(run)[0], b(run)[0]), dtype=bool)
        ra, rb = _raw(e.lhs), _raw(e.rhs)
        if ra is None or rb is None:
            return None
        if op not in ("==", "!="):
            # Untyped order: numbers compare, anything else (strings, mixed types: an error) is left
            # to the scalar path.
            na, nb, cmp2 = _from_raw([ra], False), _from_raw([rb], False), _ORDER[op]
            return lambda run: np.asarray(cmp2(na(run)[0], nb(run)[0]), dtype=bool)
        if op in ("==", "!="):
            neg = op == "!="

            def equal(run: _Run) -> np.ndarray:
                eq = np.fromiter(map(js_strict_equal, ra(run), rb(run)), bool, run.n)
                return ~eq if neg else eq

            return equal
    return None


# ---------------------------------------------------------------------------------------------------
# Numbers


def _number_literal(value: Any) -> NumFn | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) >= _EXACT:
        return None
    is_int = isinstance(value, int)
    return lambda run: _checked(run, run.full(float(value)), np.full(run.n, is_int))


def _from_raw(fns: Sequence[RawFn], to_number: bool) -> NumFn:
    """``["number", ...]`` (first argument that is a number) or ``["to-number", x]`` (null is 0)."""

    def f(run: _Run) -> Num:
        first = fns[0](run)
        v, is_int, is_num = numeric_column(run.cols, first)
        if to_number:
            # null -> 0 (an int); strings and booleans convert in ways left to the scalar path.
            nulls = np.fromiter((x is None for x in first), bool, run.n)
            v, is_int, is_num = np.where(nulls, 0.0, v), is_int | nulls, is_num | nulls
        else:
            for g in fns[1:]:
                v2, i2, n2 = numeric_column(run.cols, g(run))
                take = ~is_num & n2
                v, is_int, is_num = np.where(take, v2, v), np.where(take, i2, is_int), is_num | n2
        run.bad |= ~is_num
        return _checked(run, v, is_int)

    return f


def _fold(fns: list[NumFn], start: int, op: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> NumFn:
    def f(run: _Run) -> Num:
        v, is_int = run.full(float(start)), np.ones(run.n, bool)  # _sum/_product start from an int
        for g in fns:
            gv, gi = g(run)
            v, is_int = op(v, gv), is_int & gi
            # Checked at every step: a rounded partial sum could come back below the bound.
            v, is_int = _checked(run, v, is_int)
        return v, is_int

    return f


def _pick(fns: list[NumFn], better: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> NumFn:
    # Python's min/max keep the first of equal items (ties matter for 1 vs 1.0, -0.0 vs 0.0).
    def f(run: _Run) -> Num:
        if not fns:
            run.bad[:] = True
            return run.full(0.0), np.zeros(run.n, bool)
        v, is_int = fns[0](run)
        for g in fns[1:]:
            gv, gi = g(run)
            take = better(gv, v)
            v, is_int = np.where(take, gv, v), np.where(take, gi, is_int)
        return _checked(run, v, is_int)

    return f


def _round(x: np.ndarray) -> np.ndarray:
    # The scalar "round": halves away from zero, through floor(x + 0.5) on the magnitude.
    return np.where(x < 0, -np.floor(-x + 0.5), np.floor(x + 0.5))


def _compound_number(e: Compound) -> NumFn | None:
    name = e.name
    if name == "zoom" and not e.args:
        return lambda run: (run.full(run.zoom), np.zeros(run.n, bool))
    parts = [_number(a) for a in e.args]
    if any(p is None for p in parts):
        return None
    fns: list[NumFn] = parts  # type: ignore[assignment]
    if name == "+":
        return _fold(fns, 0, np.add)
    if name == "*":
        return _fold(fns, 1, np.multiply)
    if name == "min":
        return _pick(fns, np.less)
    if name == "max":
        return _pick(fns, np.greater)
    binary: dict[str, Callable[[Num, Num], Num]] = {
        "-": lambda a, b: (a[0] - b[0], a[1] & b[1]),
        "/": lambda a, b: (a[0] / b[0], np.zeros_like(a[1])),
        "%": lambda a, b: (np.fmod(a[0], b[0]), a[1] & b[1]),
    }
    unary: dict[str, Callable[[Num], Num]] = {
        "-": lambda a: (-a[0], a[1]),
        "abs": lambda a: (np.abs(a[0]), a[1]),
        "floor": lambda a: (np.floor(a[0]), np.ones_like(a[1])),  # math.floor returns an int
        "ceil": lambda a: (np.ceil(a[0]), np.ones_like(a[1])),
        "round": lambda a: (_round(a[0]), np.zeros_like(a[1])),  # js_round returns a float
    }
    if len(fns) == 2 and name in binary:
        f2, a0, a1 = binary[name], fns[0], fns[1]
        return lambda run: _checked(run, *f2(a0(run), a1(run)))
    if len(fns) == 1 and name in unary:
        f1, a0 = unary[name], fns[0]
        return lambda run: _checked(run, *f1(a0(run)))
    return None


def _number(e: Expression) -> NumFn | None:
    cls = type(e)
    if cls is Literal:
        return _number_literal(e.value)  # type: ignore[attr-defined]
    if cls is Compound:
        return _compound_number(e)  # type: ignore[arg-type]
    if cls is Assertion and e.type.kind == "number":
        args = e.args  # type: ignore[attr-defined]
        if all(a.type.kind == "number" for a in args):
            return _number(args[0])
        raws = [_raw(a) for a in args]
        return None if any(r is None for r in raws) else _from_raw(raws, False)  # type: ignore[arg-type]
    if cls is Coercion and e.type.kind == "number":
        raw = _raw(e.args[0])  # type: ignore[attr-defined]
        return None if raw is None else _from_raw([raw], True)
    if e.type.kind == "number":
        return _select(e, _number, _lerp_numbers)  # type: ignore[return-value]
    return None


# ---------------------------------------------------------------------------------------------------
# Colours


def _color(e: Expression) -> ColFn | None:
    if type(e) is Literal and isinstance(e.value, Color):
        c: Color = e.value
        pre, straight = np.array(c, np.float64), np.array(c.rgb, np.float64)
        return lambda run: (np.broadcast_to(pre, (run.n, 4)), np.broadcast_to(straight, (run.n, 4)))
    if e.type.kind == "color":
        return _select(e, _color, _lerp_colors)  # type: ignore[return-value]
    return None


# ---------------------------------------------------------------------------------------------------
# Choosing between outputs: step, interpolate, match, case


def _select(e: Expression, compile_out: Callable[[Expression], Any],
            lerp: Callable[[Any, Any, np.ndarray], Any]) -> Callable[[_Run], Any] | None:
    cls = type(e)
    if cls is Step or (cls is Interpolate and e.operator == "interpolate"  # type: ignore[attr-defined]
                       and e.interpolation[0] in ("linear", "exponential", "cubic-bezier")):  # type: ignore[attr-defined]
        curve: _Curve = e  # type: ignore[assignment]
        inp = _number(curve.input)
        outs = [compile_out(o) for o in curve.outputs]
        if inp is None or any(o is None for o in outs):
            return None
        if any(isinstance(v, int) and abs(v) >= _EXACT for v in curve.labels):
            return None
        labels = np.array(curve.labels, np.float64)
        interp = cls is Interpolate

        def curve_fn(run: _Run) -> Any:
            values = [o(run) for o in outs]
            if len(labels) == 1:
                return values[0]
            x, is_int = inp(run)
            seg = _segments(run, labels, x)
            picked = _choose(run, values, seg)
            if not interp:
                return picked
            mid = (x > labels[0]) & (x < labels[-1])
            t = _factors(run, curve, x, is_int, seg, labels)  # type: ignore[arg-type]
            upper = _choose(run, values, np.minimum(seg + 1, len(labels) - 1))
            mixed = lerp(picked, upper, t)
            return tuple(np.where(mid.reshape((-1,) + (1,) * (p.ndim - 1)), m, p)
                         for m, p in zip(mixed, picked, strict=True))

        return curve_fn
    if cls is Match:
        m: Match = e  # type: ignore[assignment]
        raw = _raw(m.input)
        num = _number(m.input) if raw is None and m.input.type.kind == "number" else None
        outs = [compile_out(o) for o in [*m.outputs, m.otherwise]]
        if (raw is None and num is None) or any(o is None for o in outs):
            return None
        cases, kind, other = m.cases, m.input_type.kind, len(m.outputs)

        def lookup(v: Any) -> int:
            c = v.__class__
            if c is str:
                i = cases.get(("s", v)) if kind == "string" else None
            elif c is int or c is float:
                i = cases.get(("n", float(v))) if kind == "number" else None
            else:
                i = None
            return other if i is None else i

        # The cases of the input's own kind as a plain dict, looked up in C (dict.get with a default)
        # where that gives lookup()'s answer: str keys for a string match (a str equals no other
        # type), float keys for numbers read as floats (no bools among them).
        tag = "s" if kind == "string" else "n"
        table = {v: i for (t, v), i in cases.items() if t == tag}

        def match_fn(run: _Run) -> Any:
            values = [o(run) for o in outs]
            if raw is not None:
                keys = raw(run)
                fast = kind == "string" and set(map(type, keys)) <= SCALAR_TYPES
            else:
                keys = num(run)[0].tolist()  # type: ignore[misc]
                fast = kind == "number"
            if fast:
                idx = np.fromiter(map(table.get, keys, repeat(other, run.n)), np.intp, run.n)
            else:
                idx = np.fromiter(map(lookup, keys), np.intp, run.n)
            return _choose(run, values, idx)

        return match_fn
    if cls is Case:
        c: Case = e  # type: ignore[assignment]
        tests = [_bool(t) for t, _ in c.branches]
        outs = [compile_out(o) for o in [*(o for _, o in c.branches), c.otherwise]]
        if any(t is None for t in tests) or any(o is None for o in outs):
            return None

        def case_fn(run: _Run) -> Any:
            values = [o(run) for o in outs]
            idx = np.full(run.n, len(tests), np.intp)
            for i in range(len(tests) - 1, -1, -1):  # the first true test wins
                idx[tests[i](run)] = i  # type: ignore[misc]
            return _choose(run, values, idx)

        return case_fn
    return None


# ---------------------------------------------------------------------------------------------------
# Entry point

PaintFn = Callable[[Columns, float], tuple[np.ndarray, np.ndarray]]
_CACHES: dict[str, weakref.WeakKeyDictionary[PropertyValue, PaintFn | None]] = {
    "float": weakref.WeakKeyDictionary(), "vec4": weakref.WeakKeyDictionary()}
_UNSET = object()


def compile_paint(pv: PropertyValue, kind: str) -> PaintFn | None:
    """A function of (columns, zoom) giving the shader values of a data-driven number (``kind``
    "float": shape (n,)) or colour ("vec4": (n, 4) premultiplied) property in float64, and the rows
    that must be evaluated per feature instead; None when the expression is not supported."""
    cache = _CACHES["vec4" if kind == "vec4" else "float"]
    got = cache.get(pv, _UNSET)
    if got is _UNSET:
        got = cache[pv] = _compile(pv, "vec4" if kind == "vec4" else "float")
    return got  # type: ignore[return-value]


def _compile(pv: PropertyValue, kind: str) -> PaintFn | None:
    expr = pv.expression
    if expr is None or pv.function is not None or pv.uses_feature_state:
        return None
    want = "color" if kind == "vec4" else "number"
    if pv.spec.type != want or expr.type.kind != want:
        return None
    inner = _color(expr) if want == "color" else _number(expr)
    if inner is None:
        return None
    compiled = inner

    def run_paint(cols: Columns, zoom: float) -> tuple[np.ndarray, np.ndarray]:
        run = _Run(cols, zoom)
        with np.errstate(all="ignore"):
            out = compiled(run)
        values = np.array(out[0], dtype=np.float64)
        values[run.bad] = 0.0  # whatever was computed there is replaced; keep it harmless
        return values, run.bad

    return run_paint


__all__ = ["Columns", "compile_paint", "numeric_column"]
