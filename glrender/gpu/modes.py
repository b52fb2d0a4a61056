"""Explicit GL state for every draw (DESIGN habit 4): no draw relies on what the previous one left."""

from __future__ import annotations

import moderngl

from glrender._record import record


@record(frozen=True)
class DrawMode:
    blend: bool = True            # premultiplied alpha: ONE, ONE_MINUS_SRC_ALPHA
    depth_test: bool = False
    depth_write: bool = False
    depth_func: str = "<="
    color_write: bool = True
    cull_back: bool = False       # cull faces that are clockwise on screen (MapLibre's backCCW)
    additive: bool = False        # blend ONE, ONE (heatmap density accumulation)


PREMULTIPLIED = DrawMode()
DEPTH_BEHIND_3D = DrawMode(depth_test=True, depth_write=False, depth_func="<=")
ADDITIVE = DrawMode(additive=True)
EXTRUSION_OPAQUE = DrawMode(blend=False, depth_test=True, depth_write=True, depth_func="<=", cull_back=True)
EXTRUSION_DEPTH_ONLY = DrawMode(blend=False, depth_test=True, depth_write=True, depth_func="<=", color_write=False,
                                cull_back=True)
EXTRUSION_COLOR_EQUAL = DrawMode(blend=True, depth_test=True, depth_write=False, depth_func="==", cull_back=True)


def apply(ctx: moderngl.Context, fbo: moderngl.Framebuffer, mode: DrawMode) -> None:
    flags = moderngl.NOTHING
    if mode.blend:
        flags |= moderngl.BLEND
    if mode.depth_test:
        flags |= moderngl.DEPTH_TEST
    if mode.cull_back:
        flags |= moderngl.CULL_FACE
    ctx.enable_only(flags)
    if mode.cull_back:
        ctx.front_face = "ccw"
        ctx.cull_face = "back"
    if mode.blend:
        ctx.blend_func = (moderngl.ONE, moderngl.ONE) if mode.additive else (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        ctx.blend_equation = moderngl.FUNC_ADD  # type: ignore[assignment]  # one equation for both channels
    if mode.depth_test:
        ctx.depth_func = mode.depth_func
    # moderngl applies a framebuffer's masks when it is bound, so bind again after changing them.
    if fbo.depth_mask != mode.depth_write or fbo.color_mask != (mode.color_write,) * 4:
        fbo.depth_mask = mode.depth_write
        fbo.color_mask = (mode.color_write,) * 4
        fbo.use()
