"""Evaluate layer filters over all features of a tile layer at once.

Filters run for every feature of a source layer and every style layer that reads it, which made
them the largest cost of a cold render. The common filter shapes (``get``, ``has``,
``geometry-type``, ``==``/``!=``, ``match``, ``all``/``any``/``!`` on literals) are evaluated here over
property columns; anything else returns None and the caller evaluates per feature, so results never
differ from the per-feature path.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from glrender.style.expressions.base import Expression, Literal
from glrender.style.expressions.compound import Compound, _FeatureGet
from glrender.style.expressions.decisions import AllAny, Comparison, Match
from glrender.style.expressions.lookup import js_strict_equal
from glrender.style.expressions.typing_ops import Assertion

if TYPE_CHECKING:
    from glrender.style.expressions import EvalContext
    from glrender.style.filters import Filter
    from glrender.tiles.features import Feature

_GEOM_NAMES = {1: "Point", 2: "LineString", 3: "Polygon"}


class Columns:
    """Lazily built per-key property columns of one list of features."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = features
        self.n = len(features)
        self._cols: dict[str, list[Any]] = {}
        self._arrays: dict[int, np.ndarray] = {}
        self._geom: list[Any] | None = None
        # Values other modules derive from the columns (numeric conversions), kept with them.
        self.derived: dict[Any, Any] = {}

    def array(self, values: list[Any]) -> np.ndarray:
        """The column as a numpy object array (cached by column identity)."""
        a = self._arrays.get(id(values))
        if a is None:
            a = np.empty(self.n, dtype=object)
            a[:] = values
            self._arrays[id(values)] = a
        return a

    def col(self, key: str) -> list[Any]:
        c = self._cols.get(key)
        if c is None:
            c = [f.properties.get(key) if f.properties is not None else None for f in self.features]
            self._cols[key] = c
        return c

    def geometry_types(self) -> list[Any]:
        if self._geom is None:
            self._geom = [_GEOM_NAMES.get(f.geom_type, "Unknown") for f in self.features]
        return self._geom


def _values(e: Expression, cols: Columns) -> list[Any] | None:
    """Per-feature values of a value-producing node, or None when not vectorisable."""
    if isinstance(e, _FeatureGet):
        return cols.col(e.args[0].value)  # type: ignore[attr-defined]
    if isinstance(e, Compound) and e.name == "geometry-type" and not e.args:
        return cols.geometry_types()
    return None


def _mask(e: Expression, cols: Columns, ctx: EvalContext | None = None) -> np.ndarray | None:
    """Boolean mask of a boolean node, or None when not vectorisable. ``ctx`` (the tile's zoom, no
    feature) evaluates feature-independent operands such as ``["step", ["zoom"], ...]``."""
    if isinstance(e, Literal):
        return np.full(cols.n, bool(e.value))
    if isinstance(e, AllAny):
        out = np.full(cols.n, e.is_all)
        for a in e.args:
            m = _mask(a, cols, ctx)
            if m is None:
                return None
            out = (out & m) if e.is_all else (out | m)
        return out
    if isinstance(e, Compound):
        if e.name == "!" and len(e.args) == 1:
            m = _mask(e.args[0], cols, ctx)
            return None if m is None else ~m
        if e.name == "has" and len(e.args) == 1 and isinstance(e.args[0], Literal):
            return np.fromiter((v is not None for v in cols.col(e.args[0].value)), bool, cols.n)
        return None
    if isinstance(e, Match) and isinstance(e.otherwise, Literal) and all(isinstance(o, Literal) for o in e.outputs):
        vals = _values(e.input, cols)
        if vals is None:
            return None
        outs = [bool(o.value) for o in e.outputs]  # type: ignore[attr-defined]
        other = bool(e.otherwise.value)
        kind = e.input_type.kind
        cases = e.cases
        if kind == "string":
            # One dict lookup per feature in C: only str keys, and a str never equals a non-str.
            by_value = {v: outs[i] for (tag, v), i in cases.items() if tag == "s"}
            if not _hashable_scalars(cols, vals):
                return None
            return np.fromiter(map(by_value.get, vals, repeat(other, cols.n)), bool, cols.n)
        if kind == "number":
            res = (outs[i] if (i := cases.get(("n", float(v))) if (v.__class__ is int or v.__class__ is float)
                               else None) is not None else other for v in vals)
            return np.fromiter(res, bool, cols.n)
        return None
    if isinstance(e, Comparison) and e.collator is None and e.is_order and ctx is not None:
        return _order_mask(e, cols, ctx)
    if isinstance(e, Comparison) and e.collator is None and e.op in ("==", "!="):
        lhs, rhs = e.lhs, e.rhs
        if isinstance(rhs, Literal):
            vals, lit = _values(lhs, cols), rhs.value
        elif isinstance(lhs, Literal):
            vals, lit = _values(rhs, cols), lhs.value
        else:
            return None
        if vals is None:
            return None
        if isinstance(lit, str):
            # Python's == between a str and anything else is False, exactly JS strict equality.
            eq = np.asarray(cols.array(vals) == lit, dtype=bool)
        else:
            eq = np.fromiter((js_strict_equal(v, lit) for v in vals), bool, cols.n)
        return eq if e.op == "==" else ~eq
    return None


def filter_mask(flt: Filter, cols: Columns, ctx: EvalContext | None = None) -> np.ndarray | None:
    """The filter over all features as a boolean mask, or None if it needs per-feature evaluation.
    ``ctx`` carries the tile's zoom (and global state) for operands that do not read the feature."""
    if flt.is_always_true:
        return np.ones(cols.n, dtype=bool)
    expr = flt.expression
    if expr is None:
        return None
    return _mask(expr, cols, ctx)


SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))  # hashable JSON values


def _hashable_scalars(cols: Columns, vals: list[Any]) -> bool:
    """Are all values of the column JSON scalars (GeoJSON properties may hold lists and dicts)?"""
    key = ("scalars", id(vals))
    ok = cols.derived.get(key)
    if ok is None:
        ok = cols.derived[key] = set(map(type, vals)) <= SCALAR_TYPES
    return bool(ok)


_ORDER = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _order_mask(e: Comparison, cols: Columns, ctx: EvalContext) -> np.ndarray | None:
    """``["<=", ["get", k], c]`` (any order operator, either side) with ``c`` a number that does not
    depend on the feature. The parser wraps the ``get`` in a number assertion, so a feature whose
    value is not a number fails the assertion, and a failing filter excludes the feature."""
    op, lhs, rhs = e.op, e.lhs, e.rhs
    if not _is_number_get(lhs):
        lhs, rhs, op = rhs, lhs, _FLIP[op]
        if not _is_number_get(lhs):
            return None
    if not rhs.is_feature_constant:
        return None
    try:
        c = rhs.evaluate(ctx)
    except Exception:  # noqa: BLE001 - the per-feature path reports and handles it
        return None
    if c.__class__ is not int and c.__class__ is not float:
        return None
    vals = cols.col(lhs.args[0].args[0].value)  # type: ignore[attr-defined]
    cmp = _ORDER[op]
    return np.fromiter(((v.__class__ is int or v.__class__ is float) and cmp(v, c) for v in vals), bool,
                       cols.n)


def _is_number_get(e: Expression) -> bool:
    """``["number", ["get", k]]`` as the parser builds it around a compared ``get``."""
    return (isinstance(e, Assertion) and e.type.kind == "number" and len(e.args) == 1
            and isinstance(e.args[0], _FeatureGet))
