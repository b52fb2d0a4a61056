"""Line layers: extruded in the vertex shader, antialiased and dashed or patterned in the fragment shader."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np

from glrender.buckets.base import paint_values
from glrender.buckets.line import LINE_PROPS
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint_at, per_layer
from glrender.render.draw_pattern import bind_atlas, floor_zoom, pattern_atlas, pattern_inputs
from glrender.render.line_dash import bind_dash_atlas, dash_atlas, dash_inputs, dash_layer_active
from glrender.render.line_gradient import gradient_rows, is_step, ramp_resolution
from glrender.render.patterns import pattern_tile_uniforms, premultiply
from glrender.render.uniforms import (
    line_uniforms,
    tile_ratio,
    translated,
    translated_clip_rect,
    translation_units,
)

FLOORWIDTH: dict[str, tuple[str, str]] = {"floorwidth": ("line-width", "float")}


def _set(prop: Any) -> bool:
    return prop is not None and not (prop.is_constant and prop.constant_value is None)


class _LineSettings(NamedTuple):
    translate: Any
    anchor: str
    translated: bool
    patterned: bool
    gradient: Any      # the line-gradient property when it applies (set, no pattern), else None
    dashed: bool       # dashes apply (no pattern, a usable dash array)


def _line_settings(layer: Any, zoom: float) -> _LineSettings:
    translate = paint_at(layer, zoom, "line-translate", [0, 0]) or [0, 0]
    patterned = _set(layer.paint.get("line-pattern"))
    gradient = layer.paint.get("line-gradient")
    return _LineSettings(
        translate=translate,
        anchor=paint_at(layer, zoom, "line-translate-anchor", "map"),
        translated=any(float(v) for v in translate),
        patterned=patterned,
        gradient=None if patterned or not _set(gradient) else gradient,
        # Patterns win over dashes, as in MapLibre; a gradient line can be dashed.
        dashed=not patterned and dash_layer_active(zoom, layer),
    )


def draw_line(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    st = per_layer(layer, fc.zoom, _line_settings)
    translate, anchor = st.translate, st.anchor
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    defines: tuple[str, ...] = ()
    patterned = st.patterned
    atlas = pattern_atlas(fc) if patterned else None
    if patterned and atlas is None:
        return  # no sprite: nothing to draw
    gradient = st.gradient
    dash_atlas_ = dash_atlas(fc) if st.dashed else None
    if dash_atlas_ is not None:
        defines = ("DASHED",)
    for tile, bucket in work.items:
        if not fc.tile_visible(tile):
            continue
        m = fc.tile_matrix(tile, bucket.extent)
        shift = (0.0, 0.0)
        if st.translated:
            upp = fc.camera.pixels_to_tile_units(tile, bucket.extent)
            m = translated(m, translate, anchor, fc.camera, upp)
            shift = translation_units(translate, anchor, fc.camera, upp)
        u: dict[str, Any] = {"u_matrix": fc.gl_matrix(m), "u_clip_rect": translated_clip_rect(bucket.extent, shift)}
        u.update(line_uniforms(fc.camera, tile, bucket.extent))
        extra: dict[str, Any] = {}
        tile_defines = defines
        if dash_atlas_ is not None:
            got_u, got_attrs = dash_inputs(fc, layer, dash_atlas_, bucket)
            u.update(got_u)
            extra.update(got_attrs)
            u.update(_floorwidth(fc, layer, bucket, extra))
            u["u_tileratio"] = tile_ratio(fc.camera, tile, bucket.extent)
            u.update(bind_dash_atlas(fc, dash_atlas_))
        if atlas is not None:
            got = pattern_inputs(fc, layer, "line-pattern", atlas, bucket)
            if got is None:
                continue
            u.update(got[0])
            extra = dict(got[1])
            u.update(_floorwidth(fc, layer, bucket, extra))
            u.update(pattern_tile_uniforms(fc.camera, tile, bucket.extent))
            u["u_texsize"] = bind_atlas(fc, atlas)
            u["u_image"] = 0
            tile_defines = defines = ("PATTERN",)
        elif gradient is not None and "line_clips" in bucket.extra:
            tex = _gradient_texture(fc, layer, gradient, bucket)
            tex.use(1)
            u["u_gradient"] = 1
            u["u_image_height"] = float(tex.size[1])
            tile_defines = (*defines, "GRADIENT")
        draw_bucket(fc, "line", bucket, layer, LINE_PROPS, u, mode, defines=tile_defines, extra_attrs=extra,
                    extra_key=(floor_zoom(fc), id(atlas), id(dash_atlas_), dash_atlas_.epoch if dash_atlas_ else -1))


def _floorwidth(fc: FrameContext, layer: Any, bucket: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    """MapLibre's floorwidth: the line width at the integer zoom, which sizes dashes and patterns."""
    fw_u, fw_attrs = paint_values(bucket, layer, FLOORWIDTH, floor_zoom(fc), fc.global_state)
    attrs.update(fw_attrs)
    if not fw_u and not fw_attrs:
        fw_u = {"floorwidth": 1.0}  # line-width unset: its default
    return {f"u_{k}": v for k, v in fw_u.items()}


class _GradientTextures:
    """Gradient textures of recently drawn (layer, bucket) pairs, kept in ``GPU.textures``."""

    LIMIT = 256

    def __init__(self) -> None:
        self.d: OrderedDict[Any, tuple[Any, gl.Texture]] = OrderedDict()

    def release(self) -> None:
        for _, tex in self.d.values():
            tex.release()
        self.d.clear()


def _gradient_texture(fc: FrameContext, layer: Any, prop: Any, bucket: Any) -> gl.Texture:
    cache = fc.gpu.textures.get(("line-gradients",))
    if not isinstance(cache, _GradientTextures):
        cache = _GradientTextures()
        fc.gpu.textures[("line-gradients",)] = cache  # type: ignore[assignment]
    key = (layer.id, id(bucket))
    hit = cache.d.get(key)
    if hit is not None and hit[0] is bucket:
        cache.d.move_to_end(key)
        return hit[1]
    step = is_step(prop)
    tile = bucket.tile
    # A step ramp must resolve the longest line even when the tile is overzoomed (MapLibre's heuristic).
    overzoom = 2.0 ** (22 - tile.z) if tile.overscaled_z > tile.z else 1.0
    width = ramp_resolution(step, bucket.extra.get("max_line_length", 0.0), bucket.extent, overzoom)
    rows = premultiply(gradient_rows(prop, bucket.extra["line_clips"], width))
    tex = fc.ctx.texture((width, rows.shape[0]), 4, np.ascontiguousarray(rows).tobytes())
    tex.filter = (gl.NEAREST, gl.NEAREST) if step else (gl.LINEAR, gl.LINEAR)
    tex.repeat_x = tex.repeat_y = False
    if hit is not None:
        hit[1].release()
    cache.d[key] = (bucket, tex)
    while len(cache.d) > cache.LIMIT:
        cache.d.popitem(last=False)[1][1].release()
    return tex
