"""Hillshade layers: raster-dem tiles turned into slopes (with neighbours' edges) and shaded per pixel
as MapLibre does, each tile drawn only where no more detailed tile covers it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glrender.geo.camera import TileID
from glrender.geo.cover import unmasked_rects
from glrender.gpu import gl, modes
from glrender.render.context import FrameContext, LayerWork
from glrender.render.dem import UNPACK, backfill, bordered, elevations, slope_texture, tile_lat_range
from glrender.render.draw_common import kept_vertex_array, paint, set_uniforms
from glrender.render.draw_raster import RASTER_EXTENT, unit_quad
from glrender.render.uniforms import gl_matrix

METHODS = {"standard": 0, "combined": 1, "igor": 2, "multidirectional": 0, "basic": 4}


def _number(v: Any, default: float) -> float:
    # Direction and altitude may be arrays (multidirectional lighting): the first light leads.
    if isinstance(v, list | tuple):
        v = v[0] if v else default
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _color(v: Any) -> tuple[float, float, float, float]:
    """A (premultiplied) style colour, or the first of a colour array."""
    if isinstance(v, list) and v:
        v = v[0]
    try:
        r, g, b, a = v
        return (float(r), float(g), float(b), float(a))
    except (TypeError, ValueError):
        return (0.0, 0.0, 0.0, 0.0)


def _neighbours(tile: TileID, by_id: dict[tuple[int, int, int, int], Any]) -> list[tuple[int, int, Any]]:
    n = 2**tile.z
    out = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            y = tile.y + dy
            if not 0 <= y < n:
                continue
            # Across the antimeridian the neighbour is the first tile of the next world copy.
            x, wrap = tile.x + dx, tile.wrap
            if x < 0:
                x, wrap = n - 1, wrap - 1
            elif x >= n:
                x, wrap = 0, wrap + 1
            r = by_id.get((tile.z, x, y, wrap)) or by_id.get((tile.z, x, y, tile.wrap))
            if r is not None:
                out.append((dx, dy, r))
    return out


def _slope_texture(fc: FrameContext, tile: TileID, raster: Any, unpack: tuple[float, ...],
                   neighbours: list[tuple[int, int, Any]]) -> gl.Texture:
    edges = tuple(sorted((dx, dy, id(r)) for dx, dy, r in neighbours))
    key = ("slopes", raster.key, tile.overscaled_z, unpack, edges)
    tex = fc.gpu.textures.get(key)
    if tex is None:
        dem = bordered(elevations(raster.rgba, unpack))  # type: ignore[arg-type]
        for dx, dy, r in neighbours:
            backfill(dem, elevations(r.rgba, unpack), dx, dy)  # type: ignore[arg-type]
        slopes = slope_texture(dem, float(tile.overscaled_z))
        n = slopes.shape[0]
        tex = fc.ctx.texture((n, n), 4, np.ascontiguousarray(slopes).tobytes())
        tex.repeat_x = tex.repeat_y = False
        fc.gpu.textures[key] = tex
    return tex


def draw_hillshade(fc: FrameContext, work: LayerWork) -> None:
    layer = work.layer
    if not work.items:
        return
    direction = _number(paint(fc, layer, "hillshade-illumination-direction", 335.0), 335.0)
    azimuth = math.radians(direction)
    if paint(fc, layer, "hillshade-illumination-anchor", "viewport") == "viewport":
        azimuth -= fc.camera.angle
    altitude = _number(paint(fc, layer, "hillshade-illumination-altitude", 45.0), 45.0)
    base = {
        "u_image": 0,
        "u_light": (float(paint(fc, layer, "hillshade-exaggeration", 0.5)), azimuth),
        "u_shadow": _color(paint(fc, layer, "hillshade-shadow-color", None)),
        "u_highlight": _color(paint(fc, layer, "hillshade-highlight-color", None)),
        "u_accent": _color(paint(fc, layer, "hillshade-accent-color", None)),
        "u_method": METHODS.get(str(paint(fc, layer, "hillshade-method", "standard")), 0),
        "u_alt": math.radians(altitude),
        "u_layer_depth": fc.layer_depth(),
    }
    filt = gl.NEAREST if paint(fc, layer, "resampling", "linear") == "nearest" else gl.LINEAR
    prog = fc.gpu.programs.get("hillshade")
    vao = kept_vertex_array(fc, prog, "hillshade-vao", unit_quad(fc))
    mode = modes.DEPTH_BEHIND_3D if fc.behind_3d else modes.PREMULTIPLIED
    proj = fc.camera.aligned_proj_matrix()
    rects = unmasked_rects([t for t, _ in work.items])
    by_id = {(t.z, t.x, t.y, t.wrap): r for t, r in work.items}
    for tile, raster in work.items:
        if not fc.tile_visible(tile):
            continue
        unpack = raster.dem_unpack or UNPACK["mapbox"]
        tex = _slope_texture(fc, tile, raster, unpack, _neighbours(tile, by_id))
        tex.filter = (filt, filt)
        tex.use(0)
        vals = dict(base)
        vals["u_matrix"] = gl_matrix(fc.camera.tile_matrix(tile, RASTER_EXTENT, proj))
        vals["u_latrange"] = tile_lat_range(tile.z, tile.y)
        modes.apply(fc.ctx, fc.fbo, mode)
        for rect in rects.get(tile, []):
            vals["u_rect"] = rect
            set_uniforms(prog, vals)
            vao.render(gl.TRIANGLE_STRIP)
