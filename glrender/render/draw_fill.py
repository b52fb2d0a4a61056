"""Fill layers: triangles, then (with fill-antialias) the soft 2-px outline MapLibre draws.

With ``fill-pattern`` the triangles (and the outline, unless ``fill-outline-color`` is set) sample the
pattern atlas instead of ``fill-color``; features whose image is missing draw nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from glrender.buckets.base import PropTable
from glrender.buckets.fill import FILL_PROPS, OUTLINE_PROPS
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint_at, per_layer
from glrender.render.draw_pattern import bind_atlas, floor_zoom, pattern_atlas, pattern_inputs
from glrender.render.patterns import pattern_tile_uniforms
from glrender.render.uniforms import translated

# An unset outline colour (the spec has no default) means "the fill colour". One table object for
# every draw: draw_bucket keeps each draw's state per table.
FILL_COLOR_OUTLINE = {"outline_color": ("fill-color", "vec4"), "opacity": ("fill-opacity", "float")}


def _unset(prop: Any) -> bool:
    return prop is None or (prop.is_constant and prop.constant_value is None)


class _FillSettings(NamedTuple):
    translate: Any
    anchor: str
    translated: bool
    antialias: bool
    outline_unset: bool
    outline_props: PropTable
    patterned: bool


def _fill_settings(layer: Any, zoom: float) -> _FillSettings:
    translate = paint_at(layer, zoom, "fill-translate", [0, 0]) or [0, 0]
    outline_unset = _unset(layer.paint.get("fill-outline-color"))
    return _FillSettings(
        translate=translate,
        anchor=paint_at(layer, zoom, "fill-translate-anchor", "map"),
        translated=any(float(v) for v in translate),
        antialias=bool(paint_at(layer, zoom, "fill-antialias", True)),
        outline_unset=outline_unset,
        outline_props=FILL_COLOR_OUTLINE if outline_unset else OUTLINE_PROPS,
        patterned=not _unset(layer.paint.get("fill-pattern")),
    )


def draw_fill(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    st = per_layer(layer, fc.zoom, _fill_settings)
    translate, anchor, antialias = st.translate, st.anchor, st.antialias
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    outline_props = st.outline_props
    patterned = st.patterned
    atlas = pattern_atlas(fc) if patterned else None
    if patterned and atlas is None:
        return  # no sprite: a patterned layer draws nothing, as in MapLibre
    outlines: list[tuple[Any, dict[str, Any], tuple[str, ...], dict[str, Any] | None, Any]] = []
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        m = fc.tile_matrix(tile, bucket.extent)
        if st.translated:
            m = translated(m, translate, anchor, fc.camera, fc.camera.pixels_to_tile_units(tile, bucket.extent))
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
            odefs = defines if st.outline_unset else ()
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
