"""Fill layers: triangles, then (with fill-antialias) the soft 2-px outline MapLibre draws."""

from __future__ import annotations

from glrender.buckets.fill import FILL_PROPS, OUTLINE_PROPS
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.uniforms import gl_matrix, translated


def draw_fill(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    translate = paint(fc, layer, "fill-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "fill-translate-anchor", "map")
    antialias = bool(paint(fc, layer, "fill-antialias", True))
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    outline_prop = layer.paint.get("fill-outline-color")
    # An unset outline colour (the spec has no default) means "the fill colour".
    outline_props = OUTLINE_PROPS
    if outline_prop is None or (outline_prop.is_constant and outline_prop.constant_value is None):
        outline_props = {"outline_color": ("fill-color", "vec4"), "opacity": ("fill-opacity", "float")}
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        m = translated(fc.tile_matrix(tile, bucket.extent), translate, anchor, fc.camera,
                       fc.camera.pixels_to_tile_units(tile, bucket.extent))
        clip = (0.0, 0.0, float(bucket.extent), float(bucket.extent))
        u = {"u_matrix": gl_matrix(m), "u_clip_rect": clip}
        draw_bucket(fc, "fill", bucket, layer, FILL_PROPS, u, mode)
        if antialias:
            fc.ctx.line_width = 2.0
            u2 = dict(u, u_world=(float(fc.camera.device_width), float(fc.camera.device_height)),
                      u_origin=fc.viewport_origin)
            draw_bucket(fc, "fill_outline", bucket, layer, outline_props, u2, mode, indices="outlines",
                        primitive=gl.LINES)
            fc.ctx.line_width = 1.0

