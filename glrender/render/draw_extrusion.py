"""Fill-extrusion layers: depth-tested 3D boxes lit by the style's light.

Opaque layers draw in one pass; translucent ones first fill the depth buffer, then colour only the
nearest surface (MapLibre's two-pass approach), so a wall behind another never shows through.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender.buckets.extrusion import EXTRUSION_PROPS
from glrender.gpu import modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import draw_bucket, paint
from glrender.render.draw_pattern import bind_atlas, floor_zoom, pattern_atlas, pattern_inputs
from glrender.render.patterns import pattern_tile_uniforms
from glrender.render.uniforms import gl_matrix, light_uniforms, translated


def clip_rect(extent: int) -> tuple[float, float, float, float]:
    # Shifted by half a tile unit: a wall lying exactly on a tile edge (both tiles hold it, coordinates
    # are integers) belongs to one tile only instead of flickering between the two.
    return (-0.5, -0.5, extent - 0.5, extent - 0.5)


def draw_extrusion(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    opacity = float(paint(fc, layer, "fill-extrusion-opacity", 1.0))
    if opacity <= 0 or not work.items:
        return
    translate = paint(fc, layer, "fill-extrusion-translate", [0, 0]) or [0, 0]
    anchor = paint(fc, layer, "fill-extrusion-translate-anchor", "map")
    vgrad = 1.0 if paint(fc, layer, "fill-extrusion-vertical-gradient", True) else 0.0
    light = light_uniforms(fc.light, fc.camera, fc.zoom)
    pattern_prop = layer.paint.get("fill-extrusion-pattern")
    patterned = pattern_prop is not None and not (pattern_prop.is_constant and pattern_prop.constant_value is None)
    atlas = pattern_atlas(fc) if patterned else None
    if patterned and atlas is None:
        return
    passes = [modes.EXTRUSION_OPAQUE] if opacity >= 1 else [modes.EXTRUSION_DEPTH_ONLY,
                                                              modes.EXTRUSION_COLOR_EQUAL]
    image_size = (float(fc.camera.device_width), float(fc.camera.device_height))
    exact = fc.plane_depth  # depth from face planes: the same in any number of pieces
    for mode in passes:
        for tile, bucket in work.items:
            if not fc.tile_visible(tile):
                continue
            upp = fc.camera.pixels_to_tile_units(tile, bucket.extent)
            m = translated(fc.tile_matrix(tile, bucket.extent), translate, anchor, fc.camera, upp)
            u: dict[str, Any] = {"u_matrix": gl_matrix(m), "u_opacity": opacity, "u_vertical_gradient": vgrad,
                                 "u_clip_rect": clip_rect(bucket.extent)}
            u.update(light)
            defines: tuple[str, ...] = ()
            if exact:
                # planes transform by the inverse transpose (the shader's face depth)
                u.update({"u_matrix_inv_t": gl_matrix(np.linalg.inv(m).T), "u_image_size": image_size,
                          "u_origin": fc.viewport_origin})
                defines = ("EXACT_DEPTH",)
            extra: dict[str, Any] = {}
            if atlas is not None:
                got = pattern_inputs(fc, layer, "fill-extrusion-pattern", atlas, bucket)
                if got is None:
                    continue
                u.update(got[0])
                extra = got[1]
                u.update(pattern_tile_uniforms(fc.camera, tile, bucket.extent))
                u["u_texsize"] = bind_atlas(fc, atlas)
                u["u_image"] = 0
                # MapLibre's -2^z / tileSize / 8 is per 8192-unit tile; scale it to this bucket's extent.
                u["u_height_factor"] = -(2.0**tile.overscaled_z) / 512.0 / 8.0 * bucket.extent / 8192.0
                defines += ("PATTERN",)
            draw_bucket(fc, "fill_extrusion", bucket, layer, EXTRUSION_PROPS, u, mode, defines=defines,
                        extra_attrs=extra, extra_key=(floor_zoom(fc), id(atlas)))
    fc.behind_3d = False  # MapLibre Native draws later 2D layers over buildings
