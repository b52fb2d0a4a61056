"""Line layers: extruded in the vertex shader, antialiased and dashed in the fragment shader."""

from __future__ import annotations

from glrender.buckets.line import LINE_PROPS
from glrender.gpu import modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.uniforms import dash_edges, gl_matrix, line_uniforms, translated


def draw_line(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    translate = paint(fc, layer, "line-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "line-translate-anchor", "map")
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    defines: tuple[str, ...] = ()
    dash_u = {}
    dash_prop = layer.paint.get("line-dasharray")
    if dash_prop is not None and dash_prop.is_feature_constant:
        dash = dash_prop.evaluate(fc.zoom)
        if dash:
            width = float(paint(fc, layer, "line-width", 1.0) or 0.0)
            edges = dash_edges(dash, width)
            if edges is not None:
                defines = ("DASHED",)
                dash_u = {"u_dash": edges[0], "u_dash_count": edges[1]}
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        upp = fc.camera.pixels_to_tile_units(tile, bucket.extent)
        m = translated(fc.tile_matrix(tile, bucket.extent), translate, anchor, fc.camera, upp)
        u = {"u_matrix": gl_matrix(m), "u_clip_rect": (0.0, 0.0, float(bucket.extent), float(bucket.extent))}
        u.update(line_uniforms(fc.camera, tile, bucket.extent))
        u.update(dash_u)
        draw_bucket(fc, "line", bucket, layer, LINE_PROPS, u, mode, defines=defines)
