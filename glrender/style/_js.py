"""Small helpers that reproduce JavaScript behaviour the style spec relies on.

MapLibre's expressions run in JavaScript, so their string output (``to-string``, ``concat``, colour
``toString``) follows JS number formatting and JS rounding; these keep our output byte-identical.
"""

from __future__ import annotations

import math
from typing import Any


def js_number_str(x: float) -> str:
    """Format a number as JavaScript's ``String(x)`` does (1 -> "1", 1e21 -> "1e+21")."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        if abs(x) < 10**21:
            return str(x)
        x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    # repr() gives the shortest round-tripping digits, which is also what JS prints; only the choice
    # between fixed and exponent notation differs (JS: exponent iff x >= 1e21 or x < 1e-6).
    s = repr(x)
    mantissa, _, exp_s = s.partition("e")
    digits = mantissa.replace("-", "").replace(".", "")
    if exp_s:
        exp = int(exp_s)
        point = mantissa.replace("-", "").find(".")
        k_int = point if point >= 0 else len(mantissa.replace("-", ""))
        n = exp + k_int  # position of the decimal point relative to the digit string
    else:
        body = mantissa.replace("-", "")
        int_part, _, frac = body.partition(".")
        if int_part.strip("0") == "":
            stripped = frac.lstrip("0")
            n = -(len(frac) - len(stripped))
            digits = stripped
        else:
            n = len(int_part.lstrip("0"))
            digits = (int_part.lstrip("0") + frac)
    digits = digits.rstrip("0") or "0"
    digits = digits.lstrip("0") or "0"
    k = len(digits)
    sign = "-" if x < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    e_str = f"e+{e}" if e >= 0 else f"e-{-e}"
    if k == 1:
        return sign + digits + e_str
    return sign + digits[0] + "." + digits[1:] + e_str


def js_round(x: float) -> float:
    """JavaScript ``Math.round``: halves round up (towards +inf), unlike Python's banker's rounding."""
    return float(math.floor(x + 0.5))


def is_number(v: Any) -> bool:
    """True for JSON numbers; bool is excluded because Python treats it as an int."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)
