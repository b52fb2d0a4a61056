"""glrender.compare must count exactly what pixelmatch counts.

The reference is the pure-Python ``pixelmatch`` package (slow, so images are small). That package
ports pixelmatch 5.x, which differs from 7.x only in how translucent pixels are blended (white vs.
the per-pixel "checkerboard" background) and in returning an unsigned delta. So:

* opaque images are compared with the package as is;
* translucent images are compared with the package with its colour-delta function replaced by a
  scalar transcription of 7.x's (below), which leaves its anti-aliasing logic untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from glrender.compare import DEFAULT_THRESHOLD, count_mismatch, mismatch_fraction

pixelmatch_core = pytest.importorskip("pixelmatch.core")
pixelmatch_utils = pytest.importorskip("pixelmatch.utils")

THRESHOLDS = (0.0, 0.05, 0.1, DEFAULT_THRESHOLD, 0.3, 0.6)


def _colour_delta_v7(img1: Sequence[int], img2: Sequence[int], k: int, m: int, y_only: bool = False) -> float:
    """pixelmatch 7.x colorDelta, scalar; returns |delta| because the 5.x caller compares delta > max."""
    r1, g1, b1, a1 = img1[k], img1[k + 1], img1[k + 2], img1[k + 3]
    r2, g2, b2, a2 = img2[m], img2[m + 1], img2[m + 2], img2[m + 3]
    da = a1 - a2
    dr: float = r1 - r2
    dg: float = g1 - g2
    db: float = b1 - b2
    if not (dr or dg or db or da):
        return 0.0
    if a1 < 255 or a2 < 255:
        rb = 48 + 159 * (k % 2)
        gb = 48 + 159 * (int(k / 1.618033988749895) % 2)
        bb = 48 + 159 * (int(k / 2.618033988749895) % 2)
        dr = (r1 * a1 - r2 * a2 - rb * da) / 255
        dg = (g1 * a1 - g2 * a2 - gb * da) / 255
        db = (b1 * a1 - b2 * a2 - bb * da) / 255
    y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223
    if y_only:
        return y
    i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189
    q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694
    return abs(0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q)


@pytest.fixture
def pixelmatch_v7(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(pixelmatch_core, "color_delta", _colour_delta_v7)
    monkeypatch.setattr(pixelmatch_utils, "color_delta", _colour_delta_v7)
    yield


def _reference(a: np.ndarray, b: np.ndarray, threshold: float) -> int:
    h, w = a.shape[:2]
    return int(
        pixelmatch_core.pixelmatch(a.ravel().tolist(), b.ravel().tolist(), w, h, threshold=threshold, includeAA=False)
    )


def _scene(rng: np.random.Generator, size: int, translucent: bool) -> np.ndarray:
    """Flat areas, shapes with soft (anti-aliased) edges, a gradient and a little noise."""
    h = w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.empty((h, w, 4), dtype=np.float64)
    img[...] = rng.integers(0, 256, 4)
    img[..., 3] = 255
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, size / 3)
        cov = np.clip(r - np.hypot(xx - cx, yy - cy), 0, 1)[..., None]
        img = img * (1 - cov) + rng.integers(0, 256, 4) * cov
    x0, y0 = rng.integers(0, size // 2, 2)
    img[y0 : y0 + size // 3, x0 : x0 + size // 4, :3] = rng.integers(0, 256, 3)
    img[: size // 8, :, 0] = np.linspace(0, 255, w)[None, :]
    if not translucent:
        img[..., 3] = 255
    out = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    noise = rng.random((h, w)) < 0.02
    out[noise] = rng.integers(0, 256, (int(noise.sum()), 4))
    if not translucent:
        out[..., 3] = 255
    return out


def _perturb(rng: np.random.Generator, img: np.ndarray, translucent: bool) -> np.ndarray:
    """A second image: shifted edges, a recoloured block, small rounding noise and isolated pixels."""
    out = img.copy()
    shift = np.roll(img, 1, axis=1)
    band = slice(img.shape[0] // 3, img.shape[0] // 2)
    out[band] = shift[band]
    out[:, :, :3] = np.clip(out[:, :, :3].astype(np.int16) + rng.integers(-2, 3, out[:, :, :3].shape), 0, 255)
    y0, x0 = rng.integers(0, img.shape[0] - 8, 2)
    out[y0 : y0 + 6, x0 : x0 + 9, :3] = rng.integers(0, 256, 3)
    spots = rng.random(img.shape[:2]) < 0.01
    out[spots] = rng.integers(0, 256, (int(spots.sum()), 4))
    if not translucent:
        out[..., 3] = 255
    return out


@pytest.mark.parametrize("seed", range(4))
def test_opaque_counts_equal_pixelmatch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = _scene(rng, 48, translucent=False)
    b = _perturb(rng, a, translucent=False)
    for t in THRESHOLDS:
        got, diff = count_mismatch(a, b, t)
        assert got == _reference(a, b, t), f"threshold {t}"
        assert diff.shape == a.shape and diff.dtype == np.uint8


@pytest.mark.parametrize("seed", range(4))
def test_translucent_counts_equal_pixelmatch_v7(seed: int, pixelmatch_v7: None) -> None:
    rng = np.random.default_rng(100 + seed)
    a = _scene(rng, 48, translucent=True)
    b = _perturb(rng, a, translucent=True)
    # Include fully transparent areas with differing colours, as in styles without a background.
    a[:6, :, 3] = 0
    b[:4, :, 3] = 0
    for t in THRESHOLDS:
        assert count_mismatch(a, b, t)[0] == _reference(a, b, t), f"threshold {t}"


def test_random_noise_counts_equal_pixelmatch(pixelmatch_v7: None) -> None:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (24, 31, 4), dtype=np.uint8)
    b = a.copy()
    b[::2] = rng.integers(0, 256, b[::2].shape, dtype=np.uint8)
    for t in THRESHOLDS:
        assert count_mismatch(a, b, t)[0] == _reference(a, b, t)


def test_thin_and_tiny_images(pixelmatch_v7: None) -> None:
    rng = np.random.default_rng(3)
    for shape in ((1, 7, 4), (5, 1, 4), (2, 2, 4), (1, 1, 4)):
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        b = rng.integers(0, 256, shape, dtype=np.uint8)
        for t in (0.0, 0.1):
            assert count_mismatch(a, b, t)[0] == _reference(a, b, t), shape


def test_identical_images_and_diff_colours() -> None:
    a = np.zeros((8, 8, 4), dtype=np.uint8)
    a[..., 3] = 255
    count, diff = count_mismatch(a, a.copy())
    assert count == 0
    assert (diff[..., 3] == 255).all()
    b = a.copy()
    b[2:6, 2:6, :3] = 255  # a solid square: not anti-aliasing, all 16 pixels count
    count, diff = count_mismatch(a, b)
    assert count == 16
    assert (diff[3, 3] == (255, 0, 0, 255)).all()
    assert mismatch_fraction(a, b) == 16 / 64


def test_rejects_bad_input() -> None:
    a = np.zeros((4, 4, 4), dtype=np.uint8)
    with pytest.raises(ValueError, match="sizes differ"):
        count_mismatch(a, np.zeros((4, 5, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        count_mismatch(a.astype(np.float32), a)
