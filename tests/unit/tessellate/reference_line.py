"""A slow, sequential line tessellator used as an oracle for the vectorised one.

It walks each line vertex by vertex keeping MapLibre LineBucket's state (distance, e1/e2, moved
corner vertices), so comparing both on random input checks the vectorised bookkeeping.
"""

from __future__ import annotations

import math

import numpy as np

COS_HALF_SHARP = math.cos(75 / 2 * (math.pi / 180))


def _jround(x: float) -> float:
    return math.floor(x + 0.5)


def _unit(x: float, y: float) -> tuple[float, float]:
    m = math.sqrt(x * x + y * y)
    return x / m, y / m


def reference_line(pts, *, closed=False, join="miter", cap="butt", miter_limit=2.0, round_limit=1.05,
                   sco=120.0, reset=True, grid=0.5):
    """Return (rows, triangles); a row is (x, y, ex, ey, round, up, dir, dist)."""
    v = [tuple(map(float, p)) for p in pts]
    if closed and v and v[0] != v[-1]:
        v.append(v[0])
    dedup = []
    for p in v:
        if not dedup or dedup[-1] != p:
            dedup.append(p)
    v = dedup
    n = len(v)
    rows: list[tuple] = []
    tris: list[tuple] = []
    if n < (3 if closed else 2):
        return rows, tris
    if join == "bevel":
        miter_limit = 1.05
    st = {"dist": 0.0, "e1": -1, "e2": -1}

    def half(p, ex, ey, rnd, up, d):
        e = len(rows)
        rows.append((p[0], p[1], ex, ey, rnd, up, (0 if d == 0 else (1 if d > 0 else -1)), st["dist"]))
        if st["e1"] >= 0 and st["e2"] >= 0:
            tris.append((st["e1"], e, st["e2"]))
        if up:
            st["e2"] = e
        else:
            st["e1"] = e

    def pair(p, nrm, el, er, rnd=False):
        nx, ny = nrm
        half(p, nx + ny * el, ny - nx * el, rnd, False, el)
        half(p, -nx + ny * er, -ny - nx * er, rnd, True, -er)
        if reset and st["dist"] > 16384 * grid:
            st["dist"] = 0.0
            pair(p, nrm, el, er, rnd)

    def upd(a, b):
        st["dist"] += math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2)

    cur = prev = None
    next_n = prev_n = None
    if closed:
        cur = v[n - 2]
        ux, uy = _unit(v[0][0] - cur[0], v[0][1] - cur[1])
        next_n = (-uy, ux)
    for i in range(n):
        nxt = (v[1] if closed else None) if i == n - 1 else v[i + 1]
        if next_n is not None:
            prev_n = next_n
        if cur is not None:
            prev = cur
        cur = v[i]
        if nxt is not None:
            ux, uy = _unit(nxt[0] - cur[0], nxt[1] - cur[1])
            next_n = (-uy, ux)
        else:
            next_n = prev_n
        prev_n = prev_n or next_n
        sx, sy = prev_n[0] + next_n[0], prev_n[1] + next_n[1]
        jn = _unit(sx, sy) if (sx != 0 or sy != 0) else (0.0, 0.0)
        cos_a = prev_n[0] * next_n[0] + prev_n[1] * next_n[1]
        cos_h = jn[0] * next_n[0] + jn[1] * next_n[1]
        ml = 1 / cos_h if cos_h != 0 else math.inf
        approx = 2 * math.sqrt(max(2 - 2 * cos_h, 0.0))
        sharp = cos_h < COS_HALF_SHARP and prev is not None and nxt is not None
        left = prev_n[0] * next_n[1] - prev_n[1] * next_n[0] > 0
        if sharp and i > 0:
            L = math.dist(cur, prev)
            if L > 2 * sco:
                f = sco / L
                np_ = (cur[0] - _jround((cur[0] - prev[0]) * f / grid) * grid,
                       cur[1] - _jround((cur[1] - prev[1]) * f / grid) * grid)
                upd(prev, np_)
                pair(np_, prev_n, 0, 0)
                prev = np_
        middle = prev is not None and nxt is not None
        cj = join if middle else ("butt" if closed else cap)
        if middle and cj == "round":
            if ml < round_limit:
                cj = "miter"
            elif ml <= 2:
                cj = "fakeround"
        if cj == "miter" and ml > miter_limit:
            cj = "bevel"
        if cj == "bevel":
            if ml > 2:
                cj = "flipbevel"
            if ml < miter_limit:
                cj = "miter"
        if prev is not None:
            upd(prev, cur)
        if cj == "miter":
            pair(cur, (jn[0] * ml, jn[1] * ml), 0, 0)
        elif cj == "flipbevel":
            if ml > 100:
                j2 = (-next_n[0], -next_n[1])
            else:
                a = math.hypot(sx, sy)
                b = math.hypot(prev_n[0] - next_n[0], prev_n[1] - next_n[1])
                bl = ml * a / b * (-1 if left else 1)
                j2 = (-jn[1] * bl, jn[0] * bl)
            pair(cur, j2, 0, 0)
            pair(cur, (-j2[0], -j2[1]), 0, 0)
        elif cj in ("bevel", "fakeround"):
            off = -math.sqrt(ml * ml - 1)
            oa, ob = (off, 0) if left else (0, off)
            if prev is not None:
                pair(cur, prev_n, oa, ob)
            if cj == "fakeround":
                nn = int(_jround(approx * 180 / math.pi / 20))
                for m in range(1, nn):
                    t = m / nn
                    if t != 0.5:
                        t2 = t - 0.5
                        A = 1.0904 + cos_a * (-3.2452 + cos_a * (3.55645 - cos_a * 1.43519))
                        B = 0.848013 + cos_a * (-1.06021 + cos_a * 0.215638)
                        t = t + t * t2 * (t - 1) * (A * t2 * t2 + B)
                    ex = (next_n[0] - prev_n[0]) * t + prev_n[0]
                    ey = (next_n[1] - prev_n[1]) * t + prev_n[1]
                    ex, ey = _unit(ex, ey)
                    s = -1 if left else 1
                    half(cur, ex * s, ey * s, False, left, 0)
            if nxt is not None:
                pair(cur, next_n, -oa, -ob)
        elif cj == "butt":
            pair(cur, jn, 0, 0)
        elif cj == "square":
            o = 1 if prev is not None else -1
            pair(cur, jn, o, o)
        elif cj == "round":
            if prev is not None:
                pair(cur, prev_n, 0, 0)
                pair(cur, prev_n, 1, 1, True)
            if nxt is not None:
                pair(cur, next_n, -1, -1, True)
                pair(cur, next_n, 0, 0)
        if sharp and i < n - 1:
            L = math.dist(cur, nxt)
            if L > 2 * sco:
                f = sco / L
                nc = (cur[0] + _jround((nxt[0] - cur[0]) * f / grid) * grid,
                      cur[1] + _jround((nxt[1] - cur[1]) * f / grid) * grid)
                upd(cur, nc)
                pair(nc, next_n, 0, 0)
                cur = nc
    return rows, tris


def reference_arrays(rows):
    a = np.array(rows, dtype=np.float64).reshape(-1, 8)
    return a
