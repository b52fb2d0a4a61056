"""The overlay stack of one request, drawn in URL order over the map (and under ``before_layer``).

The big style's Renderer is cached per worker and never sees a request's overlay, so each request
would otherwise cost a new style with all its tiles and buckets. Instead the map and the overlay are
drawn separately under the same camera and stacked as layers:

    map below before_layer  |  overlay items in URL order  |  map from before_layer up

Consecutive GeoJSON/path shapes form one *run*, drawn as GeoJSON fill/line layers by a short-lived
Renderer (so they follow bearing and pitch like map layers); pins and custom markers are sprites put
at the projected pixel of their coordinate. Stacking the runs and markers one after another in URL
order gives the spec's Z-order (the last overlay is on top) for any mix of kinds.

Short-lived overlay Renderers are created on one long-lived GL thread per worker (``ShapePainter``):
a GL context made on a thread that then exits is never freed by Mesa (about 5 MB per request,
measured), while create/close on a thread that stays alive does not grow.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from server.compose import RendererFactory


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
    """Draws runs of overlay shapes, each with a Renderer made and closed on this painter's one GL
    thread (see the module docstring for why the thread must outlive the Renderers)."""

    def __init__(self, factory: RendererFactory) -> None:
        self.factory = factory
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gl-overlay")

    def draw(self, run: tuple[ShapeArt, ...], camera: dict[str, Any]) -> np.ndarray:
        """Straight-alpha RGBA of the run alone on a transparent canvas."""
        style = overlay_style(tuple(s.features for s in run))

        def work() -> np.ndarray:
            renderer = self.factory(style, None)
            try:
                return np.array(renderer.render(**camera).array, dtype=np.uint8, copy=True)
            finally:
                renderer.close()

        return self._thread.submit(work).result()

    def close(self) -> None:
        self._thread.shutdown(wait=True)
