"""The overlay list of a static request: ``geojson(...)``, ``pin-s/pin-l`` markers, ``url-`` markers and
``path-`` polylines, parsed from the decoded overlay segment with a small cursor-based parser.

    overlays := overlay ( "," overlay )*
    overlay  := "geojson(" json ")"
              | "pin-" ("s" | "l") [ "-" label ] [ "+" color ] "(" lon "," lat ")"
              | "url-" url "(" lon "," lat ")"
              | "path" [ "-" width ] [ "+" color ] [ "-" opacity ] [ "+" color ] [ "-" opacity ] "(" polyline ")"

A GeoJSON argument is read with the JSON decoder itself, so commas and parentheses inside its strings
need no escaping rules of our own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from server.errors import ApiError
from server.grammar import MAX_LAT

MAX_OVERLAYS = 200  # the 8 KiB URL cap already bounds this; a count cap keeps the layer list sane
_NUM = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_COORD_TAIL = re.compile(rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)")
_PIN = re.compile(r"pin-(?P<size>[sl])(?:-(?P<label>[A-Za-z0-9-]+?))?(?:\+(?P<color>[0-9A-Fa-f]+))?(?=\()")
_PATH = re.compile(
    rf"path(?:-(?P<w>{_NUM}))?(?:\+(?P<sc>[0-9A-Fa-f]+))?(?:-(?P<so>{_NUM}))?"
    rf"(?:\+(?P<fc>[0-9A-Fa-f]+))?(?:-(?P<fo>{_NUM}))?\("
)
GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})
UNSUPPORTED_GEOMETRY = "The GeoJSON argument has an unknown or unsupported geometry type"
OUT_OF_RANGE = "Overlay bounds are out of range."
BAD_OVERLAY = "Invalid overlay: it must start with geojson, pin-s, pin-l, url- or path."


@dataclass(frozen=True)
class Marker:
    """A pin (``kind`` "pin-s", "pin-m" or "pin-l", from a pin overlay or a GeoJSON point) or a custom image
    (``kind`` "url")."""

    kind: str
    lon: float
    lat: float
    label: str | None = None
    color: str = "#7e7e7e"
    url: str | None = None


@dataclass(frozen=True)
class Shapes:
    """GeoJSON lines and polygons with simplestyle properties filled in (drawn as style layers)."""

    features: tuple[dict[str, Any], ...]


@dataclass
class Overlays:
    items: list[Marker | Shapes] = field(default_factory=list)
    geojson_count: int = 0
    geojson_features: int = 0

    @property
    def markers(self) -> list[Marker]:
        return [i for i in self.items if isinstance(i, Marker)]

    def coordinates(self) -> list[tuple[float, float]]:
        coords: list[tuple[float, float]] = []
        for item in self.items:
            if isinstance(item, Marker):
                coords.append((item.lon, item.lat))
            else:
                for f in item.features:
                    coords.extend(_walk(f["geometry"]["coordinates"]))
        return coords


def _walk(coords: Any) -> list[tuple[float, float]]:
    if coords and isinstance(coords[0], int | float):
        return [(float(coords[0]), float(coords[1]))]
    out: list[tuple[float, float]] = []
    for c in coords:
        out.extend(_walk(c))
    return out


def parse_color(text: str, what: str) -> str:
    """3- or 6-digit hex, returned as ``#rrggbb``."""
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6 or not re.fullmatch(r"[0-9A-Fa-f]{6}", text):
        raise ApiError(422, f"Invalid {what} color: it must be a 3- or 6-digit hex code.")
    return "#" + text.lower()


def _coord(lon: float, lat: float) -> tuple[float, float]:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -MAX_LAT <= lat <= MAX_LAT):
        raise ApiError(422, OUT_OF_RANGE)
    return lon, lat


def _opacity(text: str | None, default: float, what: str) -> float:
    if text is None:
        return default
    value = float(text)
    if not 0 <= value <= 1:
        raise ApiError(422, f"Invalid {what} opacity: it must be between 0 and 1.")
    return value


def decode_polyline(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Google's encoded polyline (lat, lng pairs, zig-zag varints of 5-bit chunks) to (lon, lat) tuples."""
    values: list[int] = []
    shift = result = 0
    for ch in text:
        b = ord(ch) - 63
        if not 0 <= b < 64:
            raise ApiError(422, "Invalid polyline: unexpected character.")
        result |= (b & 0x1F) << shift
        shift += 5
        if shift > 60:
            raise ApiError(422, "Invalid polyline: a value is too long.")
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    if shift or len(values) % 2 or len(values) < 4:
        raise ApiError(422, "Invalid polyline: it must encode at least two complete points.")
    factor = 10.0**precision
    lat = lon = 0
    out: list[tuple[float, float]] = []
    for i in range(0, len(values), 2):
        lat += values[i]
        lon += values[i + 1]
        out.append(_coord(lon / factor, lat / factor))
    return out


def parse_overlays(text: str) -> Overlays:
    """Parse the decoded overlay segment into markers and shapes, in URL (z-)order."""
    result = Overlays()
    pos = 0
    while True:
        if len(result.items) >= MAX_OVERLAYS:
            raise ApiError(422, f"Too many overlays: at most {MAX_OVERLAYS} are allowed.")
        if text.startswith("geojson(", pos):
            pos = _geojson(text, pos + len("geojson("), result)
        elif text.startswith("pin-", pos):
            pos = _pin(text, pos, result)
        elif text.startswith("url-", pos):
            pos = _url(text, pos, result)
        elif text.startswith("path", pos):
            pos = _path(text, pos, result)
        else:
            raise ApiError(400, BAD_OVERLAY)
        if pos == len(text):
            return result
        if text[pos] != ",":
            raise ApiError(422, f"Invalid overlay: expected ',' between overlays at character {pos}.")
        pos += 1


def _lonlat(text: str, pos: int) -> tuple[float, float, int]:
    m = _COORD_TAIL.match(text, pos)
    if not m:
        raise ApiError(422, "Invalid overlay: a marker needs its position as (lon,lat).")
    lon, lat = _coord(float(m.group(1)), float(m.group(2)))
    return lon, lat, m.end()


def _pin(text: str, pos: int, result: Overlays) -> int:
    m = _PIN.match(text, pos)
    if not m:
        raise ApiError(422, "Invalid marker: use pin-s or pin-l, then an optional -label and +color.")
    label = m.group("label")
    if label is not None:
        label = validate_label(label)
    color = parse_color(m.group("color"), "marker") if m.group("color") else "#7e7e7e"
    lon, lat, end = _lonlat(text, m.end())
    result.items.append(Marker(kind=f"pin-{m.group('size')}", lon=lon, lat=lat, label=label, color=color))
    return end


def validate_label(label: str) -> str:
    """a-z (drawn upper-case), 0-99, or a Maki icon name."""
    from server.pins import maki_names

    label = label.lower()
    if re.fullmatch(r"[a-z]|\d{1,2}", label):
        return (label.lstrip("0") or "0") if label.isdigit() else label
    if label in maki_names():
        return label
    raise ApiError(422, f"Invalid marker label {label!r}: use a-z, 0-99 or a Maki icon name.")


def _url(text: str, pos: int, result: Overlays) -> int:
    # The URL itself may contain '(' and ',' once decoded: the marker's own "(lon,lat)" is the first one
    # that ends the overlay or precedes the next one.
    start = pos + len("url-")
    for m in _COORD_TAIL.finditer(text, start):
        if m.end() == len(text) or text[m.end()] == ",":
            url = text[start:m.start()]
            if not url:
                break
            lon, lat = _coord(float(m.group(1)), float(m.group(2)))
            result.items.append(Marker(kind="url", lon=lon, lat=lat, url=url))
            return m.end()
    raise ApiError(422, "Invalid custom marker: use url-{percent-encoded url}(lon,lat).")


def _path(text: str, pos: int, result: Overlays) -> int:
    m = _PATH.match(text, pos)
    if not m:
        raise ApiError(422, "Invalid path: use path-{width}+{color}-{opacity}+{fill}-{opacity}({polyline}).")
    end = text.find(")", m.end())
    if end < 0:
        raise ApiError(422, "Invalid path: the polyline is not closed with ')'.")
    coords = decode_polyline(text[m.end():end])
    width = float(m.group("w")) if m.group("w") else 5.0
    if not 0 < width <= 100:
        raise ApiError(422, "Invalid path: the stroke width must be a positive number up to 100.")
    props: dict[str, Any] = {
        "stroke": parse_color(m.group("sc"), "stroke") if m.group("sc") else "#555555",
        "stroke-width": width,
        "stroke-opacity": _opacity(m.group("so"), 1.0, "stroke"),
    }
    if m.group("fc"):
        props["fill"] = parse_color(m.group("fc"), "fill")
        props["fill-opacity"] = _opacity(m.group("fo"), 0.6, "fill")
        ring = coords if coords[0] == coords[-1] else [*coords, coords[0]]
        geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [[list(c) for c in ring]]}
        if len(ring) < 4:
            raise ApiError(422, "Invalid path: a filled path needs at least three points.")
    else:
        geometry = {"type": "LineString", "coordinates": [list(c) for c in coords]}
    result.items.append(Shapes(({"type": "Feature", "properties": props, "geometry": geometry},)))
    return end + 1


def _geojson(text: str, pos: int, result: Overlays) -> int:
    try:
        obj, end = json.JSONDecoder(parse_constant=_reject_constant).raw_decode(text, pos)
    except (json.JSONDecodeError, ValueError):
        raise ApiError(422, "The GeoJSON argument is not valid JSON.") from None
    if text[end:end + 1] != ")":
        raise ApiError(422, "Invalid GeoJSON overlay: expected ')' after the GeoJSON object.")
    shapes: list[dict[str, Any]] = []
    first = len(result.items)
    _collect(obj, {}, shapes, result, depth=0)
    result.geojson_count += 1
    if shapes:
        # Within one GeoJSON overlay its points sit on its lines and polygons (as point symbols sit above
        # lines in a map style); against other overlays the whole object keeps its URL position.
        result.items.insert(first, Shapes(tuple(shapes)))
    return end + 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


SIMPLESTYLE_DEFAULTS: dict[str, Any] = {
    "stroke": "#555555", "stroke-width": 2.0, "stroke-opacity": 1.0, "fill": "#555555", "fill-opacity": 0.6,
}
_MARKER_SIZES = {"small": "pin-s", "medium": "pin-m", "large": "pin-l"}


def _collect(obj: Any, props: dict[str, Any], shapes: list[dict[str, Any]], result: Overlays, depth: int) -> None:
    if depth > 32 or not isinstance(obj, dict):
        raise ApiError(422, UNSUPPORTED_GEOMETRY)
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise ApiError(422, "Invalid GeoJSON: a FeatureCollection needs a features array.")
        for f in features:
            _collect(f, {}, shapes, result, depth + 1)
    elif kind == "Feature":
        result.geojson_features += 1
        p = obj.get("properties") or {}
        if not isinstance(p, dict):
            raise ApiError(422, "Invalid GeoJSON: Feature properties must be an object.")
        if obj.get("geometry") is not None:
            _collect(obj["geometry"], p, shapes, result, depth + 1)
    elif kind == "GeometryCollection":
        geometries = obj.get("geometries")
        if not isinstance(geometries, list):
            raise ApiError(422, "Invalid GeoJSON: a GeometryCollection needs a geometries array.")
        if depth == 0:
            result.geojson_features += 1
        for g in geometries:
            if not isinstance(g, dict) or g.get("type") not in GEOMETRY_TYPES:
                raise ApiError(422, UNSUPPORTED_GEOMETRY)
            _collect(g, props, shapes, result, depth + 1)
    elif kind in GEOMETRY_TYPES:
        if depth == 0:
            result.geojson_features += 1
        _geometry(kind, obj.get("coordinates"), props, shapes, result)
    else:
        raise ApiError(422, UNSUPPORTED_GEOMETRY)


def _positions(coords: Any, nesting: int) -> Any:
    """Check nesting and ranges; return the coordinates as plain [lon, lat] lists."""
    if not isinstance(coords, list):
        raise ApiError(422, "Invalid GeoJSON: coordinates must be arrays.")
    if nesting == 0:
        if len(coords) < 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in coords):
            raise ApiError(422, "Invalid GeoJSON: a position must be [longitude, latitude].")
        return list(_coord(float(coords[0]), float(coords[1])))
    return [_positions(c, nesting - 1) for c in coords]


def _geometry(kind: str, coords: Any, props: dict[str, Any], shapes: list[dict[str, Any]],
              result: Overlays) -> None:
    nesting = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
               "MultiPolygon": 3}[kind]
    checked = _positions(coords, nesting)
    if kind in ("Point", "MultiPoint"):
        size = _MARKER_SIZES.get(str(props.get("marker-size", "medium")), "pin-m")
        symbol = props.get("marker-symbol")
        label = validate_label(str(symbol)) if symbol not in (None, "") else None
        color = _simple_color(props.get("marker-color"), "#7e7e7e")
        for lon, lat in ([checked] if kind == "Point" else checked):
            result.items.append(Marker(kind=size, lon=lon, lat=lat, label=label, color=color))
        return
    style = {
        "stroke": _simple_color(props.get("stroke"), SIMPLESTYLE_DEFAULTS["stroke"]),
        "stroke-width": _simple_number(props.get("stroke-width"), 2.0, 0, 100),
        "stroke-opacity": _simple_number(props.get("stroke-opacity"), 1.0, 0, 1),
        "fill": _simple_color(props.get("fill"), SIMPLESTYLE_DEFAULTS["fill"]),
        "fill-opacity": _simple_number(props.get("fill-opacity"), 0.6, 0, 1),
    }
    if kind in ("LineString", "MultiLineString"):
        style.pop("fill")
        style.pop("fill-opacity")
    shapes.append({"type": "Feature", "properties": style, "geometry": {"type": kind, "coordinates": checked}})


def _simple_color(value: Any, default: str) -> str:
    if value is None:
        return default
    text = str(value).strip()
    return parse_color(text[1:] if text.startswith("#") else text, "simplestyle")


def _simple_number(value: Any, default: float, lo: float, hi: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ApiError(422, f"Invalid simplestyle value {value!r}: expected a number {lo:g}-{hi:g}.")
    return float(value)
