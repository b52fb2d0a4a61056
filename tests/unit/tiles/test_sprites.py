"""Sprite loading: prefixes, @2x with 1x fallback, arrays with id prefixes, missing sprites, metadata."""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from glrender.tiles.sprites import SpriteAtlas, load_sprites, parse_sprite, sprite_file_url

SUITE_SPRITES = Path("/work/shared/conformance/maplibre-render/assets/sprites")
BENCH_SPRITES = Path("/work/shared/data/bench/sprites")

needs_suite = pytest.mark.skipif(not SUITE_SPRITES.is_dir(), reason="shared conformance fixtures missing")
needs_bench = pytest.mark.skipif(not BENCH_SPRITES.is_dir(), reason="shared bench sprites missing")


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    return buf.getvalue()


def _sheet() -> np.ndarray:
    sheet = np.zeros((4, 6, 4), np.uint8)
    sheet[:, :3] = (255, 0, 0, 255)
    sheet[:, 3:] = (0, 0, 255, 128)
    return sheet


def test_parse_sprite_cuts_rectangles_and_keeps_metadata() -> None:
    meta = {
        "red": {"x": 0, "y": 0, "width": 3, "height": 4, "pixelRatio": 2, "sdf": True},
        "blue": {
            "x": 3,
            "y": 1,
            "width": 3,
            "height": 2,
            "stretchX": [[1, 2]],
            "stretchY": [[0, 1]],
            "content": [0, 0, 3, 2],
            "textFitWidth": "stretchOnly",
        },
        "outside": {"x": 5, "y": 0, "width": 3, "height": 1},
    }
    imgs = parse_sprite(json.dumps(meta).encode(), _png(_sheet()))
    assert set(imgs) == {"red", "blue"}
    red, blue = imgs["red"], imgs["blue"]
    assert red.rgba.shape == (4, 3, 4) and red.rgba.dtype == np.uint8
    assert (red.rgba == (255, 0, 0, 255)).all()
    assert red.pixel_ratio == 2.0 and red.sdf
    # straight alpha: the colour of a half-transparent pixel is not darkened
    assert (blue.rgba == (0, 0, 255, 128)).all() and (blue.width, blue.height) == (3, 2)
    assert blue.stretch_x == ((1.0, 2.0),) and blue.stretch_y == ((0.0, 1.0),)
    assert blue.content == (0.0, 0.0, 3.0, 2.0) and blue.text_fit_width == "stretchOnly"
    assert blue.text_fit_height is None and blue.pixel_ratio == 1.0 and not blue.sdf


def test_sprite_file_url_keeps_query_strings() -> None:
    assert sprite_file_url("https://x.org/s/sprite?key=1", "@2x.png") == "https://x.org/s/sprite@2x.png?key=1"
    assert sprite_file_url("sprites/a", ".json") == "sprites/a.json"


@needs_suite
def test_string_sprite_and_pixel_ratio() -> None:
    one = load_sprites(str(SUITE_SPRITES / "emerald"), base_dir=None, pixel_ratio=1)
    two = load_sprites(str(SUITE_SPRITES / "emerald"), base_dir=None, pixel_ratio=2)
    assert set(one.images) == set(two.images) and one.images
    name = next(iter(one.images))
    assert one.get(name) is not None and one.get(name).pixel_ratio == 1  # type: ignore[union-attr]
    img2 = two.get(name)
    assert img2 is not None and img2.pixel_ratio == 2
    assert img2.width == 2 * one.images[name].width


@needs_suite
def test_relative_path_resolves_against_base_dir() -> None:
    atlas = load_sprites("sprites/sprite", base_dir=str(SUITE_SPRITES.parent), pixel_ratio=1)
    assert atlas.get("wetland-17") is not None
    assert atlas.get("wetland-17").rgba.shape == (256, 256, 4)  # type: ignore[union-attr]
    assert atlas.get("nope") is None


@needs_suite
def test_file_url() -> None:
    atlas = load_sprites("file://" + str(SUITE_SPRITES / "sprite"), base_dir=None, pixel_ratio=1)
    assert "wetland-17" in atlas


@needs_suite
def test_at2x_falls_back_to_1x(tmp_path: Path) -> None:
    shutil.copy(SUITE_SPRITES / "sprite.json", tmp_path / "only1x.json")
    shutil.copy(SUITE_SPRITES / "sprite.png", tmp_path / "only1x.png")
    atlas = load_sprites("only1x", base_dir=str(tmp_path), pixel_ratio=2)
    assert atlas.get("wetland-17") is not None and atlas.get("wetland-17").pixel_ratio == 1  # type: ignore[union-attr]


@needs_suite
def test_array_prefixes_all_but_default() -> None:
    atlas = load_sprites(
        [
            {"id": "default", "url": str(SUITE_SPRITES / "emerald")},
            {"id": "sprite", "url": str(SUITE_SPRITES / "sprite")},
        ],
        base_dir=None,
        pixel_ratio=1,
    )
    assert "sprite:wetland-17" in atlas and "wetland-17" not in atlas
    emerald = load_sprites(str(SUITE_SPRITES / "emerald"), base_dir=None, pixel_ratio=1)
    assert set(emerald.images) <= set(atlas.images)


@needs_suite
def test_stretch_metadata_from_fixture() -> None:
    img = load_sprites(str(SUITE_SPRITES / "stretch"), base_dir=None, pixel_ratio=1).get("nine-part-content")
    assert img is not None
    assert img.stretch_x == ((10.0, 30.0),) and img.content == (10.0, 10.0, 30.0, 30.0) and img.pixel_ratio == 2


@needs_bench
def test_bench_poi_sprite_2x() -> None:
    atlas = load_sprites(str(BENCH_SPRITES / "poi"), base_dir=None, pixel_ratio=2)
    img = atlas.get("alcohol-shop")
    assert img is not None and img.pixel_ratio == 2 and img.rgba.shape[2] == 4


def test_missing_sprite_is_empty_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="glrender.sprites"):
        atlas = load_sprites("does-not-exist", base_dir=str(tmp_path), pixel_ratio=2)
    assert isinstance(atlas, SpriteAtlas) and len(atlas) == 0
    assert "not found" in caplog.text


def test_none_and_bad_values_give_empty_atlas(tmp_path: Path) -> None:
    assert len(load_sprites(None, base_dir=None, pixel_ratio=1)) == 0
    assert len(load_sprites([{"id": 3}], base_dir=None, pixel_ratio=1)) == 0  # type: ignore[list-item]
    assert len(load_sprites("mapbox://sprites/x", base_dir=None, pixel_ratio=1)) == 0


def test_broken_files_give_empty_atlas(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "bad.png").write_bytes(b"nope")
    assert len(load_sprites("bad", base_dir=str(tmp_path), pixel_ratio=1)) == 0
    (tmp_path / "nopng.json").write_text("{}")
    assert len(load_sprites("nopng", base_dir=str(tmp_path), pixel_ratio=1)) == 0


def test_unreachable_http_gives_empty_atlas() -> None:
    # Port 9 on localhost refuses at once: the loader must log and return, not raise or hang.
    assert len(load_sprites("http://127.0.0.1:9/sprite", base_dir=None, pixel_ratio=1)) == 0


@pytest.mark.parametrize("cut", [8, 20, 40, 60])
def test_broken_png_sheets_give_empty_atlas(tmp_path: Path, cut: int) -> None:
    # PNG signature, then a truncated or corrupt file: the PNG decoder's errors are caught too
    good = _png(_sheet())
    (tmp_path / "s.json").write_text(json.dumps({"red": {"x": 0, "y": 0, "width": 3, "height": 4}}))
    (tmp_path / "s.png").write_bytes(good[:cut] if cut > 8 or cut < 0 else good[:8] + good[16:])
    assert len(load_sprites("s", base_dir=str(tmp_path), pixel_ratio=1)) == 0


def test_non_png_sheet_still_decodes(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(_sheet(), "RGBA").save(buf, "WEBP", lossless=True)
    (tmp_path / "s.json").write_text(json.dumps({"red": {"x": 0, "y": 0, "width": 3, "height": 4}}))
    (tmp_path / "s.png").write_bytes(buf.getvalue())
    atlas = load_sprites("s", base_dir=str(tmp_path), pixel_ratio=1)
    assert atlas.get("red") is not None
    assert atlas.get("red").rgba[0, 0].tolist() == [255, 0, 0, 255]  # type: ignore[union-attr]
