"""Snapping vertices to a fixed grid makes framebuffer pieces draw exactly what the whole image draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from glrender.errors import RenderError
from glrender.gpu.snap import (
    GRID,
    gl_line_grid,
    gl_line_uniforms,
    gl_line_viewport,
    piece_viewport,
    snap_uniforms,
    wrap_vertex,
)

SIZES = [(1, 1), (300, 200), (301, 199), (512, 512), (2048, 2048), (4097, 3000), (8192, 8192)]


@pytest.mark.parametrize(("w", "h"), SIZES)
def test_the_line_viewport_holds_the_image_with_power_of_two_half_sizes(w: int, h: int) -> None:
    cx, cy, sx, sy = gl_line_grid(w, h)
    for c, s, n in ((cx, sx, w), (cy, sy, h)):
        assert s & (s - 1) == 0
        assert c - s <= 0 and c + s >= n  # the clip volume covers every pixel of the image
        assert 2 * s <= max(2, 2 * n)      # and stays within GL's viewport limits for n <= 8192


@pytest.mark.parametrize("viewport", [piece_viewport, gl_line_viewport])
def test_pieces_are_the_same_viewport_shifted_by_whole_pixels(viewport: Any) -> None:
    full = viewport(2048, 1536, 0, 0)
    for x0, y0 in ((512, 0), (0, 1024), (1536, 1024)):
        vx, vy, vw, vh = viewport(2048, 1536, x0, y0)
        assert (vx, vy, vw, vh) == (full[0] - x0, full[1] - y0, full[2], full[3])


def _gpu_window(x_out: np.ndarray, w: np.ndarray, half: float, translate: float) -> np.ndarray:
    """What a GPU does with a clip x: divide by w, scale, add the viewport offset, all in float32,
    then snap to its 1/256 grid."""
    f32 = np.float32
    ndc = (x_out.astype(f32) / w.astype(f32)).astype(f32)
    win = (ndc * f32(half)).astype(f32) + f32(translate)
    return np.rint(win.astype(np.float64) * 256.0).astype(np.int64)


@pytest.mark.parametrize("size", [300, 1280, 2048, 8191, 8192])
def test_every_piece_snaps_a_vertex_to_the_same_grid_point(size: int) -> None:
    # The shader's arithmetic, replayed in float32: whatever the piece's offset, the GPU's own snap of
    # the position we hand it lands on the grid point we chose, shifted by whole pixels.
    rng = np.random.default_rng(7)
    f32 = np.float32
    n = 200_000
    w = rng.uniform(0.05, 40.0, n).astype(f32)
    ndc = rng.uniform(-1.3, 1.3, n).astype(f32)
    x = (ndc * w).astype(f32)
    snap, scale = snap_uniforms(size, size)
    r = (x / w).astype(f32) * f32(snap[0]) + f32(snap[2])
    r = (np.floor(r * f32(GRID) + f32(0.5)) * f32(1.0 / GRID)).astype(f32)
    x_out = (r * f32(scale[0]) * w).astype(f32)
    for x0 in sorted({0, 512, size // 2, max(0, size - 512)}):
        vx, _, vw, _ = piece_viewport(size, size, x0, 0)
        got = _gpu_window(x_out, w, vw / 2, vx + vw / 2)
        want = np.rint((r.astype(np.float64) + vx + vw / 2) * 256.0).astype(np.int64)
        assert np.array_equal(got, want), f"piece at {x0}"


@pytest.mark.parametrize("size", [300, 1280, 2048, 8191])
def test_exact_programs_reach_the_rasteriser_without_float_error(size: int) -> None:
    # With w = 1 the GPU only scales by a power of two and adds whole pixels: no rounding at all.
    rng = np.random.default_rng(3)
    f32 = np.float32
    snap, scale = gl_line_uniforms(size, size)
    cx, _, sx, _ = gl_line_grid(size, size)
    r = np.round(rng.uniform(-size / 2 - 50, size / 2 + 50, 100_000) * GRID) / GRID + snap[2]
    r = r.astype(f32)
    x_out = (r * f32(scale[0])).astype(f32)
    for x0 in sorted({0, 512, size // 2}):
        vx, _, vw, _ = gl_line_viewport(size, size, x0, 0)
        win = (x_out * f32(vw // 2)).astype(f32) + f32(vx + vw // 2)
        assert vx + vw // 2 == cx - x0
        assert np.array_equal(win.astype(np.float64), r.astype(np.float64) + (cx - x0))


def test_wrap_vertex_runs_the_shader_then_snaps() -> None:
    src = "in vec2 a_pos;\nvoid main() {\n    gl_Position = vec4(a_pos, 0.0, 1.0);\n}\n"
    out = wrap_vertex(src)
    assert "void glr_main()" in out and out.count("void main()") == 1
    assert "gl_Position.xy = r * u_snap_scale * p.w;" in out  # w kept: perspective interpolation
    assert "gl_Position = vec4(r * u_snap_scale, p.z / p.w, 1.0);" in wrap_vertex(src, exact=True)
    with pytest.raises(RenderError, match="main"):
        wrap_vertex("void helper() {}\n")
