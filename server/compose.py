"""One static image from a RenderJob: the (edited) style drawn by a cached Renderer, then the overlay
stack in URL order (shape runs drawn as GeoJSON layers under the same camera, markers as sprites; see
layering.py), then encoded. This runs inside a render worker (a process with its own GL context, see
workers.py).

The map and the overlays are drawn by separate renderers and stacked, so the big style's Renderer
(GL context, programs, decoded tiles, buckets) is reused by every request whatever its overlay. With
``before_layer`` the style is split there into two cached renderers, and the whole overlay stack goes
between them: map below, overlays, map above.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from glrender.errors import GlrenderError, StyleError
from server.errors import ApiError
from server.glthreads import ThreadBoundRenderer
from server.layering import ShapeArt, ShapePainter, runs
from server.pins import composite, composite_layer, pin_image
from server.styleparams import BAD_FILTER, StyleEdit, apply_edit

TILE = 512.0
EDITED_RENDERERS = 8  # edited or split styles kept per worker (each holds decoded tiles and buckets)


class RenderedImage(Protocol):
    array: np.ndarray

    def encode(self, fmt: str = "png", *, quality: int = 85) -> bytes: ...


class RendererLike(Protocol):
    # A read-only callable member, so glrender.api.Renderer's explicit keyword signature matches.
    @property
    def render(self) -> Callable[..., RenderedImage]: ...

    def close(self) -> None: ...


# A style file path, or a style document plus the folder its relative URLs resolve against.
RendererFactory = Callable[[Path | dict[str, Any], str | None], RendererLike]


def default_renderer_factory(style: Path | dict[str, Any], base_dir: str | None) -> RendererLike:
    from glrender.api import Renderer  # lazy: the app can be built and tested without GL

    return Renderer(style if isinstance(style, dict) else str(style), base_dir=base_dir)


@dataclass(frozen=True)
class MarkerArt:
    kind: str  # pin-s, pin-m, pin-l or url
    lon: float
    lat: float
    label: str | None = None
    color: str = "#7e7e7e"
    url: str | None = None  # a custom marker's source; the server fetches it into ``image``
    image: bytes | None = None  # a custom marker's PNG/JPEG bytes


@dataclass(frozen=True)
class RenderJob:
    style_key: str
    camera: dict[str, Any]  # center, zoom, bearing, pitch, width, height, scale
    fmt: str = "png"
    edit: StyleEdit = field(default_factory=StyleEdit)
    # Overlays in URL order (the last is drawn on top): shapes and markers interleaved as requested.
    overlays: tuple[ShapeArt | MarkerArt, ...] = ()
    # Device px cut from every side of the render (static tiles drawn with a label margin).
    crop: int = 0

    @property
    def markers(self) -> tuple[MarkerArt, ...]:
        return tuple(o for o in self.overlays if isinstance(o, MarkerArt))


@dataclass
class StyleSource:
    path: Path
    document: dict[str, Any]


def project(camera: dict[str, Any], lonlat: np.ndarray) -> np.ndarray:
    """Device pixel positions of (lon, lat) rows under the job's camera (glrender's own Camera, so pins
    land exactly where the renderer draws that coordinate, with bearing and pitch)."""
    import math

    from glrender.geo.camera import Camera

    cam = Camera(camera["center"][0], camera["center"][1], camera["zoom"], camera.get("bearing", 0.0),
                 camera.get("pitch", 0.0), camera["width"], camera["height"], camera["scale"])
    lon, lat = lonlat[:, 0], np.clip(lonlat[:, 1], -85.0511, 85.0511)
    world = TILE * 2.0 ** camera["zoom"]
    x = (lon + 180.0) / 360.0 * world
    s = np.sin(np.radians(lat))
    y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi)) * world
    # Pick the world copy nearest the centre, so a marker near the antimeridian lands on screen.
    cx = (camera["center"][0] + 180.0) / 360.0 * world
    x = x + np.round((cx - x) / world) * world
    return np.asarray(cam.project(np.column_stack([x, y]))) * camera["scale"]


class RenderSession:
    """The renderers of one worker: one per configured style (kept), and a small LRU of edited or split
    styles. Not thread-safe: one session per worker process (or thread)."""

    def __init__(self, styles: dict[str, StyleSource], factory: RendererFactory | None = None) -> None:
        self.styles = styles
        self.factory = factory or default_renderer_factory
        self._base: dict[str, RendererLike] = {}
        self._edited: OrderedDict[tuple[str, str, str], RendererLike] = OrderedDict()
        self._shapes: ShapePainter | None = None

    def open_all(self) -> None:
        for key in self.styles:
            self._base_renderer(key)

    def _base_renderer(self, key: str) -> RendererLike:
        if key not in self._base:
            self._base[key] = ThreadBoundRenderer(self.factory, self.styles[key].path, None)
        return self._base[key]

    def _renderer(self, key: str, edit: StyleEdit, part: str) -> RendererLike:
        if not edit.changes_style and part == "full":
            return self._base_renderer(key)
        cache_key = (key, edit.key(), part)
        if cache_key in self._edited:
            self._edited.move_to_end(cache_key)
            return self._edited[cache_key]
        src = self.styles[key]
        doc = apply_edit(src.document, edit)
        if part != "full":
            cut = next(i for i, layer in enumerate(doc["layers"]) if layer.get("id") == edit.before_layer)
            doc["layers"] = doc["layers"][:cut] if part == "below" else doc["layers"][cut:]
        try:
            renderer = ThreadBoundRenderer(self.factory, doc, str(src.path.parent))
        except StyleError as exc:
            if edit.filter_layer is not None:
                raise ApiError(422, BAD_FILTER) from None
            raise ApiError(422, f"Invalid layer passed to addlayer: {exc}") from None
        self._edited[cache_key] = renderer
        if len(self._edited) > EDITED_RENDERERS:
            _, old = self._edited.popitem(last=False)
            old.close()
        return renderer

    def run(self, job: RenderJob, timings: dict[str, float]) -> bytes:
        t0 = time.perf_counter()
        # With addlayer, before_layer places the new layer and the overlays go on top of the map (the
        # spec's "Overlays and before_layer priority"); otherwise it places the overlays.
        split = bool(job.overlays) and job.edit.before_layer is not None and job.edit.add_layer is None
        base = self._renderer(job.style_key, job.edit, "below" if split else "full")
        image = base.render(**job.camera)
        c = job.crop
        canvas = np.array(image.array[c:image.array.shape[0] - c, c:image.array.shape[1] - c], dtype=np.uint8,
                          copy=True)
        t1 = time.perf_counter()
        timings["render"] = t1 - t0
        for item in runs(job.overlays):
            if isinstance(item, MarkerArt):
                self._draw_marker(canvas, item, job.camera)
            else:
                composite_layer(canvas, self._painter().draw(item, job.camera))
        if split:
            above = self._renderer(job.style_key, job.edit, "above").render(**job.camera)
            composite_layer(canvas, above.array)
        t2 = time.perf_counter()
        timings["overlay"] = t2 - t1
        data = _encode(canvas, job.fmt)
        timings["encode"] = time.perf_counter() - t2
        return data

    def _painter(self) -> ShapePainter:
        if self._shapes is None:
            self._shapes = ShapePainter(self.factory)
        return self._shapes

    def _draw_marker(self, canvas: np.ndarray, m: MarkerArt, cam: dict[str, Any]) -> None:
        x, y = project(cam, np.array([(m.lon, m.lat)], dtype=np.float64))[0]
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        if m.kind == "url" and m.image is not None:
            art = _decode_marker(m.image)
            # Custom markers are centred on their coordinate and never rescaled (as the spec says).
            composite(canvas, art, x - art.shape[1] / 2, y - art.shape[0] / 2)
        else:
            art = pin_image(m.kind, m.label, m.color, float(cam["scale"]))
            composite(canvas, art, x - art.shape[1] / 2, y - art.shape[0])

    def close(self) -> None:
        for r in [*self._base.values(), *self._edited.values()]:
            r.close()
        self._base.clear()
        self._edited.clear()
        if self._shapes is not None:
            self._shapes.close()
            self._shapes = None


def _decode_marker(data: bytes) -> np.ndarray:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGBA"))


def _encode(canvas: np.ndarray, fmt: str) -> bytes:
    from glrender.api import Image

    return Image(canvas).encode(fmt)


def error_response(exc: BaseException) -> ApiError:
    """Library errors become picklable ApiErrors before they leave the worker."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, GlrenderError):
        from server.errors import public_message, status_for

        return ApiError(status_for(exc), public_message(exc))
    return ApiError(500, "Internal server error")


def jobs_json(job: RenderJob) -> str:
    """A readable one-line description for logs."""
    return json.dumps({"style": job.style_key, "camera": job.camera, "crop": job.crop, "fmt": job.fmt,
                       "overlays": len(job.overlays)})
