"""Line layers: extruded in the vertex shader, antialiased and dashed or patterned in the fragment shader."""

from __future__ import annotations

from typing import Any

from glrender.buckets.base import paint_values
from glrender.buckets.line import LINE_PROPS
from glrender.gpu import modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.draw_pattern import bind_atlas, floor_zoom, pattern_atlas, pattern_inputs
from glrender.render.patterns import pattern_tile_uniforms
from glrender.render.uniforms import dash_edges, gl_matrix, line_uniforms, translated

FLOORWIDTH: dict[str, tuple[str, str]] = {"floorwidth": ("line-width", "float")}


def _set(prop: Any) -> bool:
    return prop is not None and not (prop.is_constant and prop.constant_value is None)


def draw_line(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    translate = paint(fc, layer, "line-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "line-translate-anchor", "map")
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    defines: tuple[str, ...] = ()
    dash_u = {}
    patterned = _set(layer.paint.get("line-pattern"))
    atlas = pattern_atlas(fc) if patterned else None
    if patterned and atlas is None:
        return  # no sprite: nothing to draw
    dash_prop = layer.paint.get("line-dasharray")
    if not patterned and dash_prop is not None and dash_prop.is_feature_constant:
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
        u: dict[str, Any] = {"u_matrix": gl_matrix(m),
                             "u_clip_rect": (0.0, 0.0, float(bucket.extent), float(bucket.extent))}
        u.update(line_uniforms(fc.camera, tile, bucket.extent))
        u.update(dash_u)
        extra: dict[str, Any] = {}
        if atlas is not None:
            got = pattern_inputs(fc, layer, "line-pattern", atlas, bucket)
            if got is None:
                continue
            u.update(got[0])
            extra = dict(got[1])
            # The pattern's height follows the line width at the integer zoom (MapLibre's floorwidth).
            fw_u, fw_attrs = paint_values(bucket, layer, FLOORWIDTH, floor_zoom(fc), fc.global_state)
            u.update({f"u_{k}": v for k, v in fw_u.items()})
            extra.update(fw_attrs)
            u.update(pattern_tile_uniforms(fc.camera, tile, bucket.extent))
            u["u_texsize"] = bind_atlas(fc, atlas)
            u["u_image"] = 0
            defines = ("PATTERN",)
        draw_bucket(fc, "line", bucket, layer, LINE_PROPS, u, mode, defines=defines, extra_attrs=extra,
                    extra_key=(floor_zoom(fc), id(atlas)))
