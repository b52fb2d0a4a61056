"""The column machinery of glrender/style/vectorized.py: one evaluation's state (``_Run``), numeric
columns with their "is int" flags, and picking and interpolating between per-row outputs of curves.

Split from vectorized.py to keep each module readable; see its docstring for the exactness rules
(rows numpy might not reproduce bit for bit are flagged "bad" and evaluated per feature).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glrender.style.expressions.ramps import Interpolate
from glrender.style.vectorize import Columns

# Ints at or beyond 2**52 are left to the scalar path: below it float64 holds them, and the sum or
# difference of two of them, exactly, as Python ints do.
_EXACT = float(2**52)


class _Run:
    """One evaluation: the columns, the zoom and the rows that must be evaluated per feature."""

    def __init__(self, cols: Columns, zoom: float) -> None:
        self.cols = cols
        self.n = cols.n
        self.zoom = float(zoom)
        self.bad = np.zeros(cols.n, dtype=bool)

    def full(self, v: float) -> np.ndarray:
        return np.full(self.n, v, dtype=np.float64)


Num = tuple[np.ndarray, np.ndarray]          # float64 values, per-row "is a Python int"
Col = tuple[np.ndarray, np.ndarray]          # (n, 4) premultiplied, (n, 4) straight (Color.rgb)
NumFn = Callable[[_Run], Num]
ColFn = Callable[[_Run], Col]
BoolFn = Callable[[_Run], np.ndarray]
RawFn = Callable[[_Run], list[Any]]


def _checked(run: _Run, v: np.ndarray, is_int: np.ndarray) -> Num:
    """Flag rows the scalar path might not reproduce; give int zeros a positive sign."""
    run.bad |= ~np.isfinite(v) | (is_int & (np.abs(v) >= _EXACT))
    v = np.where(is_int, v + 0.0, v)  # -0.0 + 0.0 is +0.0: Python ints have no negative zero
    return v, is_int


def numeric_column(cols: Columns, values: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float64 values, is int, is a JSON number) of a raw column, cached on ``cols`` by identity."""
    cache = cols.derived
    got = cache.get(("numeric", id(values)))
    if got is not None and got[0] is values:
        return got[1]  # type: ignore[no-any-return]
    n = len(values)
    kinds = set(map(type, values))
    out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    if kinds <= {int, float}:
        try:
            v = np.array(values, dtype=np.float64) if n else np.zeros(0)
        except OverflowError:  # an int beyond float range: the slow path flags it
            pass
        else:
            is_int = (np.ones(n, bool) if kinds == {int} else
                      np.fromiter((x.__class__ is int for x in values), bool, n))
            out = (v, is_int, np.ones(n, bool))
    if out is None:
        v = np.zeros(n)
        is_int = np.zeros(n, bool)
        is_num = np.zeros(n, bool)
        for i, x in enumerate(values):
            c = x.__class__
            if c is float:
                v[i], is_num[i] = x, True
            elif c is int:
                # Too large for float64: keep it a number so assertions pass, the check flags it.
                v[i], is_int[i], is_num[i] = (float(x) if abs(x) < _EXACT else np.inf), True, True
        out = (v, is_int, is_num)
    cache[("numeric", id(values))] = (values, out)  # the list is kept: its id stays unique
    return out


def _choose(run: _Run, outs: list[Any], idx: np.ndarray) -> Any:
    """Row i of ``outs[idx[i]]`` for tuples of arrays (numbers or colours)."""
    rows = np.arange(run.n)
    return tuple(np.stack(parts)[idx, rows] for parts in zip(*outs, strict=True))


def _segments(run: _Run, labels: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the stop at or below x (0 below the first stop, the last above the last)."""
    i = np.searchsorted(labels, x, side="right") - 1
    return np.clip(i, 0, len(labels) - 1)


def _lerp_numbers(a: Num, b: Num, t: np.ndarray) -> Num:
    return a[0] + t * (b[0] - a[0]), np.zeros_like(a[1])


def _lerp_colors(a: Col, b: Col, t: np.ndarray) -> Col:
    # interpolate_color: lerp the straight values, then Color.from_straight premultiplies; its .rgb
    # divides by alpha again except for a transparent result, which keeps the straight values.
    s = a[1] + t[:, None] * (b[1] - a[1])
    alpha = s[:, 3:4]
    pre = np.concatenate([s[:, :3] * alpha, alpha], axis=1)
    safe = np.where(alpha == 0, 1.0, alpha)
    straight = np.concatenate([np.where(alpha == 0, s[:, :3], pre[:, :3] / safe), alpha], axis=1)
    return pre, straight


def _factors(run: _Run, e: Interpolate, x: np.ndarray, is_int: np.ndarray, seg: np.ndarray,
             labels: np.ndarray) -> np.ndarray:
    if e.interpolation[0] == "linear":
        lo, hi = labels[seg], labels[np.minimum(seg + 1, len(labels) - 1)]
        progress = x - lo
        run.bad |= np.abs(progress) >= _EXACT
        with np.errstate(all="ignore"):
            return progress / np.where(hi == lo, 1.0, hi - lo)
    # Exponential and bezier curves go through the scalar code once per distinct input (a zoom
    # input is one value): np.power may differ from Python's ** in the last bit.
    memo: dict[tuple[float, bool], float] = {}
    out = np.zeros(run.n)
    raw = e.labels
    for i, (xv, xi, s) in enumerate(zip(x.tolist(), is_int.tolist(), seg.tolist(), strict=True)):
        key = (xv, xi)
        t = memo.get(key)
        if t is None:
            if s >= len(raw) - 1 or xv != xv:
                t = 0.0
            else:
                try:
                    t = float(e.factor(int(xv) if xi else xv, raw[s], raw[s + 1]))
                except (OverflowError, ZeroDivisionError, ValueError):
                    t = float("nan")
            memo[key] = t
        out[i] = t
    run.bad |= np.isnan(out)
    return out
