"""Fill layers: triangles, then (with fill-antialias) the soft 2-px outline MapLibre draws.

With ``fill-pattern`` the triangles (and the outline, unless ``fill-outline-color`` is set) sample the
pattern atlas instead of ``fill-color``; features whose image is missing draw nothing.
"""

from __future__ import annotations

from typing import Any

from glrender.buckets.fill import FILL_PROPS, OUTLINE_PROPS
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.draw_pattern import bind_atlas, floor_zoom, pattern_atlas, pattern_inputs
from glrender.render.patterns import pattern_tile_uniforms
from glrender.render.uniforms import translated

# An unset outline colour (the spec has no default) means "the fill colour". One table object for
# every draw: draw_bucket keeps each draw's state per table.
FILL_COLOR_OUTLINE = {"outline_color": ("fill-color", "vec4"), "opacity": ("fill-opacity", "float")}


def _unset(prop: Any) -> bool:
    return prop is None or (prop.is_constant and prop.constant_value is None)


def draw_fill(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    translate = paint(fc, layer, "fill-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "fill-translate-anchor", "map")
    antialias = bool(paint(fc, layer, "fill-antialias", True))
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    outline_prop = layer.paint.get("fill-outline-color")
    outline_props = FILL_COLOR_OUTLINE if _unset(outline_prop) else OUTLINE_PROPS
    patterned = not _unset(layer.paint.get("fill-pattern"))
    atlas = pattern_atlas(fc) if patterned else None
    if patterned and atlas is None:
        return  # no sprite: a patterned layer draws nothing, as in MapLibre
    outlines: list[tuple[Any, dict[str, Any], tuple[str, ...], dict[str, Any] | None, Any]] = []
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        m = translated(fc.tile_matrix(tile, bucket.extent), translate, anchor, fc.camera,
                       fc.camera.pixels_to_tile_units(tile, bucket.extent))
        clip = (0.0, 0.0, float(bucket.extent), float(bucket.extent))
        u: dict[str, Any] = {"u_matrix": fc.gl_matrix(m), "u_clip_rect": clip}
        defines: tuple[str, ...] = ()
        extra: dict[str, Any] = {}
        if atlas is not None:
            got = pattern_inputs(fc, layer, "fill-pattern", atlas, bucket)
            if got is None:
                continue
            u.update(got[0])
            extra = got[1]
            u.update(pattern_tile_uniforms(fc.camera, tile, bucket.extent))
            u["u_texsize"] = bind_atlas(fc, atlas)
            u["u_image"] = 0
            defines = ("PATTERN",)
        key = (floor_zoom(fc), id(atlas))
        draw_bucket(fc, "fill", bucket, layer, FILL_PROPS, u, mode, defines=defines, extra_attrs=extra,
                    extra_key=key)
        if antialias:
            u2 = dict(u, u_world=(float(fc.camera.device_width), float(fc.camera.device_height)),
                      u_origin=fc.viewport_origin)
            # An explicit outline colour wins over the pattern (MapLibre's fillOutline vs fillOutlinePattern).
            odefs = defines if _unset(outline_prop) else ()
            outlines.append((bucket, u2, odefs, extra if odefs else None, key))
    if not outlines:
        return
    # The outlines after all the layer's fills, as MapLibre orders them (tiles do not overlap: each
    # draws only inside its square), so the viewport changes once per layer, not once per tile:
    # GL lines must reach the rasteriser exactly (gpu/snap.py, GL-line programs).
    fc.ctx.line_width = 2.0
    fc.fbo.viewport = fc.gl_line_viewport
    try:
        for bucket, u2, odefs, extra_attrs, key in outlines:
            draw_bucket(fc, "fill_outline", bucket, layer, outline_props, u2, mode, indices="outlines",
                        primitive=gl.LINES, defines=odefs, extra_attrs=extra_attrs, extra_key=key)
    finally:
        fc.fbo.viewport = fc.viewport
        fc.ctx.line_width = 1.0
