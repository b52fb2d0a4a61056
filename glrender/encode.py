"""RGBA pixels -> PNG, JPEG or WebP bytes.

PNG is written by hand here because the stock encoders are too slow for a map server. Measured on the
project machine (2 vCPU EPYC, shared, medians of 5) on MapLibre Native's own renders of the Berlin
benchmark views (flat map colours, antialiased edges, text):

====================================  ===================  ===================  ====================
encoder                               1024x1024            2048x2048            4096x4096
====================================  ===================  ===================  ====================
Pillow, compress_level=1              110 ms, 1.39 MB      250-340 ms, 3.4 MB   1000-1700 ms, 10.4 MB
Pillow, compress_level=6              210-250 ms, 1.38 MB  490 ms, 3.3 MB       1400-1750 ms, 9.6 MB
fpng (fpng 0.1.0)                     11-21 ms, 1.62 MB    40-53 ms, 3.8 MB     150-190 ms, 10.6 MB
Up filter + stdlib zlib level 1       66-100 ms, 1.40 MB   160-180 ms, 3.5 MB   480-540 ms, 10.3 MB
Up filter + zlib-ng level 1           25-36 ms, 1.73 MB    70 ms, 4.2 MB        250-290 ms, 11.8 MB
None filter + libdeflate level 1      24-30 ms, 1.04 MB    74-107 ms, 2.6 MB    290-340 ms, 8.3 MB
**None filter + ISA-L level 1**       **16 ms, 1.12 MB**   **48-62 ms, 2.7 MB** **175-195 ms, 8.7 MB**
MapLibre Native (pymgl 0.5.0) extra   40 ms, 1.1 MB        90 ms, 2.6 MB        210 ms, 8.6 MB
====================================  ===================  ===================  ====================

This module as committed, medians of 15 runs while other jobs kept the load average near 3: 1024x1024
8-11 ms (0.64-1.12 MB), 2048x2048 27-42 ms (2.5-2.7 MB), 4096x4096 144-153 ms (fastest 99 ms; 8.7 MB).
Pillow exposes no choice of PNG row filter (only compress_level/optimize), so it was measured as is.

Two findings decide it. First, ISA-L's deflate (``isal`` on PyPI, wheels for the usual platforms) is
the fastest general deflate available here, 5-6x faster than stdlib zlib at level 1 with smaller output.
Second, on rendered vector maps the PNG "None" row filter beats "Up" and "Sub" by 10-25 % in size,
because flat areas already repeat byte for byte and the LZ77 stage finds them; filtering only turns
antialiased edges into noise. Splitting the deflate across two threads gained nothing on 2 cores, and
packing opaque images to RGB made them slower (the strided copy costs more than the 25 % fewer bytes
save). So: filter None, ISA-L level 1, one IDAT stream; sizes match MapLibre Native's and the time is
below its encoder's at every size. For smooth images (raster or hillshade layers) "Up" can be much
smaller, so a small sample of rows is compressed both ways first and the smaller filter is used for the
whole image (costs about 2 % of the encode). Without ``isal`` the stdlib zlib is used (same bytes
format, slower).

JPEG has no alpha: transparent pixels are composited over white, which is what a browser shows for a
transparent map on a default page and what Mapbox returns for styles without a background. Straight
(not premultiplied) alpha is expected throughout. PNG and JPEG declare 72 DPI (PNG ``pHYs`` 2835 pixels
per metre, JFIF density 72 dpi); WebP has no density field.
"""

from __future__ import annotations

import io
import struct
import types
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from glrender.errors import EncodeError

_deflate_mod: types.ModuleType
try:  # ISA-L: see the table above; the fallback keeps glrender usable where no wheel exists
    from isal import isal_zlib

    _deflate_mod = isal_zlib
except ImportError:  # pragma: no cover - exercised only on platforms without isal wheels
    _deflate_mod = zlib
_DEFLATE_LEVEL = 1

FORMATS = ("png", "jpeg", "webp")
_ALIASES = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp"}
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PIXELS_PER_METRE_72_DPI = 2835  # 72 / 0.0254, rounded as every PNG writer does
# Chunk lengths are 31-bit; smaller IDATs also let streaming decoders start early.
_IDAT_MAX = 1 << 24
# Rows compressed with each filter to choose one (in four bands spread down the image).
_SAMPLE_BAND_ROWS = 16
_WEBP_METHOD = 2  # libwebp effort 0..6: 2 is ~1.7x faster than the default 4 at the same size here


def normalize_format(fmt: str) -> str:
    """Map a format name or alias ("jpg", "PNG") to one of FORMATS, or raise EncodeError."""
    key = fmt.lower().lstrip(".") if isinstance(fmt, str) else ""
    if key not in _ALIASES:
        raise EncodeError(f"unsupported image format {fmt!r}; expected one of png, jpeg (jpg), webp")
    return _ALIASES[key]


def encode(rgba: np.ndarray, fmt: str, *, quality: int = 85) -> bytes:
    """Encode a (height, width, 4) uint8 straight-alpha RGBA array as ``fmt`` ("png", "jpeg"/"jpg",
    "webp"). ``quality`` (1-100) applies to JPEG and WebP. Raises EncodeError on bad input."""
    kind = normalize_format(fmt)
    pixels = _check_pixels(rgba)
    if kind == "png":
        return encode_png(pixels)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise EncodeError(f"quality must be an integer 1-100, got {quality!r}")
    if kind == "jpeg":
        return _encode_jpeg(pixels, quality)
    return _encode_webp(pixels, quality)


def _check_pixels(rgba: object) -> np.ndarray:
    if not isinstance(rgba, np.ndarray):
        raise EncodeError(f"expected a numpy array, got {type(rgba).__name__}")
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise EncodeError(f"expected a (height, width, 4) uint8 array, got {rgba.shape} {rgba.dtype}")
    if rgba.shape[0] < 1 or rgba.shape[1] < 1:
        raise EncodeError(f"cannot encode an empty image of shape {rgba.shape}")
    if rgba.shape[0] > 0x7FFFFFFF or rgba.shape[1] > 0x7FFFFFFF:
        raise EncodeError(f"image too large for PNG: {rgba.shape}")
    return rgba


# --- PNG -------------------------------------------------------------------------------------------


def encode_png(rgba: np.ndarray) -> bytes:
    """Encode RGBA pixels as an 8-bit RGBA PNG (72 DPI); see the module docstring for the choices."""
    height, width = rgba.shape[:2]
    rows = np.ascontiguousarray(rgba).reshape(height, width * 4)
    use_up = _up_filter_is_smaller(rows)
    compressed = _deflate_banded(rows, use_up)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    phys = struct.pack(">IIB", _PIXELS_PER_METRE_72_DPI, _PIXELS_PER_METRE_72_DPI, 1)
    parts = [_PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"pHYs", phys)]
    view = memoryview(compressed)
    for start in range(0, len(view), _IDAT_MAX):
        parts.append(_chunk(b"IDAT", view[start : start + _IDAT_MAX]))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


# Filter and compress this many rows at a time: an 8192x8192 image would otherwise need a second
# 256 MB copy of itself as filtered scanlines.
_BAND_ROWS = 512


def _deflate_banded(rows: np.ndarray, use_up: bool) -> bytes:
    if len(rows) <= _BAND_ROWS:
        return bytes(_deflate_mod.compress(_filter_up(rows) if use_up else _filter_none(rows), _DEFLATE_LEVEL))
    co = _deflate_mod.compressobj(_DEFLATE_LEVEL)
    out = []
    for start in range(0, len(rows), _BAND_ROWS):
        if use_up:
            # The Up filter of a band's first row needs the row above it: filter one extra row, drop it.
            lo = max(0, start - 1)
            band = _filter_up(rows[lo : start + _BAND_ROWS])[start - lo :]
        else:
            band = _filter_none(rows[start : start + _BAND_ROWS])
        out.append(co.compress(band))
    out.append(co.flush())
    return b"".join(out)


def _chunk(tag: bytes, data: bytes | memoryview) -> bytes:
    crc = _deflate_mod.crc32(data, _deflate_mod.crc32(tag))
    return b"".join((struct.pack(">I", len(data)), tag, data, struct.pack(">I", crc & 0xFFFFFFFF)))


def _filter_none(rows: np.ndarray) -> np.ndarray:
    """Scanlines with filter type 0: a zero byte, then the row as is."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = 0
    out[:, 1:] = rows
    return out


def _filter_up(rows: np.ndarray) -> np.ndarray:
    """Scanlines with filter type 2 (each byte minus the byte above, mod 256); the first row has no
    row above, which the PNG spec defines as zeros, so it stays unchanged."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = 2
    out[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=out[1:, 1:])
    return out


def _up_filter_is_smaller(rows: np.ndarray) -> bool:
    """Compress a few bands of rows with both filters; True when "Up" wins clearly."""
    height = rows.shape[0]
    # a small image takes thinner bands: four 16-row bands of a 200-row thumbnail cost as much as
    # compressing all of it
    band = max(4, min(_SAMPLE_BAND_ROWS, height // 32))
    if height <= 4 * band:
        sample = rows
    else:
        starts = [height * k // 4 for k in range(4)]
        sample = np.concatenate([rows[s : s + band] for s in starts])
    none_size = len(_deflate_mod.compress(_filter_none(sample), _DEFLATE_LEVEL))
    up_size = len(_deflate_mod.compress(_filter_up(sample), _DEFLATE_LEVEL))
    # Within the sample's noise prefer None: it measured smaller on every vector map tried.
    return up_size < none_size * 0.9


# --- JPEG / WebP (Pillow) --------------------------------------------------------------------------


def flatten_over_white(rgba: np.ndarray) -> np.ndarray:
    """Composite straight-alpha RGBA over opaque white, returning (h, w, 3) uint8."""
    return np.asarray(_flattened_image(rgba))


def _flattened_image(rgba: np.ndarray) -> Any:
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgba))
    if rgba[..., 3].min() == 255:  # opaque styles (the usual case) just drop the alpha byte
        return image.convert("RGB")
    # Pillow's compositor is exact (rounds like out = (c*a + 255*(255-a)) / 255) and ~4x faster than
    # the same arithmetic in numpy at 4096x4096.
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")


def _pillow_save(image_factory: Callable[[], object], fmt: str, **options: object) -> bytes:
    from PIL import Image  # imported lazily: PNG, the hot path, does not need Pillow

    buf = io.BytesIO()
    image = image_factory()
    assert isinstance(image, Image.Image)
    try:
        image.save(buf, fmt, **options)
    except (OSError, ValueError) as exc:  # e.g. Pillow built without libwebp, or size limits
        raise EncodeError(f"{fmt} encoding failed: {exc}") from exc
    return buf.getvalue()


def _check_side_limit(rgba: np.ndarray, fmt: str, limit: int) -> None:
    height, width = rgba.shape[:2]
    if width > limit or height > limit:
        raise EncodeError(f"{fmt} images are limited to {limit} px per side, got {width}x{height}")


def _encode_jpeg(rgba: np.ndarray, quality: int) -> bytes:
    _check_side_limit(rgba, "JPEG", 65535)
    return _pillow_save(lambda: _flattened_image(rgba), "JPEG", quality=quality, dpi=(72, 72))


def _encode_webp(rgba: np.ndarray, quality: int) -> bytes:
    from PIL import Image

    _check_side_limit(rgba, "WebP", 16383)
    pixels = np.ascontiguousarray(rgba)
    return _pillow_save(lambda: Image.fromarray(pixels), "WEBP", quality=quality, method=_WEBP_METHOD)
