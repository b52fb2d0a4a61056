"""``fill-layer-opacity`` / ``line-layer-opacity``: the layer is drawn on its own, then blended once.

Unlike ``fill-opacity``, overlapping features of such a layer do not darken each other: the whole layer is
rendered to an offscreen texture (sharing the frame's depth buffer, so 3D occlusion still applies) and
composited with the group opacity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import set_uniforms

LAYER_OPACITY = {"fill": "fill-layer-opacity", "line": "line-layer-opacity"}


def layer_opacity(layer: Any, zoom: float) -> float:
    """The layer's group opacity at ``zoom`` (1 when the layer type has none or it is unset)."""
    name = LAYER_OPACITY.get(layer.type)
    prop = layer.paint.get(name) if name else None
    if prop is None:
        return 1.0
    try:
        return max(0.0, min(1.0, float(prop.evaluate(zoom))))
    except (TypeError, ValueError):
        return 1.0


def _target(fc: FrameContext) -> tuple[Any, gl.Texture]:
    depth = fc.fbo.depth_attachment
    w, h = fc.fbo.size
    key = ("layer-opacity", w, h, id(depth), fc.exact)
    hit = fc.gpu.textures.get(key)
    if hit is None:
        # as deep as the frame's framebuffer (16 bits per channel with Renderer(exact=True))
        tex = fc.ctx.texture((w, h), 4, dtype="nu2" if fc.exact else "f1")
        tex.filter = (gl.NEAREST, gl.NEAREST)
        tex.repeat_x = tex.repeat_y = False
        fbo = fc.ctx.framebuffer(color_attachments=[tex], depth_attachment=depth)
        fc.gpu.textures[(*key, "tex")] = tex
        fc.gpu.textures[key] = fbo  # type: ignore[assignment]
        return fbo, tex
    return hit, fc.gpu.textures[(*key, "tex")]


def draw_grouped(fc: FrameContext, work: LayerWork, fn: Callable[[FrameContext, LayerWork], None]) -> bool:
    """Draw ``work`` with its layer opacity when it has one below 1; False when it should draw directly."""
    opacity = layer_opacity(work.layer, fc.zoom)
    if opacity >= 1.0:
        return False
    if opacity <= 0.0 or not work.items:
        return True
    main = fc.fbo
    fbo, tex = _target(fc)
    w, h = fc.piece_size
    fbo.viewport = main.viewport
    fbo.depth_mask = False
    fbo.color_mask = (True, True, True, True)
    fbo.use()
    fbo.clear(0.0, 0.0, 0.0, 0.0, viewport=(0, 0, w, h))
    fc.fbo = fbo
    try:
        fn(fc, work)
    finally:
        fc.fbo = main
    main.use()
    prog = fc.gpu.programs.get("layer_opacity")
    vao = fc.ctx.vertex_array(prog, [(fc.gpu.fullscreen_quad(), "2f", "a_pos")])
    tex.use(0)
    set_uniforms(prog, {"u_image": 0, "u_texsize": (float(tex.size[0]), float(tex.size[1])), "u_opacity": opacity})
    modes.apply(fc.ctx, main, modes.PREMULTIPLIED)
    vao.render(gl.TRIANGLE_STRIP)
    vao.release()
    return True
