"""Background layers: a full-piece quad in the layer's colour."""

from __future__ import annotations

from glrender.buckets.base import as_vec4
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import paint, set_uniforms


def draw_background(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    color = as_vec4(paint(fc, layer, "background-color"))
    opacity = float(paint(fc, layer, "background-opacity", 1.0))
    if opacity <= 0 or color[3] <= 0:
        return
    prog = fc.gpu.programs.get("background")
    vao = fc.ctx.vertex_array(prog, [(fc.gpu.fullscreen_quad(), "2f", "a_pos")])
    set_uniforms(prog, {"u_color": color, "u_opacity": opacity, "u_layer_depth": fc.layer_depth()})
    modes.apply(fc.ctx, fc.fbo, modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED)
    vao.render(gl.TRIANGLE_STRIP)
    vao.release()
