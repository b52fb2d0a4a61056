"""The public Python API: ``Renderer`` (reuses GL context, programs and caches) and ``render()``."""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glrender._record import replace
from glrender.errors import RenderError
from glrender.geo.camera import MAX_PITCH, MAX_ZOOM, Camera
from glrender.geo.mercator import zoom_for_bbox
from glrender.gpu import preload
from glrender.render.gc_pause import fewer_collections
from glrender.render.pipeline import InlineFrame, PlannedFrame, planner
from glrender.render.plan import BucketCache, cached_plan, plan_layers
from glrender.render.sources import SourceSet
from glrender.style.parse import parse_style

if TYPE_CHECKING:
    from glrender.symbol.resources import SymbolResources

MAX_OUTPUT_PX = 8192


class Image:
    """A rendered image: straight-alpha RGBA pixels plus encoders."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    @property
    def width(self) -> int:
        return int(self.array.shape[1])

    @property
    def height(self) -> int:
        return int(self.array.shape[0])

    def encode(self, fmt: str = "png", *, quality: int = 85) -> bytes:
        from glrender.encode import encode

        return encode(self.array, fmt, quality=quality)

    def save(self, path: str | os.PathLike[str], fmt: str | None = None, *, quality: int = 85) -> None:
        p = Path(path)
        if fmt is None:
            fmt = p.suffix.lstrip(".").lower() or "png"
        p.write_bytes(self.encode(fmt, quality=quality))


def _num(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise RenderError(f"{name} must be a finite number, got {v!r}")
    return float(v)


class Renderer:
    """Draws one style. Keep it around: it reuses its GL context, compiled programs, decoded tiles and
    tessellated buckets across calls. Not safe for concurrent use from several threads at once; calls
    are serialised by an internal lock."""

    def __init__(self, style: str | os.PathLike[str] | Mapping[str, Any], *, base_dir: str | None = None,
                 piece_limit: int = 4096, bucket_cache_size: int = 8192, exact: bool = False) -> None:
        # The GL driver loads on a background thread while the style is parsed and the first
        # layers are planned (glrender/gpu/preload.py).
        preload.start()
        parsed = parse_style(style)
        if base_dir is not None:
            parsed = replace(parsed, base_dir=str(base_dir))
        self.style = parsed
        if not isinstance(piece_limit, int) or piece_limit < 64:
            raise RenderError(f"piece_limit must be an integer >= 64, got {piece_limit!r}")
        self.piece_limit = piece_limit
        if not isinstance(exact, bool):
            raise RenderError(f"exact must be True or False, got {exact!r}")
        # exact: an image comes out the same (within 1 level) in any number of framebuffer pieces, at
        # some cost (render/context.py, gpu/framebuffer.py)
        self.exact = exact
        raw_sources = dict(parsed.raw.get("sources") or {})
        used: dict[str, set[str]] = {}
        for layer in parsed.layers:
            if layer.source and layer.source_layer:
                used.setdefault(layer.source, set()).add(layer.source_layer)
        self.sources = SourceSet(raw_sources, parsed.base_dir, {k: frozenset(v) for k, v in used.items()})
        self.buckets = BucketCache(bucket_cache_size)
        self._symbols: SymbolResources | None = None
        self._has_labels = any(ly.type == "symbol" for ly in parsed.layers)
        self._frame: Any = None
        self._gpu: Any = None
        self._planner: ThreadPoolExecutor | None = None
        self._planner_pid = 0
        self._lock = threading.Lock()

    @property
    def symbols(self) -> SymbolResources:
        """Glyphs, sprites and their atlases, made on first use (a style without labels or patterns
        never loads the text stack)."""
        if self._symbols is None:
            from glrender.symbol.resources import SymbolResources

            self._symbols = SymbolResources(self.style.glyphs, self.style.base_dir, self.style.sprite)
        return self._symbols

    # GL objects are made on the first render so that style errors surface without touching GL.
    def _frame_renderer(self) -> Any:
        if self._frame is None:
            from glrender.gpu.context import create_gl_context
            from glrender.gpu.meshes import MeshCache
            from glrender.gpu.programs import ProgramCache
            from glrender.render.context import GPU
            from glrender.render.frame import FrameRenderer

            ctx = create_gl_context()
            self._gpu = GPU(ctx=ctx, programs=ProgramCache(ctx), meshes=MeshCache(ctx))
            self._frame = FrameRenderer(self._gpu, self.piece_limit, self.exact)
        return self._frame

    def camera(self, *, center: Sequence[float] | None = None, zoom: float | None = None,
               bearing: float | None = None, pitch: float | None = None, width: int = 512,
               height: int = 512, scale: float = 1, bbox: Sequence[float] | None = None,
               padding: float = 0, roll: float | None = None) -> Camera:
        """The camera a render call would use (style defaults fill what is not given)."""
        for name, v in (("width", width), ("height", height)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise RenderError(f"{name} must be a positive integer, got {v!r}")
        scale = _num("scale", scale)
        if scale <= 0 or scale > 8:
            raise RenderError(f"scale must be within (0, 8], got {scale!r}")
        if round(width * scale) > MAX_OUTPUT_PX or round(height * scale) > MAX_OUTPUT_PX:
            raise RenderError(
                f"output {width}x{height}@{scale:g}x exceeds {MAX_OUTPUT_PX}x{MAX_OUTPUT_PX} device pixels"
            )
        st = self.style
        if bbox is not None:
            if len(bbox) != 4:
                raise RenderError(f"bbox must be W,S,E,N, got {bbox!r}")
            w, s, e, n = (_num("bbox", v) for v in bbox)
            if not (-90 <= s < n <= 90):
                raise RenderError(f"bbox south/north out of order or range: {bbox!r}")
            lon, lat, z = zoom_for_bbox(w, s, e, n, width, height, padding)
            center = (lon, lat) if center is None else center
            zoom = max(0.0, min(MAX_ZOOM, z)) if zoom is None else zoom
        if center is None:
            center = st.center or (0.0, 0.0)
        if len(center) != 2:
            raise RenderError(f"center must be (lon, lat), got {center!r}")
        lon, lat = _num("longitude", center[0]), _num("latitude", center[1])
        z = _num("zoom", st.zoom if zoom is None else zoom) if (zoom is not None or st.zoom is not None) else 0.0
        b = _num("bearing", st.bearing if bearing is None else bearing)
        p = _num("pitch", st.pitch if pitch is None else pitch)
        if not 0 <= p <= MAX_PITCH:
            raise RenderError(f"pitch must be within 0..{MAX_PITCH:g}, got {p!r}")
        r = _num("roll", st.roll if roll is None else roll)
        return Camera(lon, lat, z, b % 360.0, p, width, height, scale, roll=r)

    def render(self, center: Sequence[float] | None = None, zoom: float | None = None,
               bearing: float | None = None, pitch: float | None = None, width: int = 512,
               height: int = 512, scale: float = 1, bbox: Sequence[float] | None = None,
               padding: float = 0, roll: float | None = None) -> Image:
        """Render a view. Without center/zoom the style's own apply; ``bbox`` (W, S, E, N) fits a box.
        ``roll`` (degrees, default the style's) turns the camera about its view axis."""
        cam = self.camera(center=center, zoom=zoom, bearing=bearing, pitch=pitch, width=width,
                          height=height, scale=scale, bbox=bbox, padding=padding, roll=roll)
        with self._lock, fewer_collections():
            gstate = dict(self.style.global_state_defaults)
            labels = self._has_labels
            # Labels are placed once for the whole image, before any symbol layer of any framebuffer
            # piece is drawn: on the planner thread, right after the last layer is planned, while this
            # thread draws the layers below them (see FrameRenderer.render).
            place = functools.partial(_place, cam, self.symbols, gstate) if labels else None
            covers: dict[str, Any] = {}
            works = plan_layers(self.style, cam, self.sources, self.buckets, gstate,
                                self.symbols if labels else None, covers)
            frame_plan: PlannedFrame | InlineFrame
            cached = None if self._frame is None else cached_plan(self.style, cam, self.sources, self.buckets,
                                                                   covers, labels)
            if cached is None:
                # Tiles to decode and tessellate: plan them on the planner thread while this one draws.
                if self._planner is None or self._planner_pid != os.getpid():
                    # (a forked child has the executor but not its thread: it would wait forever)
                    self._planner, self._planner_pid = planner(), os.getpid()
                frame_plan = PlannedFrame(self._planner, works, place)
            else:
                frame_plan = InlineFrame(iter(cached), place)  # all cached: planned by those lookups
            try:
                # Loaded once the planner is at work (a cold render decodes tiles meanwhile).
                sprites = self.symbols.sprites(cam.scale) if self.style.sprite else None
                frame = self._frame_renderer()  # made while the first layers are planned
                # Each Renderer owns a context and another one may have drawn since: make ours current.
                # Not undone afterwards (leaving a context released would strand callers' own GL work).
                frame.gpu.ctx.__enter__()
                arr = frame.render(cam, frame_plan, light=self.style.light, global_state=gstate,
                                   sprites=sprites, place=frame_plan.placed if labels else None)
            except BaseException:
                frame_plan.cancel()  # the planner stops after its current layer
                raise
            finally:
                frame_plan.wait()
        return Image(arr)

    def close(self) -> None:
        """Release GL objects and close tile sources."""
        with self._lock:
            if self._frame is not None:
                self._frame.release()
                self._gpu.meshes.release()
                self._gpu.programs.release()
                for t in self._gpu.textures.values():
                    t.release()
                self._gpu.ctx.release()
                self._frame = None
                self._gpu = None
            if self._planner is not None:
                self._planner.shutdown()
                self._planner = None
            self.sources.close()
            self.buckets.clear()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _place(cam: Camera, symbols: Any, gstate: Any, works: Any) -> Any:
    # The text stack loads on demand, on the planner thread when it places the first labels.
    from glrender.render.draw_symbol import place_layers

    return place_layers(cam, works, symbols, gstate)


def render(style: str | os.PathLike[str] | Mapping[str, Any], **kwargs: Any) -> Image:
    """One-shot convenience: a new Renderer, one render, closed again."""
    ctor = {k: kwargs.pop(k) for k in ("base_dir", "piece_limit", "exact") if k in kwargs}
    with Renderer(style, **ctor) as r:
        return r.render(**kwargs)
