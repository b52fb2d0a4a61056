from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from glrender.encode import encode, encode_png, flatten_over_white, normalize_format
from glrender.errors import EncodeError


def _map_like(height: int = 96, width: int = 128, *, alpha: bool = False) -> np.ndarray:
    """Flat colour regions with a line and some noise: roughly what a rendered map looks like."""
    rng = np.random.default_rng(7)
    img = np.zeros((height, width, 4), np.uint8)
    img[...] = (242, 239, 233, 255)
    img[height // 3 :, : width // 2] = (170, 211, 223, 255)
    img[:, width // 2 : width // 2 + 3] = (255, 255, 255, 255)
    noise = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
    img[-8:, -8:] = noise
    if alpha:
        img[: height // 4, :, 3] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    return img


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        tag, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + data)
        out.append((tag, data))
        pos += 12 + length
    return out


@pytest.mark.parametrize("alpha", [False, True])
def test_png_round_trips_exactly(alpha: bool) -> None:
    img = _map_like(alpha=alpha)
    decoded = _decode(encode(img, "png"))
    assert decoded.format == "PNG" and decoded.mode == "RGBA"
    assert np.array_equal(np.asarray(decoded), img)


def test_png_declares_72_dpi_and_valid_chunks() -> None:
    data = encode(_map_like(), "png")
    tags = [tag for tag, _ in _chunks(data)]
    assert tags[0] == b"IHDR" and tags[-1] == b"IEND" and b"IDAT" in tags
    phys = dict(_chunks(data))[b"pHYs"]
    assert struct.unpack(">IIB", phys) == (2835, 2835, 1)
    dpi = _decode(data).info["dpi"]
    assert round(dpi[0]) == 72 and round(dpi[1]) == 72


def test_png_smooth_image_uses_up_filter_and_round_trips() -> None:
    # A vertical gradient: every row differs from the last by one, which "Up" turns into a constant.
    ramp = (np.arange(200, dtype=np.uint16)[:, None] * 3 // 2 % 256).astype(np.uint8)
    img = np.repeat(np.repeat(ramp, 300, axis=1)[..., None], 4, axis=2).copy()
    img[..., 0] = np.arange(300, dtype=np.uint8)[None, :] * 7
    img[..., 3] = 255
    data = encode_png(img)
    idat = b"".join(d for tag, d in _chunks(data) if tag == b"IDAT")
    scanlines = zlib.decompress(idat)
    assert scanlines[0] == 2  # filter type byte of the first row
    assert np.array_equal(np.asarray(_decode(data)), img)


def test_png_handles_non_contiguous_input_and_one_pixel() -> None:
    img = _map_like()[::2, ::3]
    assert np.array_equal(np.asarray(_decode(encode(img, "png"))), img)
    one = np.array([[[1, 2, 3, 4]]], np.uint8)
    assert np.array_equal(np.asarray(_decode(encode(one, "png"))), one)


@pytest.mark.parametrize("fmt", ["jpeg", "jpg", "JPEG"])
def test_jpeg_is_opaque_with_72_dpi(fmt: str) -> None:
    img = _map_like()
    decoded = _decode(encode(img, fmt))
    assert decoded.format == "JPEG" and decoded.mode == "RGB"
    assert decoded.info["dpi"] == (72, 72)
    assert decoded.info.get("jfif_unit") == 1 and decoded.info.get("jfif_density") == (72, 72)
    # Lossy: compare a flat interior region only.
    got = np.asarray(decoded)[50:80, 10:40].astype(int)
    assert np.abs(got - np.array([170, 211, 223])).max() <= 4


def test_jpeg_flattens_transparency_over_white() -> None:
    img = np.zeros((32, 32, 4), np.uint8)
    img[..., :3] = (0, 0, 255)  # straight alpha: colour is blue, coverage varies
    img[:, :16, 3] = 0
    img[:, 16:, 3] = 128
    got = np.asarray(_decode(encode(img, "jpeg", quality=100))).astype(int)
    assert np.abs(got[8:24, 2:12] - 255).max() <= 3  # fully transparent -> white
    half = got[8:24, 20:30].mean(axis=(0, 1))
    assert np.allclose(half, [127, 127, 255], atol=4)


def test_flatten_over_white_exact_values() -> None:
    img = np.array([[[0, 0, 255, 0], [0, 0, 255, 255], [200, 100, 0, 128], [10, 20, 30, 255]]], np.uint8)
    out = flatten_over_white(img)
    assert out.shape == (1, 4, 3)
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[0, 1].tolist() == [0, 0, 255]
    assert out[0, 3].tolist() == [10, 20, 30]
    # 200*128/255 + 255*127/255 = 227.4 ; 100 -> 177.2 ; 0 -> 127.0 (round to nearest, +-1)
    assert np.abs(out[0, 2].astype(int) - [227, 177, 127]).max() <= 1


def test_jpeg_quality_changes_size() -> None:
    img = _map_like(256, 256)
    img[..., :3] = np.random.default_rng(1).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    assert len(encode(img, "jpeg", quality=30)) < len(encode(img, "jpeg", quality=95))


def test_webp_keeps_alpha() -> None:
    img = _map_like(alpha=True)
    decoded = _decode(encode(img, "webp", quality=90))
    assert decoded.format == "WEBP" and decoded.mode == "RGBA"
    got = np.asarray(decoded).astype(int)
    assert got.shape == img.shape
    assert np.abs(got[50:80, 10:40] - img[50:80, 10:40].astype(int)).max() <= 6
    assert got[0, 0, 3] <= 6 and got[60, 60, 3] == 255


@pytest.mark.parametrize("fmt", ["gif", "", "tiff", ".bmp", None])
def test_unknown_format_names_it(fmt: object) -> None:
    with pytest.raises(EncodeError) as info:
        encode(_map_like(), fmt)  # type: ignore[arg-type]
    assert repr(fmt) in str(info.value)


def test_format_aliases() -> None:
    assert normalize_format("JPG") == "jpeg"
    assert normalize_format(".png") == "png"
    assert normalize_format("WebP") == "webp"


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4, 3), np.uint8),
        np.zeros((4, 4, 4), np.float32),
        np.zeros((4, 4), np.uint8),
        np.zeros((0, 4, 4), np.uint8),
        [[[0, 0, 0, 0]]],
    ],
)
def test_bad_arrays_raise_encode_error(bad: object) -> None:
    with pytest.raises(EncodeError):
        encode(bad, "png")  # type: ignore[arg-type]


@pytest.mark.parametrize("quality", [0, 101, 85.5, True, "85"])
def test_bad_quality_raises(quality: object) -> None:
    with pytest.raises(EncodeError, match="quality"):
        encode(_map_like(), "jpeg", quality=quality)  # type: ignore[arg-type]


@pytest.mark.parametrize("smooth", [True, False])
def test_png_banded_compression_round_trips_tall_images(smooth: bool) -> None:
    # Taller than one compression band, with both row filters (smooth images pick the Up filter).
    h, w = 1100, 37
    if smooth:
        y = np.arange(h, dtype=np.uint32)[:, None] * np.ones((1, w), np.uint32)
        rgba = np.stack([y % 256, (y // 3) % 256, np.full_like(y, 7), np.full_like(y, 255)], axis=2)
        rgba = rgba.astype(np.uint8)
    else:
        rgba = np.random.default_rng(3).integers(0, 256, (h, w, 4), dtype=np.uint8)
    out = np.asarray(Image.open(io.BytesIO(encode(rgba, "png"))).convert("RGBA"))
    assert np.array_equal(out, rgba)


def test_the_filter_trial_picks_up_for_repeated_rows_at_any_height() -> None:
    """Thumbnails sample thinner bands; the choice still follows the pixels."""
    import numpy as np

    from glrender.encode import _up_filter_is_smaller

    rng = np.random.default_rng(5)
    for height in (1, 8, 50, 200, 640, 2000):
        # each row the one above plus one: Up leaves one noisy row and then ones, None all noise
        row = rng.integers(0, 256, (1, 300 * 4), dtype=np.uint8)
        ramp = (row + np.arange(height, dtype=np.uint8)[:, None]).astype(np.uint8)
        assert _up_filter_is_smaller(ramp) == (height > 1), height
        noise = rng.integers(0, 256, (height, 300 * 4), dtype=np.uint8)
        assert not _up_filter_is_smaller(noise), height
