"""Pixel mismatch counting with the rule of pixelmatch 7.x, vectorised with numpy.

The MapLibre render-test harness counts mismatching pixels with pixelmatch 7.x (``includeAA`` false).
This module reproduces its decisions exactly, so a pass/fail computed here is the one the upstream
harness would compute:

* per-pixel YIQ colour delta; when either pixel is not opaque, both are blended onto a fixed
  background colour that depends on the pixel's *byte* offset (pixelmatch's "checkerboard");
* a pixel differs when ``|delta| > 35215 * threshold**2``;
* a differing pixel is not counted when it looks like anti-aliasing in either image: in its 3x3
  neighbourhood it has at most two equal-brightness siblings, both a darker and a brighter
  neighbour, and the darkest or the brightest of those has three or more identical siblings in
  both images.

All arithmetic is float64 and follows pixelmatch's operation order, so threshold ties resolve the
same way as in JavaScript.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_THRESHOLD", "count_mismatch", "mismatch_fraction"]

# The MapLibre harness's default per-pixel threshold.
DEFAULT_THRESHOLD = 0.1285

# YIQ weights as written in pixelmatch (must match bit-for-bit for tie behaviour).
_Y = (0.29889531, 0.58662247, 0.11448223)
_I = (0.59597799, 0.27417610, 0.32180189)
_Q = (0.21147017, 0.52261711, 0.31114694)

# Neighbour offsets (dx, dy) in pixelmatch's loop order: x outer, y inner. The order matters
# because the darkest/brightest neighbour is the FIRST one reaching the extreme.
_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

# max over |dr|,|dg|,|db| <= 1 of the YIQ delta: 0.5053*sum|Y|^2 + 0.299*sum|I|^2 + 0.1957*sum|Q|^2
# = 1.1439...; rounded up.
_OPAQUE_BOUND = 1.15

# Candidates are processed in chunks to bound memory on pathological inputs (everything differs).
_CHUNK = 1 << 18

_AA_COLOUR = (255, 255, 0)
_DIFF_COLOUR = (255, 0, 0)
_GRAY_ALPHA = 0.1


def _as_rgba(img: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(img)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 4:
        raise ValueError(f"{name} must be a uint8 (h, w, 4) RGBA array, got {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr)


def _background(byte_offset: np.ndarray) -> np.ndarray:
    """pixelmatch's per-pixel blend background (n, 3) for ``byte_offset`` = 4 * pixel index.

    ``k % 2`` is always 0 for a byte offset that is a multiple of 4, so red is constant 48; that is
    pixelmatch's behaviour and we keep it.
    """
    k = byte_offset.astype(np.float64)
    bg = np.empty(byte_offset.shape + (3,), dtype=np.float64)
    bg[..., 0] = 48.0 + 159.0 * (byte_offset % 2)
    bg[..., 1] = 48.0 + 159.0 * (np.floor(k / 1.618033988749895) % 2)
    bg[..., 2] = 48.0 + 159.0 * (np.floor(k / 2.618033988749895) % 2)
    return bg


def _channel_deltas(p1: np.ndarray, p2: np.ndarray, bg: np.ndarray | None) -> np.ndarray:
    """(dr, dg, db) as an (n, 3) float64 array between float64 RGBA rows, as pixelmatch's colorDelta.

    ``bg`` is the blend background per row, or None when neither image has a translucent pixel.
    pixelmatch blends only when an alpha is below 255, but for two opaque pixels the blend formula
    gives ``(c1 - c2) * 255 / 255``, exactly ``c1 - c2`` in float64, so applying it to every row is
    equivalent and avoids scattered indexing.
    """
    if bg is None:
        return p1[:, :3] - p2[:, :3]
    a1 = p1[:, 3:4]
    a2 = p2[:, 3:4]
    # Integer products are exact in float64; only the final division rounds, as in JS.
    return (p1[:, :3] * a1 - p2[:, :3] * a2 - bg * (a1 - a2)) / 255.0


def _brightness(d: np.ndarray) -> np.ndarray:
    return d[:, 0] * _Y[0] + d[:, 1] * _Y[1] + d[:, 2] * _Y[2]


def _colour_delta(p1: np.ndarray, p2: np.ndarray, bg: np.ndarray | None) -> np.ndarray:
    """Unsigned squared YIQ distance (pixelmatch returns it signed; only |delta| is compared)."""
    d = _channel_deltas(p1, p2, bg)
    dr, dg, db = d[:, 0], d[:, 1], d[:, 2]
    y = dr * _Y[0] + dg * _Y[1] + db * _Y[2]
    i = dr * _I[0] - dg * _I[1] - db * _I[2]
    q = dr * _Q[0] - dg * _Q[1] + db * _Q[2]
    return 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q


def _drop_small_opaque(flat_a: np.ndarray, flat_b: np.ndarray, changed: np.ndarray, max_delta: float) -> np.ndarray:
    """Drop opaque pixel pairs whose channel differences are provably too small to mismatch.

    For opaque pairs with |dr|, |dg|, |db| <= m the YIQ delta is at most ``_OPAQUE_BOUND * m**2``;
    skipping those before the float64 work makes near-identical large images cheap (renders often
    differ by a rounding step almost everywhere). The bound has a safety margin, so no pixel that
    pixelmatch would flag is dropped.
    """
    pa = flat_a[changed]
    pb = flat_b[changed]
    m = np.abs(pa[:, :3].astype(np.int16) - pb[:, :3]).max(axis=1).astype(np.float64)
    opaque = (pa[:, 3] == 255) & (pb[:, 3] == 255)
    small = opaque & (_OPAQUE_BOUND * m * m < max_delta * 0.999)
    return changed[~small]


def _many_siblings(px: np.ndarray) -> np.ndarray:
    """Boolean (h, w): pixel has 3+ identical neighbours (image-border pixels start with one)."""
    h, w = px.shape
    count = np.zeros((h, w), dtype=np.uint8)
    count[0, :] = 1
    count[-1, :] = 1
    count[:, 0] = 1
    count[:, -1] = 1
    for dx, dy in _NEIGHBOURS:
        # Overlapping windows of the centre and its (dx, dy) neighbour.
        cy0, cy1 = max(0, -dy), h - max(0, dy)
        cx0, cx1 = max(0, -dx), w - max(0, dx)
        if cy1 <= cy0 or cx1 <= cx0:
            continue
        same = px[cy0:cy1, cx0:cx1] == px[cy0 + dy : cy1 + dy, cx0 + dx : cx1 + dx]
        count[cy0:cy1, cx0:cx1] += same
    return count.ravel() > 2


class _Neighbourhood:
    """Flat indices of the 8 neighbours of a set of candidate pixels, shared by both images."""

    def __init__(self, ys: np.ndarray, xs: np.ndarray, h: int, w: int, translucent: bool) -> None:
        n = ys.shape[0]
        self.index = (ys.astype(np.int64) * w + xs).astype(np.int64)
        self.on_border = (xs == 0) | (xs == w - 1) | (ys == 0) | (ys == h - 1)
        self.valid = np.empty((n, 8), dtype=bool)
        self.nindex = np.empty((n, 8), dtype=np.int64)
        for j, (dx, dy) in enumerate(_NEIGHBOURS):
            qx = xs + dx
            qy = ys + dy
            self.valid[:, j] = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
            self.nindex[:, j] = np.clip(qy, 0, h - 1).astype(np.int64) * w + np.clip(qx, 0, w - 1)
        # Only the centre's byte offset matters for the background, in the AA test too.
        self.bg = _background(self.index * 4) if translucent else None

    def subset(self, rows: np.ndarray) -> _Neighbourhood:
        sub = object.__new__(_Neighbourhood)
        sub.index = self.index[rows]
        sub.on_border = self.on_border[rows]
        sub.valid = self.valid[rows]
        sub.nindex = self.nindex[rows]
        sub.bg = None if self.bg is None else self.bg[rows]
        return sub


def _antialiased(flat: np.ndarray, nb: _Neighbourhood, sib_a: np.ndarray, sib_b: np.ndarray) -> np.ndarray:
    """Vectorised pixelmatch ``antialiased(img, x, y, ...)`` for the candidates in ``nb``.

    ``flat`` is the image as (h*w, 4) uint8; ``sib_a``/``sib_b`` are the flat "has many siblings"
    maps of this image and of the other one.
    """
    n = nb.index.shape[0]
    centre = flat[nb.index].astype(np.float64)
    deltas = np.empty((n, 8), dtype=np.float64)
    for j in range(8):
        d = _channel_deltas(centre, flat[nb.nindex[:, j]].astype(np.float64), nb.bg)
        deltas[:, j] = _brightness(d)
    deltas[~nb.valid] = 0.0
    zeroes = nb.on_border.astype(np.int32) + ((deltas == 0.0) & nb.valid).sum(axis=1, dtype=np.int32)

    # Darkest = most negative delta, brightest = most positive; argmin/argmax return the first
    # occurrence, like pixelmatch's strict comparisons. Invalid/zero entries are 0 and never win.
    neg = np.minimum(deltas, 0.0)
    pos = np.maximum(deltas, 0.0)
    rows = np.arange(n)
    jmin = neg.argmin(axis=1)
    jmax = pos.argmax(axis=1)
    has_both = (neg[rows, jmin] < 0.0) & (pos[rows, jmax] > 0.0)
    imin = nb.nindex[rows, jmin]
    imax = nb.nindex[rows, jmax]
    flat_sides = (sib_a[imin] & sib_b[imin]) | (sib_a[imax] & sib_b[imax])
    return (zeroes <= 2) & has_both & flat_sides


def _gray_background(img: np.ndarray) -> np.ndarray:
    """pixelmatch's faded grayscale of img1 for unchanged pixels.

    Only a visual aid, so it uses 16-bit integer approximations of pixelmatch's float formula
    ``255 + (Y - 255) * 0.1 * a / 255`` (within one grey level); float math here cost more than the
    whole comparison on large images.
    """
    r = img[..., 0].astype(np.uint16)
    lum = r * 77
    lum += img[..., 1].astype(np.uint16) * 150
    lum += img[..., 2].astype(np.uint16) * 29
    lum >>= 8  # ~ 0.299 r + 0.587 g + 0.114 b
    np.subtract(255, lum, out=lum)  # darkness, 0..255
    lum *= img[..., 3]  # <= 255 * 255, fits uint16
    lum //= 2550  # * 0.1 / 255
    out = np.empty(img.shape, dtype=np.uint8)
    gray = (255 - lum).astype(np.uint8)
    out[..., 0] = gray
    out[..., 1] = gray
    out[..., 2] = gray
    out[..., 3] = 255
    return out


def count_mismatch(
    actual: np.ndarray, expected: np.ndarray, threshold: float = DEFAULT_THRESHOLD
) -> tuple[int, np.ndarray]:
    """Count mismatching pixels between two RGBA images by pixelmatch 7.x's rule.

    ``actual`` and ``expected`` are uint8 (h, w, 4) arrays with straight alpha. Anti-aliasing pixels
    are not counted (pixelmatch's ``includeAA: false``).

    Returns ``(count, diff_image)``: the diff image (uint8 (h, w, 4)) is what pixelmatch draws: a
    faded grayscale of ``actual``, red where a difference is counted, yellow for anti-aliasing.
    """
    count, out = _count(actual, expected, threshold, True)
    assert out is not None
    return count, out


def _count(actual: np.ndarray, expected: np.ndarray, threshold: float, diff: bool) -> tuple[int, np.ndarray | None]:
    a = _as_rgba(actual, "actual")
    b = _as_rgba(expected, "expected")
    if a.shape != b.shape:
        raise ValueError(f"image sizes differ: {a.shape[:2]} vs {b.shape[:2]}")
    h, w = a.shape[:2]
    a32 = a.view(np.uint32)[..., 0]
    b32 = b.view(np.uint32)[..., 0]
    out = _gray_background(a) if diff else None

    changed = np.flatnonzero(a32 != b32)
    if changed.size == 0:
        return 0, out

    flat_a = a.reshape(-1, 4)
    flat_b = b.reshape(-1, 4)
    # Blending only happens where an alpha is below 255; skip that work for opaque images.
    translucent = bool(a[..., 3].min() < 255 or b[..., 3].min() < 255)
    max_delta = 35215.0 * threshold * threshold
    changed = _drop_small_opaque(flat_a, flat_b, changed, max_delta)
    bg = _background(changed * 4) if translucent else None
    delta = _colour_delta(flat_a[changed].astype(np.float64), flat_b[changed].astype(np.float64), bg)
    cand = changed[delta > max_delta]
    if cand.size == 0:
        return 0, out

    sib_a = _many_siblings(a32)
    sib_b = _many_siblings(b32)
    aa = np.empty(cand.size, dtype=bool)
    for start in range(0, cand.size, _CHUNK):
        chunk = cand[start : start + _CHUNK]
        nb = _Neighbourhood(chunk // w, chunk % w, h, w, translucent)
        aa_chunk = _antialiased(flat_a, nb, sib_a, sib_b)
        rest = np.flatnonzero(~aa_chunk)
        if rest.size:
            # antialiased(img2, ...) only matters where img1 did not already say "AA".
            aa_chunk[rest] = _antialiased(flat_b, nb.subset(rest), sib_b, sib_a)
        aa[start : start + _CHUNK] = aa_chunk

    if out is not None:
        flat_out = out.reshape(-1, 4)
        flat_out[cand[aa], :3] = _AA_COLOUR
        flat_out[cand[~aa], :3] = _DIFF_COLOUR
    return int(np.count_nonzero(~aa)), out


def mismatch_fraction(actual: np.ndarray, expected: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> float:
    """Mismatching pixels / all pixels, the figure the MapLibre harness compares with ``allowed``."""
    count, _ = _count(actual, expected, threshold, False)
    h, w = np.asarray(actual).shape[:2]
    return count / float(w * h)
