"""Hillshade and heatmap layers against numbers worked out from MapLibre's formulas.

No golden images: each expected pixel follows from the shader maths MapLibre uses (slopes from a
Sobel kernel over the DEM scaled to metres per pixel, the "standard" hillshade shading; Gaussian
heatmap kernels of sigma radius / 3 with peak weight * intensity * 0.3989, coloured by a 256-texel
ramp), with tolerances for 8-bit quantisation and quarter-resolution density sampling.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from glrender.render.dem import bordered, elevations, slope_texture, tile_lat_range

Z, TX, TY = 10, 512, 511  # a DEM tile just north of the equator
GRADIENT = 20.0  # metres per DEM pixel, rising eastwards


def _heights() -> np.ndarray:
    x = np.arange(256, dtype=np.float64)
    return np.tile(1000.0 + GRADIENT * x, (256, 1))


def _encode(h: np.ndarray, encoding: str) -> np.ndarray:
    rgba = np.zeros(h.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = 255
    if encoding == "terrarium":
        v = h + 32768.0
        rgba[..., 0] = np.floor(v / 256)
        rgba[..., 1] = np.floor(v) % 256
        rgba[..., 2] = np.round((v - np.floor(v)) * 256)
    else:
        v = np.round((h + 10000.0) * 10).astype(np.int64)
        rgba[..., 0], rgba[..., 1], rgba[..., 2] = v >> 16, (v >> 8) & 255, v & 255
    return rgba


def _dem_style(tmp_path: Path, encoding: str, direction: float) -> dict[str, Any]:
    d = tmp_path / encoding / str(Z) / str(TX)
    d.mkdir(parents=True, exist_ok=True)
    Image.fromarray(_encode(_heights(), encoding)).save(d / f"{TY}.png")
    return {
        "version": 8,
        "sources": {"dem": {"type": "raster-dem", "tiles": [str(tmp_path / encoding / "{z}/{x}/{y}.png")],
                            "tileSize": 256, "maxzoom": Z, "encoding": encoding}},
        "layers": [{"id": "hs", "type": "hillshade", "source": "dem", "paint": {
            "hillshade-illumination-direction": direction, "hillshade-illumination-anchor": "map",
            "hillshade-highlight-color": "#ff0000", "hillshade-shadow-color": "#0000ff",
            "hillshade-accent-color": "rgba(0, 0, 0, 0)", "hillshade-exaggeration": 0.5}}],
    }


def _tile_centre() -> tuple[float, float]:
    n = 2**Z
    lon = (TX + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (TY + 0.5) / n))))
    return lon, lat


def _expected_alpha() -> float:
    """Alpha of the standard shading in the middle of the tile (exaggeration 0.5: no bending)."""
    slopes = slope_texture(bordered(elevations(_encode(_heights(), "terrarium"), (256.0, 1.0, 1 / 256, 32768.0))),
                           float(Z))
    dx = slopes[128, 128, 0] / 255 * 2 - 1
    dy = slopes[128, 128, 1] / 255 * 2 - 1
    north, south = tile_lat_range(Z, TY)
    c = math.cos(math.radians((north + south) / 2))
    slope = math.atan(1.25 * math.hypot(dx / c, dy / c))
    return math.sin(slope)


def test_slope_texture_of_a_plane() -> None:
    # 4 * (h(x+1) - h(x-1)) = 8 * gradient, times 256 px / 2^(exaggeration + 28.2562 - z) at z10
    slopes = slope_texture(bordered(_heights().astype(np.float32)), float(Z))
    scale = 256 / 2 ** ((Z - 15) * 0.3 + 28.2562 - Z)
    want = round((8 * GRADIENT * scale / 2 + 0.5) * 255)
    assert slopes[100, 100, 0] == want
    assert slopes[100, 100, 1] in (127, 128)  # flat north-south
    # the edge columns repeat the tile's own edge in the border: half the slope there
    assert slopes[100, 0, 0] < want


@pytest.mark.parametrize("encoding", ["terrarium", "mapbox"])
def test_slope_facing_the_light_takes_the_highlight(tmp_path: Path, renderer_factory: Any, encoding: str) -> None:
    # Light from the west (270 deg) on ground rising to the east: the slope faces the light.
    r = renderer_factory(_dem_style(tmp_path, encoding, 270))
    img = r.render(center=_tile_centre(), zoom=Z - 1, width=64, height=64).array
    px = img[32, 32].astype(int)
    alpha = _expected_alpha() * 255
    assert abs(px[3] - alpha) <= 3, (px, alpha)
    assert px[0] >= 250 and px[1] <= 3 and px[2] <= 6, px
    # the whole view is one plane: uniform shading
    assert np.ptp(img[8:56, 8:56, 3]) <= 2


def test_slope_away_from_the_light_takes_the_shadow(tmp_path: Path, renderer_factory: Any) -> None:
    r = renderer_factory(_dem_style(tmp_path, "terrarium", 90))
    px = r.render(center=_tile_centre(), zoom=Z - 1, width=64, height=64).array[32, 32].astype(int)
    assert abs(px[3] - _expected_alpha() * 255) <= 3, px
    assert px[2] >= 250 and px[0] <= 6 and px[1] <= 3, px


def _heat_style(features: list[dict[str, Any]], weight: Any = 1) -> dict[str, Any]:
    return {
        "version": 8,
        "sources": {"pts": {"type": "geojson", "data": {"type": "FeatureCollection", "features": features}}},
        "layers": [{"id": "heat", "type": "heatmap", "source": "pts", "paint": {
            "heatmap-radius": 40, "heatmap-weight": weight, "heatmap-intensity": 1,
            "heatmap-color": ["interpolate", ["linear"], ["heatmap-density"], 0, "rgba(255, 0, 0, 0)",
                              1, "rgba(255, 0, 0, 1)"]}}],
    }


def _point(props: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props or {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}


def _ramp_alpha(density: float) -> float:
    """The alpha MapLibre's ramp texture gives a density: texels floor(i / 256 * 255), linearly sampled."""
    t = min(max(density, 0.0), 1.0) * 256 - 0.5
    i = min(max(math.floor(t), 0), 255)
    j = min(i + 1, 255)
    f = min(max(t - i, 0.0), 1.0)
    return math.floor(i / 256 * 255) * (1 - f) + math.floor(j / 256 * 255) * f


GAUSS = 0.3989422804014327


def _density_at(px: int, py: int, weight: float = 1.0, radius: float = 40.0, size: int = 128) -> float:
    """Density MapLibre shows at output pixel (px, py) for one kernel at the image centre: the kernel is
    evaluated at the texel centres of a quarter-resolution texture, which is then sampled bilinearly."""
    q = size // 4

    def texel(i: int, j: int) -> float:
        i, j = min(max(i, 0), q - 1), min(max(j, 0), q - 1)
        dx, dy = (i + 0.5) * 4 - size / 2, (j + 0.5) * 4 - size / 2
        return weight * GAUSS * math.exp(-4.5 * (dx * dx + dy * dy) / radius**2)

    tx, ty = (px + 0.5) / size * q - 0.5, (py + 0.5) / size * q - 0.5
    i, j = math.floor(tx), math.floor(ty)
    fx, fy = tx - i, ty - j
    top = texel(i, j) * (1 - fx) + texel(i + 1, j) * fx
    bottom = texel(i, j + 1) * (1 - fx) + texel(i + 1, j + 1) * fx
    return top * (1 - fy) + bottom * fy


def test_one_point_kernel(renderer_factory: Any) -> None:
    r = renderer_factory(_heat_style([_point()]))
    img = r.render(center=(0, 0), zoom=3, width=128, height=128).array.astype(int)
    assert abs(img[64, 64, 3] - _ramp_alpha(_density_at(64, 64))) <= 2, img[64, 64]
    assert (img[62:66, 62:66, 0] >= 250).all()
    # half the radius out: exp(-4.5 / 4) of the peak, less for the quarter-resolution sampling
    assert abs(img[64, 84, 3] - _ramp_alpha(_density_at(84, 64))) <= 2, img[64, 84]
    # beyond the kernel's quad (1.28 radii for weight 1) nothing is drawn
    assert img[64, 64 + 60, 3] == 0 and img[5, 5, 3] == 0


def test_kernels_add_up_and_weights_are_data_driven(renderer_factory: Any) -> None:
    two = renderer_factory(_heat_style([_point(), _point()]))
    weighted = renderer_factory(_heat_style([_point({"w": 2})], weight=["get", "w"]))
    a = two.render(center=(0, 0), zoom=3, width=128, height=128).array.astype(int)
    b = weighted.render(center=(0, 0), zoom=3, width=128, height=128).array.astype(int)
    assert abs(a[64, 64, 3] - _ramp_alpha(_density_at(64, 64, weight=2))) <= 2, a[64, 64]
    assert np.abs(a - b).max() <= 2


def test_opacity_scales_the_coloured_result(renderer_factory: Any) -> None:
    style = _heat_style([_point()])
    style["layers"][0]["paint"]["heatmap-opacity"] = 0.5
    img = renderer_factory(style).render(center=(0, 0), zoom=3, width=128, height=128).array.astype(int)
    assert abs(img[64, 64, 3] - _ramp_alpha(_density_at(64, 64)) / 2) <= 2, img[64, 64]


def test_big_images_drawn_in_pieces_match_one_piece(tmp_path: Path, renderer_factory: Any) -> None:
    from glrender.api import Renderer

    renderer_factory(_heat_style([]))  # skips without EGL

    heat = _heat_style([_point(), {"type": "Feature", "properties": {},
                                   "geometry": {"type": "Point", "coordinates": [3, 2]}}])
    for style, cam in ((heat, {"center": (1, 1), "zoom": 4}),
                       (_dem_style(tmp_path, "terrarium", 300), {"center": _tile_centre(), "zoom": Z - 1})):
        whole, pieces = Renderer(style), Renderer(style, piece_limit=64)
        try:
            a = whole.render(width=200, height=150, **cam).array  # type: ignore[arg-type]
            b = pieces.render(width=200, height=150, **cam).array  # type: ignore[arg-type]
        finally:
            whole.close()
            pieces.close()
        assert np.array_equal(a, b)
