"""CartoCSS colours: parsing (#hex, names, rgb/hsl functions) and the colour functions (less.js semantics)."""

from __future__ import annotations

import colorsys

from PIL import ImageColor

RGBA = tuple[float, float, float, float]  # r, g, b in 0..255, a in 0..1


def parse_hex(text: str) -> RGBA | None:
    h = text.lstrip("#")
    if len(h) == 3 and all(c in "0123456789abcdefABCDEF" for c in h):
        return (int(h[0] * 2, 16), int(h[1] * 2, 16), int(h[2] * 2, 16), 1.0)
    if len(h) == 6 and all(c in "0123456789abcdefABCDEF" for c in h):
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 1.0)
    return None


def named(name: str) -> RGBA | None:
    if name.lower() == "transparent":
        return (0, 0, 0, 0.0)
    try:
        r, g, b = ImageColor.getrgb(name)[:3]
    except ValueError:
        return None
    return (r, g, b, 1.0)


def css(c: RGBA) -> str:
    r, g, b, a = c
    return f"rgba({_byte(r)},{_byte(g)},{_byte(b)},{max(0.0, min(1.0, a)):.4g})"


def _byte(v: float) -> int:
    return max(0, min(255, round(v)))


def to_hsl(c: RGBA) -> tuple[float, float, float, float]:
    h, lig, s = colorsys.rgb_to_hls(c[0] / 255, c[1] / 255, c[2] / 255)
    return h, s, lig, c[3]


def from_hsl(h: float, s: float, lig: float, a: float) -> RGBA:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, max(0.0, min(1.0, lig)), max(0.0, min(1.0, s)))
    return (r * 255, g * 255, b * 255, max(0.0, min(1.0, a)))


def _amount(v: float) -> float:
    return v / 100.0  # percentages are given as 0..100


def apply(name: str, args: list[object]) -> RGBA | None:
    """A colour function of CartoCSS; None when ``name`` is not one."""
    c = args[0] if args and isinstance(args[0], tuple) else None
    num = [a for a in args[1:] if isinstance(a, float | int)]
    if name in ("rgb", "rgba") and len(args) >= 3:
        vals = [float(a) for a in args if isinstance(a, float | int)]
        return (vals[0], vals[1], vals[2], vals[3] if len(vals) > 3 else 1.0)
    if name in ("hsl", "hsla") and len(args) >= 3:
        vals = [float(a) for a in args if isinstance(a, float | int)]
        return from_hsl(vals[0] / 360, vals[1] / 100, vals[2] / 100, vals[3] if len(vals) > 3 else 1.0)
    if c is None:
        return None
    h, s, lig, a = to_hsl(c)  # type: ignore[arg-type]
    amt = _amount(float(num[0])) if num else 0.0
    if name == "lighten":
        return from_hsl(h, s, lig + amt, a)
    if name == "darken":
        return from_hsl(h, s, lig - amt, a)
    if name == "saturate":
        return from_hsl(h, s + amt, lig, a)
    if name == "desaturate":
        return from_hsl(h, s - amt, lig, a)
    if name in ("greyscale", "grayscale"):
        return from_hsl(h, 0.0, lig, a)
    if name == "fadein":
        return from_hsl(h, s, lig, a + amt)
    if name == "fadeout":
        return from_hsl(h, s, lig, a - amt)
    if name == "fade":
        return (c[0], c[1], c[2], max(0.0, min(1.0, amt)))  # type: ignore[index]
    if name == "spin":
        return from_hsl(h + (float(num[0]) if num else 0.0) / 360, s, lig, a)
    if name == "mix" and len(args) >= 2 and isinstance(args[1], tuple):
        other = args[1]
        w = _amount(float(args[2])) if len(args) > 2 and isinstance(args[2], float | int) else 0.5
        # less.js weighting: the alpha difference shifts the weight between the two colours.
        p, q = c, other
        wa = w * 2 - 1
        d = p[3] - q[3]  # type: ignore[index,operator]
        w1 = ((wa if wa * d == -1 else (wa + d) / (1 + wa * d)) + 1) / 2
        w2 = 1 - w1
        return (p[0] * w1 + q[0] * w2, p[1] * w1 + q[1] * w2, p[2] * w1 + q[2] * w2,  # type: ignore[index,operator]
                p[3] * w + q[3] * (1 - w))  # type: ignore[index,operator]
    return None
