"""Symbol layers: placement once per image (``place_frame``), then each piece draws the placed quads.

Placed vertices change every render, so they are streamed (``MeshCache.stream``) into buffers kept per
owner, an object that lives as long as the renderer's symbol resources and stands for one layer's text,
icons or inline images, and refilled when the render's serial changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.geo.camera import Camera, TileID
from glrender.gpu import gl, modes
from glrender.gpu.draw import draw
from glrender.render.context import FrameContext, LayerWork
from glrender.render.draw_common import set_uniforms, texture_pixels
from glrender.symbol.placement import SymbolDraw, VertexSet, place_symbols
from glrender.symbol.quads import LAYOUT
from glrender.symbol.resources import SymbolResources

_PLACED = TileID(0, 0, 0, 0)
_serial = [0]


def place_layers(camera: Camera, works: Sequence[LayerWork], resources: SymbolResources,
                 global_state: Any = None) -> dict[str, LayerWork]:
    """Each symbol layer's placed draw for this camera, by layer id (layers with nothing placed absent)."""
    draws = place_symbols(camera, works, global_state, resources)
    out: dict[str, LayerWork] = {}
    for w in works:
        if w.layer.type == "symbol":
            d = draws.get(w.layer.id)
            if d is None:
                continue
            d.extras["resources"] = resources
            _serial[0] += 1
            d.extras["serial"] = _serial[0]
            out[w.layer.id] = LayerWork(w.layer, [(_PLACED, d)])
    return out


def place_frame(camera: Camera, works: Sequence[LayerWork], resources: SymbolResources | None,
                global_state: Any = None) -> list[LayerWork]:
    """Replace each symbol layer's (tile, bucket) items by its placed draw for this camera."""
    if resources is None or not any(w.layer.type == "symbol" for w in works):
        return list(works)
    placed = place_layers(camera, works, resources, global_state)
    return [placed[w.layer.id] if w.layer.type == "symbol" else w
            for w in works if w.layer.type != "symbol" or w.layer.id in placed]


def _texture(fc: FrameContext, key: Any, data: np.ndarray, version: int, linear: bool = True) -> gl.Texture:
    key = (*key, fc.exact)  # exact renders sample float copies (texture_pixels)
    tex = fc.gpu.textures.get(key)
    h, w = data.shape[:2]
    comps = 1 if data.ndim == 2 else data.shape[2]
    if tex is None or tex.size != (w, h) or getattr(tex, "extra", None) != version:
        pixels, dtype = texture_pixels(data, fc.exact)
        if tex is not None and tex.size == (w, h):
            tex.write(pixels)
        else:
            if tex is not None:
                tex.release()
            tex = fc.ctx.texture((w, h), comps, pixels, dtype=dtype)
            fc.gpu.textures[key] = tex
        tex.repeat_x = False
        tex.repeat_y = False
        tex.extra = version
    f = gl.LINEAR if linear else gl.NEAREST
    if tex.filter != (f, f):
        tex.filter = (f, f)
    return tex


def _draw_set(fc: FrameContext, program: str, vs: VertexSet, owner: Any, serial: int, tex: gl.Texture,
              uniforms: dict[str, Any], passes: Sequence[dict[str, Any]]) -> None:
    prog = fc.gpu.programs.get(program)
    vao, count = fc.gpu.meshes.stream(prog, owner, serial, vs.packed, LAYOUT, vs.indices)
    tex.use(0)
    base = dict(uniforms)
    base["u_texture"] = 0
    mode = modes.PREMULTIPLIED
    for extra in passes:
        u = dict(base)
        u.update(extra)
        set_uniforms(prog, u)
        modes.apply(fc.ctx, fc.fbo, mode)
        draw(vao, gl.TRIANGLES, count)


def draw_symbol(fc: FrameContext, work: LayerWork) -> None:
    for _tile, d in work.items:
        if not isinstance(d, SymbolDraw):
            continue
        res: SymbolResources = d.extras["resources"]
        serial = int(d.extras["serial"])
        dpr = float(fc.camera.scale)
        if d.icon is not None and d.extras.get("icon_atlas") is not None:
            atlas = d.extras["icon_atlas"]
            tex = _texture(fc, ("symbol-icons", id(res), atlas.channels, id(atlas)), atlas.data, atlas.version,
                           bool(d.extras.get("icon_linear", True)))
            u = {"u_texsize": (float(atlas.width), float(atlas.height)), "u_device_pixel_ratio": dpr}
            if d.icon_sdf:
                passes = ([{"u_is_halo": True}] if d.icon_halo else []) + [{"u_is_halo": False}]
                _draw_set(fc, "symbol_sdf", d.icon, res.owner(d.layer.id, "icon"), serial, tex, u, passes)
            else:
                _draw_set(fc, "symbol_icon", d.icon, res.owner(d.layer.id, "icon"), serial, tex, u, [{}])
        if d.text is not None:
            atlas = res.atlas
            tex = _texture(fc, ("symbol-glyphs", id(res)), atlas.data, atlas.version)
            u = {"u_texsize": (float(atlas.width), float(atlas.height)), "u_device_pixel_ratio": dpr}
            passes = ([{"u_is_halo": True}] if d.halo else []) + [{"u_is_halo": False}]
            _draw_set(fc, "symbol_sdf", d.text, res.owner(d.layer.id, "text"), serial, tex, u, passes)
        if d.text_images is not None and d.extras.get("icon_atlas") is not None:
            # Images inside formatted text: plain RGBA from the icon atlas, over the layer's glyphs.
            atlas = d.extras["icon_atlas"]
            tex = _texture(fc, ("symbol-icons", id(res), atlas.channels, id(atlas)), atlas.data, atlas.version,
                           bool(d.extras.get("text_images_linear", True)))
            u = {"u_texsize": (float(atlas.width), float(atlas.height)), "u_device_pixel_ratio": dpr}
            _draw_set(fc, "symbol_icon", d.text_images, res.owner(d.layer.id, "text-images"), serial, tex, u, [{}])


_WARM_OWNER = type("SymbolWarmUp", (), {})()


def warm_up(fc: FrameContext) -> None:
    """Have the driver ready the symbol shaders while labels are still being placed.

    llvmpipe readies a shader for the state it is drawn with on its first draw in a context: about 8 ms
    each from Mesa's shader cache (90 ms without one). Symbol layers are drawn last, after placement,
    so that time would come after everything else. Here, while the planner thread lays out and places
    the labels, the text and icon programs draw one quad outside the clip volume (no pixel changes) with
    the blend mode, framebuffer and texture formats and filtering the layers will draw with. Once per
    context: the readied variants stay with it.
    """
    if ("symbol", fc.exact) in fc.gpu.warmed:
        return
    quad = {
        "a_clip": np.tile(np.array([2.0, 2.0, 0.0, 1.0], np.float32), (4, 1)),  # beyond the right plane
        "a_tex": np.zeros((4, 2), np.float32),
        "a_data": np.ones((4, 2), np.float32),
        "a_fill_color": np.zeros((4, 4), np.float32),
        "a_halo_color": np.zeros((4, 4), np.float32),
        "a_props": np.zeros((4, 3), np.float32),
    }
    vs = VertexSet.of(quad, np.array([[0, 1, 2], [1, 3, 2]], np.uint32))
    u = {"u_texsize": (1.0, 1.0), "u_device_pixel_ratio": float(fc.camera.scale)}
    # one texel of each atlas format: glyphs (one channel, linear) and icons (RGBA, linear; only with
    # a sprite sheet, without which no icon is drawn)
    glyphs = _texture(fc, ("symbol-warm-glyphs",), np.zeros((1, 1), np.uint8), 0)
    _draw_set(fc, "symbol_sdf", vs, _WARM_OWNER, -1, glyphs, u, [{"u_is_halo": False}])
    if fc.sprites is not None:
        icons = _texture(fc, ("symbol-warm-icons",), np.zeros((1, 1, 4), np.uint8), 0)
        _draw_set(fc, "symbol_icon", vs, _WARM_OWNER, -1, icons, u, [{}])
    fc.gpu.warmed.add(("symbol", fc.exact))
