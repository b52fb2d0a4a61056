"""Tiny vector rasteriser for marker art: SVG path data flattened to polygons, filled with the non-zero
winding rule and 4x4 supersampling, so Maki icons and pin bodies are crisp at any scale (1x and @2x).

Only what Maki's single-path icons use: M L H V C S Q T A Z in both absolute and relative forms.
"""

from __future__ import annotations

import math
import re

import numpy as np

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SEP = re.compile(r"[\s,]*")
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}
_CURVE_STEPS = 12
SUPERSAMPLE = 4


def _bezier(points: list[tuple[float, float]], steps: int = _CURVE_STEPS) -> list[tuple[float, float]]:
    t = np.linspace(0, 1, steps + 1)[1:, None]
    p = np.asarray(points, dtype=np.float64)
    if len(p) == 3:
        out = (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t**2 * p[2]
    else:
        out = (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]
    return [(float(x), float(y)) for x, y in out]


def _arc(p0: tuple[float, float], rx: float, ry: float, phi_deg: float, large: bool, sweep: bool,
         p1: tuple[float, float]) -> list[tuple[float, float]]:
    """SVG endpoint arc to points (the centre parameterisation of the SVG spec's implementation notes)."""
    if rx == 0 or ry == 0 or p0 == p1:
        return [p1]
    rx, ry = abs(rx), abs(ry)
    phi = math.radians(phi_deg)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    dx, dy = (p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2
    x1 = cos_p * dx + sin_p * dy
    y1 = -sin_p * dx + cos_p * dy
    lam = x1 * x1 / (rx * rx) + y1 * y1 / (ry * ry)
    if lam > 1:  # radii too small for the endpoints: scale them up, as the spec says
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
    den = rx * rx * y1 * y1 + ry * ry * x1 * x1
    coef = math.sqrt(max(0.0, num / den)) if den else 0.0
    if large == sweep:
        coef = -coef
    cx1, cy1 = coef * rx * y1 / ry, -coef * ry * x1 / rx
    cx = cos_p * cx1 - sin_p * cy1 + (p0[0] + p1[0]) / 2
    cy = sin_p * cx1 + cos_p * cy1 + (p0[1] + p1[1]) / 2
    a0 = math.atan2((y1 - cy1) / ry, (x1 - cx1) / rx)
    a1 = math.atan2((-y1 - cy1) / ry, (-x1 - cx1) / rx)
    delta = a1 - a0
    if sweep and delta < 0:
        delta += 2 * math.pi
    elif not sweep and delta > 0:
        delta -= 2 * math.pi
    steps = max(4, int(abs(delta) / (math.pi / 12)))
    out = []
    for i in range(1, steps + 1):
        a = a0 + delta * i / steps
        x, y = rx * math.cos(a), ry * math.sin(a)
        out.append((cos_p * x - sin_p * y + cx, sin_p * x + cos_p * y + cy))
    return out


def _tokens(d: str) -> list[str]:
    """Commands and numbers; an arc's two flags are single characters that may touch what follows
    ("a1 1 0 011 2" is flags 0 and 1, then 1 2), so they are read one character each."""
    out: list[str] = []
    pos, cmd, argi = 0, "", 0
    while True:
        pos = _SEP.match(d, pos).end()  # type: ignore[union-attr]
        if pos >= len(d):
            return out
        ch = d[pos]
        if ch.isalpha():
            if ch not in "MmLlHhVvCcSsQqTtAaZz":
                raise ValueError(f"unknown path command {ch!r}")
            out.append(ch)
            cmd, argi, pos = ch.upper(), 0, pos + 1
            continue
        if cmd == "A" and argi % 7 in (3, 4):
            if ch not in "01":
                raise ValueError("arc flags must be 0 or 1")
            out.append(ch)
            pos += 1
        else:
            m = _NUMBER.match(d, pos)
            if not m:
                raise ValueError(f"bad path data at {d[pos:pos + 10]!r}")
            out.append(m.group())
            pos = m.end()
        argi += 1


def path_polygons(d: str) -> list[np.ndarray]:
    """Flatten SVG path data into closed polygons (each an (N, 2) float array)."""
    tokens = _tokens(d)
    polys: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    x = y = sx = sy = 0.0
    last_ctrl: tuple[float, float] | None = None
    last_cmd = ""
    i = 0
    cmd = ""
    while i < len(tokens):
        if tokens[i][0].isalpha():
            cmd = tokens[i]
            i += 1
        elif not cmd:
            raise ValueError(f"path data must start with a command: {d[:20]!r}")
        up = cmd.upper()
        n = _ARGS[up]
        args = [float(v) for v in tokens[i:i + n]]
        if len(args) < n:
            raise ValueError(f"path command {cmd} is missing numbers")
        i += n
        rel = cmd.islower()
        ox, oy = (x, y) if rel else (0.0, 0.0)
        ctrl: tuple[float, float] | None = None
        if up == "M":
            if len(cur) > 2:
                polys.append(cur)
            x, y = ox + args[0], oy + args[1]
            sx, sy = x, y
            cur = [(x, y)]
            cmd = "l" if rel else "L"  # further pairs after a moveto are linetos
        elif up == "Z":
            if len(cur) > 2:
                polys.append(cur)
            x, y = sx, sy
            cur = [(x, y)]
        elif up in ("L", "H", "V"):
            if up == "L":
                x, y = ox + args[0], oy + args[1]
            elif up == "H":
                x = ox + args[0]
            else:
                y = oy + args[0]
            cur.append((x, y))
        elif up in ("C", "S"):
            if up == "C":
                c1 = (ox + args[0], oy + args[1])
                rest = args[2:]
            else:
                c1 = (2 * x - last_ctrl[0], 2 * y - last_ctrl[1]) if last_ctrl and last_cmd in "CS" else (x, y)
                rest = args
            c2 = (ox + rest[0], oy + rest[1])
            end = (ox + rest[2], oy + rest[3])
            cur.extend(_bezier([(x, y), c1, c2, end]))
            ctrl, (x, y) = c2, end
        elif up in ("Q", "T"):
            if up == "Q":
                c = (ox + args[0], oy + args[1])
                end = (ox + args[2], oy + args[3])
            else:
                c = (2 * x - last_ctrl[0], 2 * y - last_ctrl[1]) if last_ctrl and last_cmd in "QT" else (x, y)
                end = (ox + args[0], oy + args[1])
            cur.extend(_bezier([(x, y), c, end]))
            ctrl, (x, y) = c, end
        else:  # A
            end = (ox + args[5], oy + args[6])
            cur.extend(_arc((x, y), args[0], args[1], args[2], bool(args[3]), bool(args[4]), end))
            x, y = end
        last_ctrl, last_cmd = ctrl, up
    if len(cur) > 2:
        polys.append(cur)
    return [np.asarray(p, dtype=np.float64) for p in polys]


def fill_coverage(polys: list[np.ndarray], width: int, height: int,
                  transform: tuple[float, float, float]) -> np.ndarray:
    """Coverage (height, width) in 0..1 of polygons under ``(scale, dx, dy)``, non-zero winding rule."""
    s, dx, dy = transform
    n = SUPERSAMPLE
    ys, xs = np.mgrid[0:height * n, 0:width * n]
    px = (xs.ravel() + 0.5) / n
    py = (ys.ravel() + 0.5) / n
    winding = np.zeros(px.shape, dtype=np.int32)
    for poly in polys:
        pts = poly * s + (dx, dy)
        a = pts
        b = np.roll(pts, -1, axis=0)
        for (x0, y0), (x1, y1) in zip(a, b, strict=True):
            if y0 == y1:
                continue
            lo, hi = (y0, y1) if y0 < y1 else (y1, y0)
            sel = np.nonzero((py >= lo) & (py < hi))[0]
            if not len(sel):
                continue
            cross = (x1 - x0) * (py[sel] - y0) - (px[sel] - x0) * (y1 - y0)
            if y1 > y0:
                winding[sel[cross > 0]] += 1
            else:
                winding[sel[cross < 0]] -= 1
    inside = (winding != 0).reshape(height * n, width * n).astype(np.float32)
    return inside.reshape(height, n, width, n).mean(axis=(1, 3))
