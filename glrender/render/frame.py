"""Draw a frame: layers in style order through a dispatch table, piece by piece for big images."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from glrender.geo.camera import Camera, sub_frustum
from glrender.gpu.context import flush
from glrender.gpu.framebuffer import FrameTarget
from glrender.gpu.snap import gl_line_viewport, piece_viewport
from glrender.render.context import GPU, PLANE_DEPTH_FROM, FrameContext, LayerWork
from glrender.render.layer_opacity import draw_grouped
from glrender.render.tiling import pieces, unpremultiply

# Queued draws are handed to the driver every few layers: llvmpipe rasterizes a flushed batch on its
# own threads while Python prepares the next layers. Every layer flushed costs more (each batch reloads
# the framebuffer tiles) than it wins on views with many small layers; every third measured best.
FLUSH_EVERY_LAYERS = 3

DrawFn = Callable[[FrameContext, LayerWork], None]
DrawWarmFn = Callable[[FrameContext], None]

# Layer type -> (module, function). Modules load on first use, so a style without labels never imports
# the text and symbol stack (a fifth of a cold start).
_DRAWER_MODULES: dict[str, tuple[str, str]] = {
    "background": ("glrender.render.draw_background", "draw_background"),
    "fill": ("glrender.render.draw_fill", "draw_fill"),
    "line": ("glrender.render.draw_line", "draw_line"),
    "circle": ("glrender.render.draw_circle", "draw_circle"),
    "fill-extrusion": ("glrender.render.draw_extrusion", "draw_extrusion"),
    "raster": ("glrender.render.draw_raster", "draw_raster"),
    "hillshade": ("glrender.render.draw_hillshade", "draw_hillshade"),
    "heatmap": ("glrender.render.draw_heatmap", "draw_heatmap"),
    "symbol": ("glrender.render.draw_symbol", "draw_symbol"),
}
DRAWERS: dict[str, DrawFn] = {}


def drawer(layer_type: str) -> DrawFn | None:
    """The draw function of a layer type (None for types we do not draw)."""
    fn = DRAWERS.get(layer_type)
    if fn is None and layer_type in _DRAWER_MODULES:
        import importlib

        module, name = _DRAWER_MODULES[layer_type]
        fn = DRAWERS[layer_type] = getattr(importlib.import_module(module), name)
    return fn


def _symbol_warm_up() -> DrawWarmFn:
    from glrender.render.draw_symbol import warm_up

    return warm_up


class FrameRenderer:
    """Owns the framebuffer piece and turns a list of LayerWork into straight-alpha RGBA."""

    def __init__(self, gpu: GPU, piece_limit: int = 4096, exact: bool = False) -> None:
        self.gpu = gpu
        self.piece_limit = piece_limit
        self.exact = exact
        self._target: FrameTarget | None = None

    def _target_for(self, w: int, h: int, deep: bool) -> FrameTarget:
        t = self._target
        if t is None or t.width < w or t.height < h or t.deep != deep:
            if t is not None:
                t.release()
            t = FrameTarget(self.gpu.ctx, w, h, deep)
            self._target = t
        return t

    def render(self, camera: Camera, works: Iterable[LayerWork], *, light: Any = None,
               global_state: Any = None, sprites: Any = None,
               place: Callable[[Sequence[LayerWork]], dict[str, LayerWork]] | None = None) -> np.ndarray:
        """Draw ``works`` in style order, piece by piece.

        ``works`` may be a generator (``plan_layers``): the first piece draws each layer as it comes, so
        llvmpipe rasterizes it while the next one is planned. ``place`` places the symbol layers (all
        works -> layer id -> the placed work): it is called once, when the first piece reaches its first
        symbol layer, after handing the layers below to the GL driver, so llvmpipe draws them while
        Python places labels."""
        W, H = camera.device_width, camera.device_height
        placed: dict[str, LayerWork] | None = None
        pending = iter(works)
        planned: list[LayerWork] = []  # the works met so far, for the following pieces
        drawn = 0
        out = np.empty((H, W, 4), dtype=np.uint8)
        limit = self.piece_limit
        exact = self.exact
        target = self._target_for(min(W, limit), min(H, limit), exact)
        # Every piece draws the same snapped window positions, offset by whole pixels (gpu/snap.py).
        self.gpu.programs.set_view(W, H)
        for x0, y0, w, h in pieces(W, H, limit):
            # GL windows count rows from the bottom.
            origin = (-x0, -(H - y0 - h))
            viewport = piece_viewport(W, H, x0, H - y0 - h)
            target.use(w, h, viewport)
            fc = FrameContext(
                gpu=self.gpu,
                fbo=target.fbo,
                camera=camera,
                piece_clip=sub_frustum(W, H, x0, y0, w, h),
                piece_size=(w, h),
                viewport_origin=(float(origin[0]), float(origin[1])),
                viewport=viewport,
                gl_line_viewport=gl_line_viewport(W, H, x0, H - y0 - h),
                exact=exact,
                plane_depth=exact or max(W, H) >= PLANE_DEPTH_FROM,
                zoom=camera.zoom,
                light=light,
                global_state=global_state,
                sprites=sprites,
            )
            if place is not None and x0 == 0 and y0 == 0:
                # The symbol shaders are drawn last; the driver readies them now, while this thread
                # would only wait for the planner's first layers (draw_symbol.warm_up).
                _symbol_warm_up()(fc)
            i = 0
            while True:
                if i < len(planned):
                    work = planned[i]
                else:
                    nxt = next(pending, None)
                    if nxt is None:
                        break
                    planned.append(nxt)
                    work = nxt
                i += 1
                if place is not None and work.layer.type == "symbol":
                    if placed is None:
                        flush()  # llvmpipe draws the layers below while labels are laid out and placed
                        planned.extend(pending)  # placement sees every symbol layer of the frame
                        placed = place(planned)
                    got = placed.get(work.layer.id)
                    if got is None:
                        continue  # nothing to draw in this symbol layer
                    work = got
                fn = drawer(work.layer.type)
                if fn is not None and not draw_grouped(fc, work, fn):
                    fn(fc, work)
                drawn += 1
                if drawn % FLUSH_EVERY_LAYERS == 0:
                    flush()
            out[y0:y0 + h, x0:x0 + w] = target.read(w, h)
            unpremultiply(out[y0:y0 + h, x0:x0 + w])
        return out

    def release(self) -> None:
        if self._target is not None:
            self._target.release()
            self._target = None
