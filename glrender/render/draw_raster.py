"""Raster layers: one textured quad per tile with MapLibre's colour adjustments."""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import paint, set_uniforms
from glrender.render.uniforms import gl_matrix, raster_uniforms

RASTER_EXTENT = 8192


def _quad(fc: FrameContext) -> gl.Buffer:
    key = ("raster-quad",)
    buf = fc.gpu.textures.get(key)
    if buf is None:
        e = float(RASTER_EXTENT)
        data = np.array([0, 0, 0, 0, e, 0, 1, 0, 0, e, 0, 1, e, e, 1, 1], dtype=np.float32)
        buf = fc.ctx.buffer(data.tobytes())
        fc.gpu.textures[key] = buf  # type: ignore[assignment]
    return buf  # type: ignore[return-value]


def texture_for(fc: FrameContext, key: Any, rgba: np.ndarray) -> gl.Texture:
    """A premultiplied RGBA texture for a decoded raster tile, cached by key."""
    tex = fc.gpu.textures.get(key)
    if tex is None:
        h, w = rgba.shape[:2]
        a = rgba[..., 3:4].astype(np.uint16)
        pm = np.concatenate([(rgba[..., :3].astype(np.uint16) * a + 127) // 255, a], axis=2).astype(np.uint8)
        tex = fc.ctx.texture((w, h), 4, np.ascontiguousarray(pm).tobytes())
        tex.repeat_x = tex.repeat_y = False
        fc.gpu.textures[key] = tex
    return tex


def draw_raster(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    opacity = float(paint(fc, layer, "raster-opacity", 1.0))
    if opacity <= 0:
        return
    u = raster_uniforms(
        float(paint(fc, layer, "raster-brightness-min", 0.0)),
        float(paint(fc, layer, "raster-brightness-max", 1.0)),
        float(paint(fc, layer, "raster-saturation", 0.0)),
        float(paint(fc, layer, "raster-contrast", 0.0)),
        float(paint(fc, layer, "raster-hue-rotate", 0.0)),
        opacity,
    )
    nearest = paint(fc, layer, "raster-resampling", "linear") == "nearest"
    prog = fc.gpu.programs.get("raster")
    vao = fc.ctx.vertex_array(prog, [(_quad(fc), "2f 2f", "a_pos", "a_texcoord")])
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    for tile, raster in work.items:
        if not fc.tile_visible(tile):
            continue
        tex = texture_for(fc, raster.key, raster.rgba)
        filt = gl.NEAREST if nearest else gl.LINEAR
        tex.filter = (filt, filt)
        tex.use(0)
        vals = dict(u)
        vals.update({"u_matrix": gl_matrix(fc.tile_matrix(tile, RASTER_EXTENT)), "u_image": 0,
                     "u_clip_rect": (0.0, 0.0, float(RASTER_EXTENT), float(RASTER_EXTENT)),
                     "u_layer_depth": fc.layer_depth()})
        set_uniforms(prog, vals)
        modes.apply(fc.ctx, fc.fbo, mode)
        vao.render(gl.TRIANGLE_STRIP)
    vao.release()
