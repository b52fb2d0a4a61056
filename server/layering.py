"""The overlay stack of one request, drawn in URL order over the map (and under ``before_layer``).

The big style's Renderer is cached per worker and never sees a request's overlay, so each request
would otherwise cost a new style with all its tiles and buckets. Instead the map and the overlay are
drawn separately under the same camera and stacked as layers:

    map below before_layer  |  overlay items in URL order  |  map from before_layer up

Consecutive GeoJSON/path shapes form one *run*, drawn as GeoJSON fill/line layers by a small
Renderer of their own (so they follow bearing and pitch like map layers); pins and custom markers
are sprites put at the projected pixel of their coordinate. Stacking the runs and markers one after another in URL
order gives the spec's Z-order (the last overlay is on top) for any mix of kinds.

Overlay Renderers live on pooled GL threads that are never ended (glthreads.py: Mesa never frees a
GL context made on a thread that exits, about 5 MB a request when each overlay had a thread of its
own), and the last few are kept for requests that repeat an overlay (``ShapePainter``). Making and
releasing a GL context still leaks about 40 KB (Python objects made by moderngl.create_context, seen
with tracemalloc), which workers.py bounds by recycling.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from server.glthreads import ThreadBoundRenderer

if TYPE_CHECKING:
    from server.compose import RendererFactory

KEEP_OVERLAY_RENDERERS = 4  # per worker; each holds a small GL context and the run's buckets


@dataclass(frozen=True)
class ShapeArt:
    """GeoJSON line and polygon features of one overlay, simplestyle properties already defaulted."""

    features: tuple[dict[str, Any], ...]


def overlay_style(shapes: tuple[tuple[dict[str, Any], ...], ...]) -> dict[str, Any]:
    """A style of GeoJSON sources and layers for the overlay shapes, in URL order; simplestyle properties
    (already defaulted by the parser) drive the paint through ``get``."""
    sources: dict[str, Any] = {}
    layers: list[dict[str, Any]] = []
    line_paint = {"line-color": ["get", "stroke"], "line-width": ["get", "stroke-width"],
                  "line-opacity": ["get", "stroke-opacity"]}
    line_layout = {"line-join": "round", "line-cap": "round"}
    for i, features in enumerate(shapes):
        polys = [f for f in features if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
        lines = [f for f in features if f["geometry"]["type"] in ("LineString", "MultiLineString")]
        if polys:
            sources[f"overlay-{i}-fill"] = {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                         "features": polys}}
            layers.append({"id": f"overlay-{i}-fill", "type": "fill", "source": f"overlay-{i}-fill",
                           "paint": {"fill-color": ["get", "fill"], "fill-opacity": ["get", "fill-opacity"]}})
            layers.append({"id": f"overlay-{i}-outline", "type": "line", "source": f"overlay-{i}-fill",
                           "layout": line_layout, "paint": line_paint})
        if lines:
            sources[f"overlay-{i}-line"] = {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                         "features": lines}}
            layers.append({"id": f"overlay-{i}-line", "type": "line", "source": f"overlay-{i}-line",
                           "layout": line_layout, "paint": line_paint})
    return {"version": 8, "sources": sources, "layers": layers}


def runs(items: tuple[Any, ...]) -> Iterator[tuple[ShapeArt, ...] | Any]:
    """The overlay items in URL order with consecutive ShapeArt merged into one tuple (one render)."""
    pending: list[ShapeArt] = []
    for item in items:
        if isinstance(item, ShapeArt):
            pending.append(item)
            continue
        if pending:
            yield tuple(pending)
            pending = []
        yield item
    if pending:
        yield tuple(pending)


class ShapePainter:
    """Draws runs of overlay shapes, each with a Renderer of its own on a pooled GL thread (see
    glthreads.py). The last few are kept, keyed by their style, so a path or shape that many requests
    repeat (the same route at other sizes or places) is neither re-tessellated nor given a new GL
    context. Not thread-safe: one per RenderSession."""

    def __init__(self, factory: RendererFactory, keep: int = KEEP_OVERLAY_RENDERERS) -> None:
        self.factory = factory
        self.keep = keep
        self._kept: OrderedDict[str, ThreadBoundRenderer] = OrderedDict()

    def draw(self, run: tuple[ShapeArt, ...], camera: dict[str, Any]) -> np.ndarray:
        """Straight-alpha RGBA of the run alone on a transparent canvas."""
        style = overlay_style(tuple(s.features for s in run))
        key = json.dumps(style, sort_keys=True)
        renderer = self._kept.pop(key, None)
        if renderer is None:
            renderer = ThreadBoundRenderer(self.factory, style, None)
        try:
            out = np.array(renderer.render(**camera).array, dtype=np.uint8, copy=True)
        except BaseException:
            renderer.close()
            raise
        self._kept[key] = renderer  # most recently used last
        while len(self._kept) > self.keep:
            self._kept.popitem(last=False)[1].close()
        return out

    def close(self) -> None:
        for renderer in self._kept.values():
            renderer.close()
        self._kept.clear()
