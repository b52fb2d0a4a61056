"""Which parts of a feature a property value reads, so per-feature evaluation can be memoized.

A tile has thousands of features but data-driven paint values mostly read one or two properties with a
handful of distinct values (``["match", ["get", "class"], ...]``, ``{"property": "class", ...}``).
``property_inputs`` finds those inputs statically; ``evaluate_rows`` then evaluates once per distinct
input tuple and reuses the result, which is exactly the per-feature value because nothing else of the
feature is read and everything else (zoom, global state, tile, images) is fixed during one pass.

The analysis is conservative: any node it does not know to be a pure function of the listed inputs
(``properties``, a ``get`` with a computed key, ``feature-state``, ``line-progress``, ``within``...)
makes the whole answer None, and callers evaluate per feature as before.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from glrender._record import record
from glrender.style.expressions import types as T
from glrender.style.expressions.base import Expression, Literal
from glrender.style.expressions.compound import Compound, _FeatureGet
from glrender.style.expressions.decisions import AllAny, Case, Coalesce, Comparison, Match
from glrender.style.expressions.lookup import At, GlobalState, In, IndexOf, Length, Let, Slice, Var
from glrender.style.expressions.ramps import Interpolate, Step
from glrender.style.expressions.strings import CollatorExpression, Format, Image, NumberFormat
from glrender.style.expressions.typing_ops import Assertion, Coercion, TypeOf
from glrender.style.functions import LegacyFunction
from glrender.style.properties import PropertyValue, token_keys

if TYPE_CHECKING:
    from glrender.tiles.features import Feature


@record(frozen=True)
class FeatureInputs:
    """The feature data a value depends on: these property keys, and maybe geometry type and id."""

    keys: tuple[str, ...] = ()
    geometry_type: bool = False
    feature_id: bool = False

    def union(self, other: FeatureInputs) -> FeatureInputs:
        keys = self.keys + tuple(k for k in other.keys if k not in self.keys)
        return FeatureInputs(keys, self.geometry_type or other.geometry_type,
                             self.feature_id or other.feature_id)


# Node classes whose own evaluation reads nothing of the feature beyond their children; what they
# may read besides (zoom, global state, available images, the collator's locale) is fixed for one pass.
# Exact classes only: a subclass could read more.
_PURE_NODES: frozenset[type] = frozenset({
    Literal, AllAny, Case, Match, Coalesce, Comparison, Step, Interpolate, Let, Var, GlobalState,
    At, In, IndexOf, Slice, Length, Assertion, Coercion, TypeOf, CollatorExpression, NumberFormat,
    Format, Image,
})
# Compound operators that read a pass-wide constant flagged as a "global" input: still pure.
_CONSTANT_GLOBALS = frozenset({"is-supported-script"})


class _Dynamic(Exception):
    """The expression reads something that is not a fixed list of feature inputs."""


def expression_inputs(expr: Expression) -> FeatureInputs | None:
    """The feature inputs of a compiled expression, or None if they cannot be listed statically."""
    keys: list[str] = []
    flags = {"geometry_type": False, "feature_id": False}
    try:
        _collect(expr, keys, flags)
    except _Dynamic:
        return None
    return FeatureInputs(tuple(keys), flags["geometry_type"], flags["feature_id"])


def _collect(e: Expression, keys: list[str], flags: dict[str, bool]) -> None:
    cls = type(e)
    if cls is _FeatureGet:
        _add_key(e.args[0], keys)  # type: ignore[attr-defined]
        return
    if cls is Compound:
        assert isinstance(e, Compound)
        name = e.name
        if name in ("get", "has") and len(e.args) == 1:
            # ["has", "k"] or a get whose key is computed ("get" with a literal key is _FeatureGet).
            _add_key(e.args[0], keys)
            return
        if name == "geometry-type":
            flags["geometry_type"] = True
        elif name == "id":
            flags["feature_id"] = True
        elif e.reads_feature or e.reads_feature_state or (e.reads_globals and name not in _CONSTANT_GLOBALS):
            raise _Dynamic(name)
    elif cls not in _PURE_NODES or e.reads_feature or e.reads_feature_state or e.reads_globals:
        raise _Dynamic(cls.__name__)
    for c in e.children():
        _collect(c, keys, flags)


def _add_key(arg: Expression, keys: list[str]) -> None:
    if not isinstance(arg, Literal) or not isinstance(arg.value, str):
        raise _Dynamic("computed property key")
    if arg.value not in keys:
        keys.append(arg.value)


def function_inputs(fn: LegacyFunction) -> FeatureInputs | None:
    """A legacy function reads at most its ``property`` (inner zoom-and-property functions share it)."""
    if fn.kind == "camera":
        return FeatureInputs()
    prop = fn.property
    if prop is None:
        return FeatureInputs()
    if not isinstance(prop, str):
        return None
    return FeatureInputs((prop,))


def _token_inputs(value: Any) -> FeatureInputs | None:
    """Keys named by ``{field}`` tokens in the texts ``_resolve_tokens_value`` substitutes into."""
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, T.Formatted):
        texts = [s.text for s in value.sections]
    elif isinstance(value, T.ResolvedImage):
        texts = [value.name]
    else:
        return None
    keys: list[str] = []
    for text in texts:
        for k in token_keys(text):
            if k not in keys:
                keys.append(k)
    return FeatureInputs(tuple(keys))


_CACHE: weakref.WeakKeyDictionary[PropertyValue, FeatureInputs | None] = weakref.WeakKeyDictionary()
_UNSET = object()


def property_inputs(pv: PropertyValue) -> FeatureInputs | None:
    """The feature inputs of a compiled property value (cached per value), None when not listable."""
    got = _CACHE.get(pv, _UNSET)
    if got is not _UNSET:
        return got  # type: ignore[return-value]
    if pv.is_constant:
        found: FeatureInputs | None = FeatureInputs()
    elif pv.expression is not None:
        found = expression_inputs(pv.expression)
    elif pv.function is not None:
        found = function_inputs(pv.function)
    else:
        found = _token_inputs(pv.constant_value)
    _CACHE[pv] = found
    return found


def combined_inputs(props: Iterable[PropertyValue | None]) -> FeatureInputs | None:
    """The union of several values' inputs (None entries are unset properties), None if any is."""
    out = FeatureInputs()
    for p in props:
        if p is None:
            continue
        got = property_inputs(p)
        if got is None:
            return None
        out = out.union(got)
    return out


# ---------------------------------------------------------------------------------------------------
# Memo keys

_ABSENT = ("absent",)  # a missing property: unlike null for tokens and legacy functions


def _atom(v: Any) -> Hashable | None:
    """A memo key for one input value, None when it must not be shared.

    The type is part of the key: Python's 1 == 1.0 == True, but JS tells true from 1 and expressions
    may return the value itself (int vs float). -0.0 == 0.0 too, yet 1 / -0 is -Infinity, so the sign
    of a zero is kept. NaN never equals itself and lists/dicts compare by identity in the expression
    engine: those are not memoized.
    """
    t = v.__class__
    if t is str or t is bool or t is int or v is None:
        return (t, v)
    if t is float:
        if v != v:  # NaN
            return None
        return (t, v, math.copysign(1.0, v)) if v == 0.0 else (t, v)
    return None


def memo_key_function(inputs: FeatureInputs) -> Callable[[Feature], Hashable | None]:
    """A function from a feature to its memo key (None: evaluate this feature on its own)."""
    keys = inputs.keys
    extras = inputs.geometry_type or inputs.feature_id
    if len(keys) == 1 and not extras:
        k0 = keys[0]

        def one(f: Feature) -> Hashable | None:
            props = f.properties
            v = props.get(k0, _ABSENT) if props is not None else _ABSENT
            return v if v is _ABSENT else _atom(v)

        return one

    def many(f: Feature) -> Hashable | None:
        props = f.properties
        parts: list[Hashable] = []
        for k in keys:
            v = props.get(k, _ABSENT) if props is not None else _ABSENT
            if v is not _ABSENT:
                v = _atom(v)
                if v is None:
                    return None
            parts.append(v)
        if inputs.geometry_type:
            parts.append(f.geom_type)
        if inputs.feature_id:
            a = _atom(f.id)
            if a is None:
                return None
            parts.append(a)
        return tuple(parts)

    return many


_NOT_YET = object()
_PROBE = 256  # features after which a memo that hardly repeats is given up


def evaluate_rows(inputs: FeatureInputs | None, features: Sequence[Feature],
                  row: Callable[[Feature], Any]) -> list[Any]:
    """``[row(f) for f in features]``, calling ``row`` once per distinct memo key of ``inputs``.

    ``row`` must depend on the feature only through ``inputs`` (None: no memo, every feature evaluated).
    """
    if inputs is None or len(features) < 2:
        return [row(f) for f in features]
    if not inputs.keys and not inputs.geometry_type and not inputs.feature_id:
        v = row(features[0])
        return [v] * len(features)
    key_of = memo_key_function(inputs)
    memo: dict[Hashable, Any] = {}
    out: list[Any] = []
    append = out.append
    for i, f in enumerate(features):
        if i == _PROBE and len(memo) > _PROBE * 3 // 4:
            # Nearly every feature has its own inputs (an id-like property such as osm_id): building
            # keys only costs, so the rest is evaluated directly.
            out.extend(row(g) for g in features[i:])
            break
        k = key_of(f)
        if k is None:
            append(row(f))
            continue
        v = memo.get(k, _NOT_YET)
        if v is _NOT_YET:
            v = memo[k] = row(f)
        append(v)
    return out
