"""The parsed style: frozen records (glrender._record) that everything downstream reads instead of raw JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glrender._record import field, record
from glrender.style.filters import Filter
from glrender.style.properties import PropertyValue


@record(frozen=True)
class SourceSpec:
    id: str
    type: str  # vector | raster | raster-dem | geojson | image | video | (custom)
    url: str | None = None
    tiles: tuple[str, ...] | None = None
    minzoom: int = 0
    maxzoom: int = 22
    tile_size: int = 512
    scheme: str = "xyz"
    bounds: tuple[float, float, float, float] | None = None
    attribution: str | None = None
    data: Any = None  # geojson: a dict or a URL string
    coordinates: tuple[tuple[float, float], ...] | None = None  # image / video corners
    encoding: str | None = None  # raster-dem: mapbox | terrarium | custom; vector: mvt | mlt
    options: Mapping[str, Any] = field(default_factory=dict)  # everything else, raw


@record(frozen=True)
class Layer:
    id: str
    type: str
    source: str | None
    source_layer: str | None
    minzoom: float
    maxzoom: float
    filter: Filter
    layout: Mapping[str, PropertyValue]  # every layout property of the type, defaults filled in
    paint: Mapping[str, PropertyValue]  # every paint property of the type, defaults filled in
    visible: bool
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> PropertyValue:
        """A paint or layout property by name (KeyError if the layer type has no such property)."""
        pv = self.paint.get(name)
        if pv is None:
            pv = self.layout[name]
        return pv

    def is_visible_at(self, zoom: float) -> bool:
        """Visible and within [minzoom, maxzoom), the range GL JS draws a layer in."""
        return self.visible and self.minzoom <= zoom < self.maxzoom


@record(frozen=True)
class Light:
    anchor: PropertyValue
    position: PropertyValue  # [radial, azimuthal degrees, polar degrees]
    color: PropertyValue
    intensity: PropertyValue


@record(frozen=True)
class Style:
    version: int
    name: str | None
    sources: Mapping[str, SourceSpec]
    layers: tuple[Layer, ...]
    center: tuple[float, float] | None
    zoom: float | None
    bearing: float
    pitch: float
    light: Light
    sprite: str | list[Any] | None
    glyphs: str | None
    base_dir: str | None  # folder of the style file, for relative URLs
    global_state_defaults: Mapping[str, Any]
    metadata: Mapping[str, Any]
    raw: Mapping[str, Any]
    roll: float = 0.0  # degrees, the camera's rotation about its view axis (style root "roll")

    def layer(self, layer_id: str) -> Layer:
        for lyr in self.layers:
            if lyr.id == layer_id:
                return lyr
        raise KeyError(layer_id)
