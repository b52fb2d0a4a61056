"""Exact framebuffer pieces: every vertex shader ends by putting its vertex on a fixed pixel grid.

A big image is drawn as pieces of one camera, each through a viewport offset by a whole number of
pixels. The GPU turns clip coordinates into window coordinates in float32 (divide by w, scale, add the
viewport offset) and then snaps them to its 1/256-pixel grid. Adding a different offset rounds
differently, so a few vertices used to land one grid step apart in a piece and in the whole image, and
hard edges (building walls) flipped whole pixels.

So the vertex shader works out the window position itself, in the same float32 arithmetic whatever
the piece, and rounds it to a 1/128-pixel grid. It then hands the GPU x and y scaled back by w (w
itself is untouched, so interpolation stays perspective-correct). The GPU's own division, scale and
offset add an error far below half a grid step, so its 1/256 snap lands every vertex on the same grid
point, shifted by whole pixels, in every piece. Vertices behind the camera (w <= 0) are only mapped
to the viewport (they take part in clipping alone).

Wide GL lines need exact positions (``exact`` below, ``gl_line_*``). Depth and the other varyings are
interpolated by the GPU from the framebuffer's corner, which this module cannot change: building faces
compute their depth from their plane (shaders/fill_extrusion.*), and colours may still round a level
apart per piece (two where layers stack) unless ``Renderer(exact=True)`` blends in 16 bits.

This module is pure text and arithmetic; ``ProgramCache`` applies it and sets the two uniforms.
"""

from __future__ import annotations

import re

from glrender.errors import RenderError

# Coarser than the rasteriser's 1/256 sub-pixel grid, so that float32 error in the GPU's divide and
# viewport transform (under 1/1000 px up to 8192 px) never crosses a rounding boundary of it.
GRID = 128

_MAIN = re.compile(r"\bvoid\s+main\s*\(\s*\)")


def snap_uniforms(width: int, height: int) -> tuple[tuple[float, float, float, float], tuple[float, float]]:
    """``u_snap`` (the viewport's scale, then the image centre's offset from the grid centre) and
    ``u_snap_scale`` (1 / the viewport's scale) for a width x height image, drawn through a viewport
    of the image's own size (``piece_viewport``). The GPU's scale is then not exact, but its error is
    far below half a grid step (tests/unit/test_snap.py replays it)."""
    return (width / 2.0, height / 2.0, 0.0, 0.0), (2.0 / width, 2.0 / height)


def piece_viewport(width: int, height: int, x0: int, y0_gl: int) -> tuple[int, int, int, int]:
    """The GL viewport of the piece whose lower-left corner is (x0, y0_gl) in the image's GL window:
    the whole image's, offset by whole pixels."""
    return (-x0, -y0_gl, width, height)


def gl_line_grid(width: int, height: int) -> tuple[int, int, int, int]:
    """(cx, cy, sx, sy) for exact programs: an integer centre and power-of-two half sizes of a
    viewport that holds the whole image around it (its scale and offset are then exact)."""
    cx, cy = width // 2, height // 2
    sx = 1 << max(0, max(cx, width - cx) - 1).bit_length()
    sy = 1 << max(0, max(cy, height - cy) - 1).bit_length()
    return cx, cy, sx, sy


def gl_line_uniforms(width: int, height: int) -> tuple[tuple[float, float, float, float], tuple[float, float]]:
    """``snap_uniforms`` for exact programs, drawn through ``gl_line_viewport``."""
    cx, cy, sx, sy = gl_line_grid(width, height)
    return (width / 2.0, height / 2.0, width / 2.0 - cx, height / 2.0 - cy), (1.0 / sx, 1.0 / sy)


def gl_line_viewport(width: int, height: int, x0: int, y0_gl: int) -> tuple[int, int, int, int]:
    """``piece_viewport`` for exact programs. It is bigger than the image (up to twice as wide), which
    costs llvmpipe time, so only the programs that need it draw through it."""
    cx, cy, sx, sy = gl_line_grid(width, height)
    return (cx - sx - x0, cy - sy - y0_gl, 2 * sx, 2 * sy)


def wrap_vertex(src: str, exact: bool = False) -> str:
    """The vertex shader with its position snapped to the grid (see the module doc).

    ``exact`` hands the GPU window positions with no float error at all, by dividing by w in the
    shader (w becomes 1) and drawing through ``gl_line_viewport``, whose power-of-two scale and
    whole-pixel offset are exact: wide GL lines
    need it, because the rasteriser places their ends with float tests on the unsnapped position
    (the diamond-exit rule), which a last-bit difference flips. Such a program must carry
    perspective-correct interpolation itself (shaders/fill_outline.* do)."""
    body, n = _MAIN.subn("void glr_main()", src)
    if n != 1:
        raise RenderError("vertex shader needs exactly one main()")
    hand_over = "gl_Position = vec4(r * u_snap_scale, p.z / p.w, 1.0);" if exact else \
        "gl_Position.xy = r * u_snap_scale * p.w;"
    return body + f"""
uniform vec4 u_snap;        // viewport scale (half size); image centre minus grid centre (pixels)
uniform vec2 u_snap_scale;  // 1 / viewport scale
void main() {{
    glr_main();
    vec4 p = gl_Position;
    if (p.w > 0.0) {{
        vec2 r = (p.xy / p.w) * u_snap.xy + u_snap.zw;
        r = floor(r * {GRID:.1f} + 0.5) * {1.0 / GRID!r};
        {hand_over}
    }} else {{
        gl_Position.xy = (p.xy * u_snap.xy + p.w * u_snap.zw) * u_snap_scale;  // map to the viewport
    }}
}}
"""
