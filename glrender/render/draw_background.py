"""Background layers: a full-piece quad in the layer's colour, or the pattern drawn tile by tile."""

from __future__ import annotations

import numpy as np

from glrender.buckets.base import as_vec4
from glrender.geo.cover import covering_tiles
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import kept_vertex_array, paint, set_uniforms
from glrender.render.draw_pattern import bind_atlas, constant_pattern, pattern_atlas
from glrender.render.patterns import pattern_tile_uniforms, tile_zoom

EXTENT = 8192


def draw_background(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    opacity = float(paint(fc, layer, "background-opacity", 1.0))
    if opacity <= 0:
        return
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    pattern_prop = layer.paint.get("background-pattern")
    if pattern_prop is not None and not (pattern_prop.is_constant and pattern_prop.constant_value is None):
        _draw_pattern(fc, layer, opacity, mode)
        return
    color = as_vec4(paint(fc, layer, "background-color"))
    if color[3] <= 0:
        return
    prog = fc.gpu.programs.get("background")
    vao = kept_vertex_array(fc, prog, "background-vao", fc.gpu.fullscreen_quad())
    set_uniforms(prog, {"u_color": color, "u_opacity": opacity, "u_layer_depth": fc.layer_depth()})
    modes.apply(fc.ctx, fc.fbo, mode)
    vao.render(gl.TRIANGLE_STRIP)


def _tile_quad(fc: FrameContext) -> gl.Buffer:
    key = ("background-tile-quad", EXTENT)
    buf = fc.gpu.textures.get(key)
    if buf is None:
        quad = np.array([0, 0, EXTENT, 0, 0, EXTENT, EXTENT, EXTENT], dtype=np.float32)
        buf = fc.ctx.buffer(quad.tobytes())
        fc.gpu.textures[key] = buf  # type: ignore[assignment]
    return buf  # type: ignore[return-value]


def _draw_pattern(fc: FrameContext, layer: object, opacity: float, mode: modes.DrawMode) -> None:
    atlas = pattern_atlas(fc)
    pos = constant_pattern(fc, layer, "background-pattern", atlas)
    if atlas is None or pos is None:
        return  # a missing image draws nothing
    tz = tile_zoom(fc.camera)
    tiles = covering_tiles(fc.camera, minzoom=0, maxzoom=tz, clip_matrix=fc.piece_clip @ fc.camera.world_matrix())
    prog = fc.gpu.programs.get("background", (), ("PATTERN",))
    vao = kept_vertex_array(fc, prog, "background-tile-vao", _tile_quad(fc))
    texsize = bind_atlas(fc, atlas)
    modes.apply(fc.ctx, fc.fbo, mode)
    base = {"u_opacity": opacity, "u_layer_depth": fc.layer_depth(), "u_pattern": tuple(pos[:4]),
            "u_pixel_ratio": pos[4], "u_texsize": texsize, "u_image": 0}
    for tile in tiles:
        u = dict(base, u_matrix=fc.gl_matrix(fc.tile_matrix(tile, EXTENT)))
        u.update(pattern_tile_uniforms(fc.camera, tile, EXTENT))
        set_uniforms(prog, u)
        vao.render(gl.TRIANGLE_STRIP)
