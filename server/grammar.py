"""Parsing of the Static Images API path segments into checked values.

Grammar (Mapbox Static Images API, ../shared/specs/mapbox-static-images-api.txt)::

    position := lon "," lat "," zoom [ "," bearing [ "," pitch ] ]
              | "[" west "," south "," east "," north "]"
    size     := width "x" height [ "@2x" ] [ "." ( "png" | "jpg" | "jpeg" | "webp" ) ]
    number   := [ "-" ] digits [ "." digits ] | [ "-" ] "." digits

Range checks and messages follow the spec's error table where it has one (zoom, pitch, width/height,
bbox); for longitude, latitude and bearing it gives only the ranges, so the messages copy its wording.
The ``auto`` extent and overlays come with a later change; ``auto`` is rejected with 422 for now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.errors import ApiError

MAX_LAT = 85.0511
MAX_ZOOM = 20.0
MAX_PITCH = 60.0
MAX_SIZE = 1280
_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
_SIZE = re.compile(r"^(?P<w>[^x@]*)x(?P<h>[^x@]*?)(?P<ratio>@2x)?(?:\.(?P<ext>[A-Za-z][A-Za-z0-9]*))?$")
_FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}

NOT_NUMBERS = "Longitude, latitude, zoom, bearing and pitch must all be numbers."


@dataclass(frozen=True)
class Position:
    lon: float
    lat: float
    zoom: float
    bearing: float = 0.0
    pitch: float = 0.0


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    scale: int = 1
    fmt: str = "png"


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.match(text) else None


def parse_position(segment: str) -> Position | BBox:
    """Parse the position segment; raise ApiError(422) with the spec's message on bad values."""
    if segment == "auto":
        raise ApiError(422, "Auto extent requires an overlay; overlays are not supported yet.")
    if segment.startswith("["):
        return parse_bbox(segment)
    parts = segment.split(",")
    if not 3 <= len(parts) <= 5:
        raise ApiError(422, NOT_NUMBERS)
    values = [_number(p) for p in parts]
    lon, lat, zoom = values[0], values[1], values[2]
    bearing = values[3] if len(values) > 3 else 0.0
    pitch = values[4] if len(values) > 4 else 0.0
    # The spec's table names zoom and pitch messages for "non-numeric characters" too.
    if zoom is None or not 0 <= zoom <= MAX_ZOOM:
        raise ApiError(422, "Zoom level must be between 0-20.")
    if pitch is None or not 0 <= pitch <= MAX_PITCH:
        raise ApiError(422, "Pitch must be between 0-60.")
    if lon is None or lat is None or bearing is None:
        raise ApiError(422, NOT_NUMBERS)
    if not -180 <= lon <= 180:
        raise ApiError(422, "Longitude must be between -180-180.")
    if not -MAX_LAT <= lat <= MAX_LAT:
        raise ApiError(422, "Latitude must be between -85.0511-85.0511.")
    if not 0 <= bearing <= 360:
        raise ApiError(422, "Bearing must be between 0-360.")
    # "Fractional zoom levels will be rounded to two decimal places."
    return Position(lon=lon, lat=lat, zoom=round(zoom, 2), bearing=bearing, pitch=pitch)


def parse_bbox(segment: str) -> BBox:
    """``[west,south,east,north]`` in degrees; the spec's "Invalid bbox" error on anything else."""
    invalid = ApiError(422, f"Invalid bbox: {segment}")
    if not (segment.startswith("[") and segment.endswith("]")):
        raise invalid
    parts = segment[1:-1].split(",")
    values = [_number(p) for p in parts]
    if len(values) != 4 or any(v is None for v in values):
        raise invalid
    west, south, east, north = (float(v) for v in values if v is not None)
    if not (-180 <= west < east <= 180 and -MAX_LAT <= south < north <= MAX_LAT):
        raise invalid
    return BBox(west, south, east, north)


def parse_size(segment: str) -> Size | None:
    """Parse ``{w}x{h}[@2x][.ext]``; None when the segment is not a size at all (the route 404s)."""
    match = _SIZE.match(segment)
    if not match:
        return None
    ext = match.group("ext")
    if ext is not None and ext.lower() not in _FORMATS:
        raise ApiError(422, f"Unsupported image format {ext!r}; use png, jpg or webp.")
    dims = []
    for name, text in (("Width", match.group("w")), ("Height", match.group("h"))):
        if not text.isdigit() or not 1 <= int(text) <= MAX_SIZE:
            raise ApiError(422, f"{name} must be between 1-1280.")
        dims.append(int(text))
    return Size(width=dims[0], height=dims[1], scale=2 if match.group("ratio") else 1,
                fmt=_FORMATS[ext.lower()] if ext else "png")
