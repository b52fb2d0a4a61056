"""Circle layers: quads extruded in screen or map space, shaded in the fragment shader."""

from __future__ import annotations

from glrender.buckets.circle import CIRCLE_PROPS
from glrender.gpu import modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.uniforms import circle_uniforms, translated


def draw_circle(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    translate = paint(fc, layer, "circle-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "circle-translate-anchor", "map")
    pitch_alignment = paint(fc, layer, "circle-pitch-alignment", "viewport")
    pitch_scale = paint(fc, layer, "circle-pitch-scale", "map")
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        upp = fc.camera.pixels_to_tile_units(tile, bucket.extent)
        m = translated(fc.tile_matrix(tile, bucket.extent), translate, anchor, fc.camera, upp)
        u = {"u_matrix": fc.gl_matrix(m)}
        u.update(circle_uniforms(fc.camera, tile, bucket.extent, pitch_alignment, pitch_scale))
        draw_bucket(fc, "circle", bucket, layer, CIRCLE_PROPS, u, mode)
