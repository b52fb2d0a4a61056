"""On-the-fly SDF glyphs from installed fonts: MapLibre's encoding and PBF-like metrics."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.text.fonts import FontRasteriser, sdf_from_coverage

pytest.importorskip("freetype")


def test_sdf_encoding_edge_and_slope() -> None:
    # a 4x-supersampled 8x8 px square: inside ~ 191 + 32 per pixel, outside 191 - 32 per pixel
    cov = np.zeros((32, 32), np.uint8)
    cov[:, :] = 255
    sdf = sdf_from_coverage(cov, 8, 8)
    assert sdf.shape == (14, 14)
    row = sdf[7].astype(int)
    assert row[0] < row[1] < row[2] < row[3]           # rising towards the outline
    assert 150 < row[3] < 240                           # first pixel inside the square, near the edge
    assert abs((row[2] - row[1]) - 32) <= 2             # 32 levels per pixel (radius 8)


@pytest.fixture(scope="module")
def fonts() -> FontRasteriser:
    r = FontRasteriser()
    if not r._scan():
        pytest.skip("no TTF/OTF fonts installed")
    return r


def test_glyph_metrics_look_like_pbf_glyphs(fonts: FontRasteriser) -> None:
    a = fonts.glyph("Noto Sans Regular", ord("A"))
    assert a is not None and a.bitmap is not None
    assert 12 <= a.width <= 20 and 14 <= a.height <= 20
    assert -12 <= a.top <= -6          # cap height ~17 px below the 26 px ascent line
    assert a.bitmap.shape == (a.height + 6, a.width + 6)
    space = fonts.glyph("Noto Sans Regular", ord(" "))
    assert space is not None and space.bitmap is None and space.advance > 0


def test_unknown_family_falls_back_and_keeps_weight(fonts: FontRasteriser) -> None:
    regular = fonts.glyph("No Such Font Regular", ord("H"))
    bold = fonts.glyph("No Such Font Bold", ord("H"))
    assert regular is not None and bold is not None
    assert int(bold.bitmap.astype(int).sum()) >= int(regular.bitmap.astype(int).sum())  # type: ignore[union-attr]


def test_cyrillic_and_greek_come_from_some_font(fonts: FontRasteriser) -> None:
    assert fonts.glyph("Open Sans Regular", 0x0416) is not None  # Ж
    assert fonts.glyph("Open Sans Regular", 0x03A9) is not None  # Ω
