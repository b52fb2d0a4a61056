"""Colours as MapLibre handles them: parsed from CSS strings, stored premultiplied by alpha.

The renderer blends premultiplied colours, so we keep them in that form from the start. MapLibre's
``interpolate`` however works on the straight (unpremultiplied) values, so :meth:`Color.rgb` gives
those back; a fully transparent colour remembers its straight RGB because it cannot be recovered
from zeros (``rgba(255,0,0,0)`` fading into red must stay red, as in GL JS).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from glrender.style._js import js_number_str
from glrender.style._named_colors import NAMED_COLORS


class _RGBA(NamedTuple):
    r: float
    g: float
    b: float
    a: float


class Color(_RGBA):
    """Premultiplied RGBA, each component 0..1."""

    @classmethod
    def from_straight(cls, r: float, g: float, b: float, a: float = 1.0) -> Color:
        """Build from unpremultiplied components (what CSS strings and ``rgba()`` describe)."""
        c = cls(r * a, g * a, b * a, a)
        if not a:
            c.__dict__["_straight"] = (r, g, b, a)
        return c

    @property
    def rgb(self) -> tuple[float, float, float, float]:
        """Straight (unpremultiplied) r, g, b, a in 0..1, as GL JS's ``Color.rgb``."""
        straight = self.__dict__.get("_straight")
        if straight is not None:
            return straight
        f = self.a or math.inf
        return (self.r / f, self.g / f, self.b / f, self.a)

    def to_rgba(self) -> tuple[float, float, float, float]:
        """Straight ``[r 0-255, g 0-255, b 0-255, a 0-1]``, the result of the ``to-rgba`` expression."""
        r, g, b, a = self.rgb
        return (r * 255, g * 255, b * 255, a)

    def to_string(self) -> str:
        """``rgba(r,g,b,a)`` with integer channels, as ``to-string`` prints a colour."""
        r, g, b, a = self.rgb
        chans = ",".join(js_number_str(math.floor(c * 255 + 0.5)) for c in (r, g, b))
        return f"rgba({chans},{js_number_str(a)})"

    def lab(self) -> tuple[float, float, float, float]:
        return rgb_to_lab(self.rgb)

    def hcl(self) -> tuple[float, float, float, float]:
        return rgb_to_hcl(self.rgb)


BLACK = Color(0.0, 0.0, 0.0, 1.0)
WHITE = Color(1.0, 1.0, 1.0, 1.0)
TRANSPARENT = Color(0.0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------------------------------------------
# CSS parsing

_NUM = r"([\de.+-]+)"
# Separators: either all whitespace (CSS4, alpha after "/") or all commas (legacy); mixing is invalid,
# which the caller checks from the captured separators.
_RGB_RE = re.compile(
    r"^rgba?\(\s*" + _NUM + r"(%)?(?:\s+|\s*(,)\s*)" + _NUM + r"(%)?(?:\s+|\s*(,)\s*)" + _NUM
    + r"(%)?(?:\s*([,/])\s*" + _NUM + r"(%)?)?\s*\)$"
)
_HSL_RE = re.compile(
    r"^hsla?\(\s*" + _NUM + r"(?:deg)?(?:\s+|\s*(,)\s*)" + _NUM + r"%(?:\s+|\s*(,)\s*)" + _NUM
    + r"%(?:\s*([,/])\s*" + _NUM + r"(%)?)?\s*\)$"
)
_HEX_RE = re.compile(r"^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$")
_VALID_SEPARATORS = ("  ", "  /", ",,", ",,,")


def _num(s: str) -> float | None:
    # The regex accepts junk like "1.2.3" or "+-"; JS's unary + turns that into NaN, we into None.
    try:
        v = float(s)
    except ValueError:
        return None
    return None if math.isnan(v) else v


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(max(lo, v), hi)


def _alpha(a: str | None, percent: str | None) -> float | None:
    if not a:
        return 1.0
    v = _num(a)
    if v is None:
        return None
    return _clamp(v / 100 if percent else v, 0.0, 1.0)


def _parse_straight(s: str) -> tuple[float, float, float, float] | None:
    s = s.lower().strip()
    if s == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    named = NAMED_COLORS.get(s)
    if named is not None:
        return (named[0] / 255, named[1] / 255, named[2] / 255, 1.0)
    if s.startswith("#"):
        if not _HEX_RE.match(s):
            return None
        step = 1 if len(s) < 6 else 2
        parts = [s[1 + i * step : 1 + (i + 1) * step] for i in range(4)]
        vals = [int(p * (2 // len(p)), 16) / 255 if p else 1.0 for p in parts]
        return (vals[0], vals[1], vals[2], vals[3])
    m = _RGB_RE.match(s)
    if m:
        r, rp, f1, g, gp, f2, b, bp, f3, a, ap = m.groups()
        if (f1 or " ") + (f2 or " ") + (f3 or "") not in _VALID_SEPARATORS:
            return None
        units = (rp or "") + (gp or "") + (bp or "")
        # All three channels must be numbers or all percentages.
        scale = 100.0 if units == "%%%" else 255.0 if units == "" else 0.0
        if not scale:
            return None
        chans = [_num(v) for v in (r, g, b)]
        alpha = _alpha(a, ap)
        if any(c is None for c in chans) or alpha is None:
            return None
        rr, gg, bb = (_clamp(c / scale, 0.0, 1.0) for c in chans if c is not None)
        return (rr, gg, bb, alpha)
    m = _HSL_RE.match(s)
    if m:
        h, f1, sat, f2, light, f3, a, ap = m.groups()
        if (f1 or " ") + (f2 or " ") + (f3 or "") not in _VALID_SEPARATORS:
            return None
        hv, sv, lv = _num(h), _num(sat), _num(light)
        alpha = _alpha(a, ap)
        if hv is None or sv is None or lv is None or alpha is None:
            return None
        return hsl_to_rgb(hv, _clamp(sv, 0, 100), _clamp(lv, 0, 100), alpha)
    return None


_CACHE: dict[str, Color | None] = {}


def parse_color(s: str) -> Color | None:
    """Parse any CSS colour MapLibre accepts; ``None`` if ``s`` is not one."""
    if not isinstance(s, str):
        return None
    if s in _CACHE:
        return _CACHE[s]
    straight = _parse_straight(s)
    c = Color.from_straight(*straight) if straight is not None else None
    if len(_CACHE) < 4096:  # styles reuse a few hundred colours; bound it against data-driven strings
        _CACHE[s] = c
    return c


# ---------------------------------------------------------------------------------------------------
# Colour spaces (D50 CIE LAB / HCL, the same constants as d3-color which GL JS follows)

_XN, _YN, _ZN = 0.96422, 1.0, 0.82521
_T0 = 4 / 29
_T1 = 6 / 29
_T2 = 3 * _T1 * _T1
_T3 = _T1 * _T1 * _T1


def _constrain_angle(h: float) -> float:
    h = math.fmod(h, 360.0)
    return h + 360.0 if h < 0 else h


def hsl_to_rgb(h: float, s: float, l: float, a: float = 1.0) -> tuple[float, float, float, float]:
    """HSL (h degrees, s and l in percent) to straight sRGB 0..1."""
    h = _constrain_angle(h)
    s /= 100
    l /= 100

    def f(n: float) -> float:
        k = math.fmod(n + h / 30, 12)
        amp = s * min(l, 1 - l)
        return l - amp * max(-1.0, min(k - 3, 9 - k, 1.0))

    return (f(0), f(8), f(4), a)


def _rgb2xyz(x: float) -> float:
    return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4


def _xyz2lab(t: float) -> float:
    return t ** (1 / 3) if t > _T3 else t / _T2 + _T0


def _lab2xyz(t: float) -> float:
    return t * t * t if t > _T1 else _T2 * (t - _T0)


def _xyz2rgb(x: float) -> float:
    x = 12.92 * x if x <= 0.00304 else 1.055 * x ** (1 / 2.4) - 0.055
    return _clamp(x, 0.0, 1.0)


def rgb_to_lab(rgba: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    r, g, b, alpha = rgba
    r, g, b = _rgb2xyz(r), _rgb2xyz(g), _rgb2xyz(b)
    y = _xyz2lab((0.2225045 * r + 0.7168786 * g + 0.0606169 * b) / _YN)
    if r == g == b:
        # Greys are exactly achromatic; computing x and z would leave rounding noise in a and b.
        x = z = y
    else:
        x = _xyz2lab((0.4360747 * r + 0.3850649 * g + 0.1430804 * b) / _XN)
        z = _xyz2lab((0.0139322 * r + 0.0971045 * g + 0.7141733 * b) / _ZN)
    l = 116 * y - 16
    return (max(l, 0.0), 500 * (x - y), 200 * (y - z), alpha)


def lab_to_rgb(laba: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    l, a, b, alpha = laba
    y = (l + 16) / 116
    x = y if math.isnan(a) else y + a / 500
    z = y if math.isnan(b) else y - b / 200
    y = _YN * _lab2xyz(y)
    x = _XN * _lab2xyz(x)
    z = _ZN * _lab2xyz(z)
    return (
        _xyz2rgb(3.1338561 * x - 1.6168667 * y - 0.4906146 * z),
        _xyz2rgb(-0.9787684 * x + 1.9161415 * y + 0.0334540 * z),
        _xyz2rgb(0.0719453 * x - 0.2289914 * y + 1.4052427 * z),
        alpha,
    )


def rgb_to_hcl(rgba: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Hue is NaN for achromatic colours, so interpolation can keep the other end's hue."""
    l, a, b, alpha = rgb_to_lab(rgba)
    c = math.sqrt(a * a + b * b)
    h = _constrain_angle(math.degrees(math.atan2(b, a))) if round(c * 1e4) else math.nan
    return (h, c, l, alpha)


def hcl_to_rgb(hcla: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    h, c, l, alpha = hcla
    hr = 0.0 if math.isnan(h) else math.radians(h)
    return lab_to_rgb((l, math.cos(hr) * c, math.sin(hr) * c, alpha))


def _lerp(a: float, b: float, t: float) -> float:
    return a + t * (b - a)


def interpolate_color(c0: Color, c1: Color, t: float, space: str = "rgb") -> Color:
    """Interpolate two colours as GL JS does: on straight values in ``rgb``, or through LAB / HCL."""
    if space == "lab":
        l0, l1 = c0.lab(), c1.lab()
        return Color.from_straight(*lab_to_rgb(tuple(_lerp(a, b, t) for a, b in zip(l0, l1, strict=True))))  # type: ignore[arg-type]
    if space == "hcl":
        h0, ch0, li0, a0 = c0.hcl()
        h1, ch1, li1, a1 = c1.hcl()
        chroma: float | None = None
        if not math.isnan(h0) and not math.isnan(h1):
            dh = h1 - h0
            # Take the short way round the hue circle.
            if h1 > h0 and dh > 180:
                dh -= 360
            elif h1 < h0 and h0 - h1 > 180:
                dh += 360
            hue = h0 + t * dh
        elif not math.isnan(h0):
            hue = h0
            if li1 in (0, 1):
                chroma = ch0
        elif not math.isnan(h1):
            hue = h1
            if li0 in (0, 1):
                chroma = ch1
        else:
            hue = math.nan
        return Color.from_straight(
            *hcl_to_rgb((hue, _lerp(ch0, ch1, t) if chroma is None else chroma, _lerp(li0, li1, t),
                         _lerp(a0, a1, t)))
        )
    s0, s1 = c0.rgb, c1.rgb
    return Color.from_straight(*(_lerp(a, b, t) for a, b in zip(s0, s1, strict=True)))
