"""Heatmap layers, as MapLibre draws them: Gaussian kernels summed into a half-float texture at a
quarter of the output resolution, then coloured through a 256-texel heatmap-color ramp."""

from __future__ import annotations

import math
from typing import Any

from glrender.buckets.base import Bucket, paint_values
from glrender.buckets.heatmap import HEATMAP_PROPS
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.dem import color_ramp
from glrender.render.draw_common import kept_vertex_array, paint, set_uniforms
from glrender.render.draw_raster import premultiply
from glrender.style.expressions import EvalContext

DOWNSCALE = 4  # MapLibre renders the density at a quarter of the canvas size


def _density_target(fc: FrameContext, w: int, h: int) -> tuple[Any, gl.Texture]:
    key_t, key_f = ("heatmap-density", w, h, "tex"), ("heatmap-density", w, h, "fbo")
    if key_t not in fc.gpu.textures:
        tex = fc.ctx.texture((w, h), 4, dtype="f2")
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (gl.LINEAR, gl.LINEAR)
        fc.gpu.textures[key_t] = tex
        fc.gpu.textures[key_f] = fc.ctx.framebuffer(color_attachments=[tex])  # type: ignore[assignment]
    return fc.gpu.textures[key_f], fc.gpu.textures[key_t]


def _ramp_texture(fc: FrameContext, layer: Any) -> gl.Texture:
    prop = layer.paint.get("heatmap-color")
    key = ("heatmap-ramp", layer.id, id(prop))
    tex = fc.gpu.textures.get(key)
    if tex is None:
        def at(t: float) -> Any:
            if prop is None:
                return (0.0, 0.0, 0.0, 0.0)
            return prop.evaluate(fc.zoom, ctx=EvalContext(zoom=fc.zoom, heatmap_density=t))
        rgba = color_ramp(at)
        tex = fc.ctx.texture((rgba.shape[1], 1), 4, premultiply(rgba).tobytes())
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (gl.LINEAR, gl.LINEAR)
        fc.gpu.textures[key] = tex
    return tex


def _draw_kernels(fc: FrameContext, fbo: Any, bucket: Bucket, layer: Any, uniforms: dict[str, Any]) -> None:
    """One bucket's kernels into the density target (draw_bucket's steps, on another framebuffer)."""
    u_values, attrs = paint_values(bucket, layer, HEATMAP_PROPS, fc.zoom, fc.global_state)
    prog = fc.gpu.programs.get("heatmap", attrs.keys())
    if len(bucket.indices) == 0:
        return
    vao = fc.gpu.meshes.vertex_array(prog, bucket, bucket.arrays, bucket.indices, index_name="indices",
                                     dynamic=attrs, dynamic_key=fc.zoom if attrs else None)
    vals = {f"u_{k}": v for k, v in u_values.items()}
    vals.update(uniforms)
    set_uniforms(prog, vals)
    modes.apply(fc.ctx, fbo, modes.ADDITIVE)
    vao.render(gl.TRIANGLES)


def draw_heatmap(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    opacity = float(paint(fc, layer, "heatmap-opacity", 1.0))
    if opacity <= 0 or not work.items:
        return
    cam = fc.camera
    W, H = cam.device_width, cam.device_height
    pw, ph = fc.piece_size
    qw, qh = max(1, W // DOWNSCALE), max(1, H // DOWNSCALE)
    # The density texture holds this piece's part of the quarter-resolution view plus a texel of
    # margin all round, so pieces sample it exactly as a one-piece render would.
    tw, th = math.ceil(pw / DOWNSCALE) + 3, math.ceil(ph / DOWNSCALE) + 3
    ox, oy = fc.viewport_origin
    qox = -math.floor(-ox * qw / W) + 1
    qoy = -math.floor(-oy * qh / H) + 1
    fbo, density = _density_target(fc, tw, th)
    fbo.viewport = (qox, qoy, qw, qh)
    fbo.use()
    fbo.clear(0.0, 0.0, 0.0, 0.0, viewport=(0, 0, tw, th))
    intensity = float(paint(fc, layer, "heatmap-intensity", 1.0))
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        u = {
            "u_matrix": fc.gl_matrix(fc.tile_matrix(tile, bucket.extent)),
            "u_extrude_scale": cam.pixels_to_tile_units(tile, bucket.extent),
            "u_intensity": intensity,
        }
        _draw_kernels(fc, fbo, bucket, layer, u)
    fc.fbo.use()
    prog = fc.gpu.programs.get("heatmap_texture")
    vao = kept_vertex_array(fc, prog, "heatmap-vao", fc.gpu.fullscreen_quad())
    density.use(0)
    _ramp_texture(fc, layer).use(1)
    set_uniforms(prog, {
        "u_image": 0, "u_color_ramp": 1, "u_opacity": opacity, "u_origin": (ox, oy), "u_size": (float(W), float(H)),
        "u_qsize": (float(qw), float(qh)), "u_qorigin": (float(qox), float(qoy)),
        "u_tex_size": (float(tw), float(th)),
    })
    modes.apply(fc.ctx, fc.fbo, modes.PREMULTIPLIED)
    vao.render(gl.TRIANGLE_STRIP)
