"""Raster layers (raster tiles, raster-dem shown as colours, image sources) with MapLibre's colour
adjustments, resampling rule and pixel-grid alignment."""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender.geo.cover import unmasked_rects
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import kept_vertex_array, paint, set_uniforms
from glrender.render.image_source import BILINEAR_WARP, image_warp, is_parallelogram
from glrender.render.uniforms import gl_matrix, raster_uniforms

RASTER_EXTENT = 8192
# MapLibre turns anisotropic filtering on only for views pitched past this, to keep flat maps sharp.
ANISOTROPY_MIN_PITCH = 20.0
MAX_ANISOTROPY = 16.0


def unit_quad(fc: FrameContext) -> gl.Buffer:
    key = ("unit-quad",)
    buf: Any = fc.gpu.textures.get(key)
    if buf is None:
        # Triangle strip TL, TR, BL, BR: the diagonal runs TR-BL, as in MapLibre's quad index buffer.
        buf = fc.ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype=np.float32).tobytes())
        fc.gpu.textures[key] = buf
    return buf  # type: ignore[no-any-return]


GRID_CELLS = 16  # MapLibre's subdivision of an image quad whose warp is partly bilinear


def grid_mesh(n: int) -> tuple[np.ndarray, np.ndarray]:
    """An n x n grid over the unit square: vertices (float32 x, y) and triangle indices (int32),
    each cell split along its top-right to bottom-left diagonal like the single quad."""
    t = np.arange(n + 1, dtype=np.float32) / n
    gx, gy = np.meshgrid(t, t)
    verts = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    tl = (j * (n + 1) + i).ravel()
    tr, bl = tl + 1, tl + n + 1
    br = bl + 1
    idx = np.column_stack([tr, tl, bl, tr, bl, br]).astype(np.int32).ravel()
    return verts, idx


def _grid(fc: FrameContext) -> tuple[gl.Buffer, gl.Buffer]:
    # Kept in the GPU object dict (released with the renderer), one entry per buffer.
    vkey, ikey = ("unit-grid", GRID_CELLS, "v"), ("unit-grid", GRID_CELLS, "i")
    if vkey not in fc.gpu.textures:
        verts, idx = grid_mesh(GRID_CELLS)
        fc.gpu.textures[vkey] = fc.ctx.buffer(verts.tobytes())  # type: ignore[assignment]
        fc.gpu.textures[ikey] = fc.ctx.buffer(idx.tobytes())  # type: ignore[assignment]
    return fc.gpu.textures[vkey], fc.gpu.textures[ikey]  # type: ignore[return-value]


def premultiply(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.uint16)
    pm = np.concatenate([(rgba[..., :3].astype(np.uint16) * a + 127) // 255, a], axis=2)
    return np.ascontiguousarray(pm.astype(np.uint8))


def is_pow2_square(w: int, h: int) -> bool:
    return w == h and w > 0 and (w & (w - 1)) == 0


def texture_for(fc: FrameContext, key: Any, rgba: np.ndarray, mipmaps: bool = False) -> gl.Texture:
    """A premultiplied RGBA texture for a decoded raster, cached by key (mipmapped if asked and the
    image is a power-of-two square, the only case WebGL 1 MapLibre mipmaps)."""
    tex = fc.gpu.textures.get(key)
    if tex is None:
        h, w = rgba.shape[:2]
        tex = fc.ctx.texture((w, h), 4, premultiply(rgba).tobytes())
        tex.repeat_x = tex.repeat_y = False
        if mipmaps and is_pow2_square(w, h):
            tex.build_mipmaps()
            tex.extra = "mipmapped"
        fc.gpu.textures[key] = tex
    return tex


def tile_filters(tex: gl.Texture, nearest: bool) -> tuple[int, int]:
    """(min, mag) filters: ``raster-resampling`` picks magnification; minification of a mipmapped
    tile always uses the nearest mip level, linearly filtered (MapLibre's LINEAR_MIPMAP_NEAREST)."""
    mag = gl.NEAREST if nearest else gl.LINEAR
    if getattr(tex, "extra", None) == "mipmapped":
        return gl.LINEAR_MIPMAP_NEAREST, mag
    return mag, mag


def draw_raster(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    opacity = float(paint(fc, layer, "raster-opacity", 1.0))
    if opacity <= 0 or not work.items:
        return
    u = raster_uniforms(
        float(paint(fc, layer, "raster-brightness-min", 0.0)),
        float(paint(fc, layer, "raster-brightness-max", 1.0)),
        float(paint(fc, layer, "raster-saturation", 0.0)),
        float(paint(fc, layer, "raster-contrast", 0.0)),
        float(paint(fc, layer, "raster-hue-rotate", 0.0)),
        opacity,
    )
    # The spec spells it both ways; MapLibre samples nearest when either says so.
    nearest = "nearest" in (paint(fc, layer, "raster-resampling", "linear"), paint(fc, layer, "resampling", "linear"))
    prog = fc.gpu.programs.get("raster")
    vao = kept_vertex_array(fc, prog, "raster-vao", unit_quad(fc))
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    proj = fc.camera.aligned_proj_matrix()
    rects = unmasked_rects([t for t, _ in work.items])
    anisotropy = MAX_ANISOTROPY if fc.camera.pitch > ANISOTROPY_MIN_PITCH else 1.0
    e = float(RASTER_EXTENT)
    for tile, raster in work.items:
        if not fc.tile_visible(tile):
            continue
        tex = texture_for(fc, raster.key, raster.rgba, raster.mipmaps)
        tex.filter = tile_filters(tex, nearest)
        tex.anisotropy = anisotropy if getattr(tex, "extra", None) == "mipmapped" else 1.0
        tex.use(0)
        base = dict(u)
        base.update({"u_matrix": gl_matrix(fc.camera.tile_matrix(tile, RASTER_EXTENT, proj)), "u_image": 0,
                     "u_layer_depth": fc.layer_depth()})
        modes.apply(fc.ctx, fc.fbo, mode)
        if raster.corners is not None:
            corners = list(raster.corners)
            (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = corners
            warp = image_warp(corners)
            base.update({"u_coords_top": (tlx, tly, trx, try_), "u_coords_bottom": (blx, bly, brx, bry),
                         "u_tex_rect": (0.0, 0.0, 1.0, 1.0), "u_image_warp": warp})
            set_uniforms(prog, base)
            if warp[2] > 0 and not is_parallelogram(corners):
                # A partly bilinear warp is not linear across one diagonal: evaluate it per grid cell.
                vbuf, ibuf = _grid(fc)
                grid = fc.ctx.vertex_array(prog, [(vbuf, "2f", "a_pos")], index_buffer=ibuf, index_element_size=4)
                grid.render(gl.TRIANGLES)
                grid.release()
            else:
                vao.render(gl.TRIANGLE_STRIP)
            continue
        base["u_image_warp"] = BILINEAR_WARP
        for x0, y0, x1, y1 in rects.get(tile, []):
            base.update({"u_coords_top": (x0 * e, y0 * e, x1 * e, y0 * e),
                         "u_coords_bottom": (x0 * e, y1 * e, x1 * e, y1 * e), "u_tex_rect": (x0, y0, x1, y1)})
            set_uniforms(prog, base)
            vao.render(gl.TRIANGLE_STRIP)
