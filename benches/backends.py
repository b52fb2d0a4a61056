"""Renderer backends shared by the conformance runner and the benchmark.

Two backends draw a style dict for a camera:

* ``glrender``: :class:`glrender.Renderer`, which resolves relative URLs against ``base_dir``;
* ``pymgl``: MapLibre Native through pymgl 0.5.0. It only starts with ``EGL_PLATFORM=surfaceless``,
  needs absolute ``mbtiles:///`` and ``file:///`` URLs, and may crash with two maps in one process,
  so callers run it in a child process (the runner's workers, the benchmark's children).
"""

from __future__ import annotations

import copy
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BACKENDS = ("glrender", "pymgl")


@dataclass(frozen=True)
class View:
    """A camera and output size; ``scale`` is the device pixel ratio."""

    lon: float = 0.0
    lat: float = 0.0
    zoom: float = 0.0
    bearing: float = 0.0
    pitch: float = 0.0
    width: int = 512
    height: int = 512
    scale: float = 1

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> View:
        """From a views.json record (``lon``, ``lat``, ``zoom``, ..., ``ratio``)."""
        return cls(
            lon=float(rec["lon"]),
            lat=float(rec["lat"]),
            zoom=float(rec["zoom"]),
            bearing=float(rec.get("bearing", 0)),
            pitch=float(rec.get("pitch", 0)),
            width=int(rec["width"]),
            height=int(rec["height"]),
            scale=rec.get("ratio", 1),
        )

    @property
    def pixels(self) -> tuple[int, int]:
        """Output (width, height) in device pixels."""
        return round(self.width * self.scale), round(self.height * self.scale)


class MapBackend(Protocol):
    def render_array(self, view: View) -> np.ndarray: ...

    def render_png(self, view: View) -> bytes: ...

    def close(self) -> None: ...


def decode_png(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()


def encode_png(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array, "RGBA").save(buf, format="PNG")
    return buf.getvalue()


class GlrenderMap:
    """One :class:`glrender.Renderer` for one style; reused across renders (warm caches)."""

    def __init__(self, style: dict[str, Any] | str | Path, base_dir: Path | None = None) -> None:
        try:
            from glrender import Renderer
        except ImportError:  # the package root may not re-export it yet
            from glrender.api import Renderer

        if isinstance(style, dict):
            self._renderer = Renderer(style, base_dir=str(base_dir)) if base_dir else Renderer(style)
        else:
            self._renderer = Renderer(str(style))

    def _render(self, view: View) -> Any:
        return self._renderer.render(
            center=(view.lon, view.lat),
            zoom=view.zoom,
            bearing=view.bearing,
            pitch=view.pitch,
            width=view.width,
            height=view.height,
            scale=view.scale,
        )

    def render_array(self, view: View) -> np.ndarray:
        return np.asarray(self._render(view).array)

    def render_png(self, view: View) -> bytes:
        return bytes(self._render(view).encode("png"))

    def close(self) -> None:
        self._renderer.close()


class NativeMap:
    """MapLibre Native (pymgl). The style must already have absolute URLs (see ``absolutize``).

    A pymgl Map has a fixed size and ratio, so it is re-created when they change; otherwise the
    same Map (and its tile cache) is reused, which is what "warm" means for Native.
    """

    def __init__(self, style: dict[str, Any]) -> None:
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        import pymgl

        self._pymgl = pymgl
        self._style_json = json.dumps(style)
        self._map: Any = None
        self._size: tuple[int, int, float] | None = None
        self._view: View | None = None

    def _prepare(self, view: View) -> Any:
        size = (view.width, view.height, float(view.scale))
        # pymgl rejects negative bearings and zooms (GL JS allows both): use the same rotation, and
        # Native's own minimum zoom.
        zoom = max(0.0, view.zoom)
        if self._map is None or self._size != size:
            self.close()
            self._map = self._pymgl.Map(
                self._style_json, view.width, view.height, float(view.scale), view.lon, view.lat, zoom
            )
            self._size = size
        elif self._view == view:
            return self._map  # re-rendering the same view: touch nothing, as a warm re-render should
        else:
            self._map.setCenter(view.lon, view.lat)
            self._map.setZoom(zoom)
        self._map.setBearing(view.bearing % 360.0)
        self._map.setPitch(view.pitch)
        self._view = view
        return self._map

    def render_png(self, view: View) -> bytes:
        return bytes(self._prepare(view).renderPNG())

    def render_array(self, view: View) -> np.ndarray:
        # renderBuffer() truncates its result when ratio != 1 (pymgl 0.5.0), renderPNG() does not.
        return decode_png(self.render_png(view))

    def close(self) -> None:
        self._map = None
        self._size = None
        self._view = None


def open_map(backend: str, style: dict[str, Any], base_dir: Path) -> MapBackend:
    """A map for ``style`` (a dict whose relative URLs are relative to ``base_dir``)."""
    if backend == "glrender":
        return GlrenderMap(style, base_dir)
    if backend == "pymgl":
        return NativeMap(absolutize(style, base_dir))
    raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")


# --- absolute URLs for MapLibre Native ------------------------------------------------------------

_PASS_THROUGH = ("http://", "https://", "file://", "data:", "mapbox://", "asset://")


def _absolute_url(value: str, base_dir: Path) -> str:
    """``mbtiles://rel`` -> ``mbtiles:///abs``; plain paths -> ``file:///abs``; URLs unchanged.

    Templates such as ``{fontstack}`` stay literal: Native percent-encodes the substituted font
    stack itself, so the path must not be URL-encoded here.
    """
    for scheme in ("mbtiles://", "pmtiles://"):
        if value.startswith(scheme):
            rest = value[len(scheme) :]
            return scheme + os.path.normpath(base_dir / rest) if not rest.startswith("/") else value
    if value.startswith(_PASS_THROUGH) or "://" in value:
        return value
    return "file://" + os.path.normpath(base_dir / value)


def absolutize(style: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """A copy of ``style`` with every resource URL made absolute (``mbtiles:///``, ``file:///``)."""
    out = copy.deepcopy(style)
    base = Path(base_dir).resolve()
    for source in out.get("sources", {}).values():
        if not isinstance(source, dict):
            continue
        if isinstance(source.get("url"), str):
            source["url"] = _absolute_url(source["url"], base)
        if isinstance(source.get("tiles"), list):
            source["tiles"] = [_absolute_url(t, base) if isinstance(t, str) else t for t in source["tiles"]]
        if source.get("type") == "geojson" and isinstance(source.get("data"), str):
            source["data"] = _absolute_url(source["data"], base)
    if isinstance(out.get("glyphs"), str):
        out["glyphs"] = _absolute_url(out["glyphs"], base)
    sprite = out.get("sprite")
    if isinstance(sprite, str):
        out["sprite"] = _absolute_url(sprite, base)
    elif isinstance(sprite, list):
        for entry in sprite:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                entry["url"] = _absolute_url(entry["url"], base)
    return out
