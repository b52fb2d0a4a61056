"""The Static Images API request grammar: the raw path after ``/static/`` and the query parameters.

Grammar (../shared/specs/mapbox-static-images-api.txt), read from the *raw* (still percent-encoded)
path, because a decoded overlay may contain ``/`` (``url-https%3A%2F%2F...``)::

    static   := [ overlays "/" ] position "/" size
    position := "auto"
              | lon "," lat "," zoom [ "," bearing [ "," pitch ] ]
              | "[" west "," south "," east "," north "]"
    size     := width "x" height [ "@2x" ] [ "." ( "png" | "jpg" | "jpeg" | "webp" ) ]
    number   := [ "-" ] digits [ "." digits ] | [ "-" ] "." digits

The position and size never contain ``/``, so they are the last two segments and everything before them
is the overlay list (parsed by server.overlays). Range checks and messages follow the spec's error table
where it has a row (zoom, pitch, width/height, bbox, padding, auto); for longitude, latitude and bearing
it gives only ranges, so those messages copy the table's wording.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import unquote

from server.errors import ApiError

MAX_LAT = 85.0511
MAX_ZOOM = 20.0
MAX_PITCH = 60.0
MAX_SIZE = 1280
MAX_URL_BYTES = 8192
_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
_SIZE = re.compile(r"^(?P<w>[^x@]*)x(?P<h>[^x@]*?)(?P<ratio>@2x)?(?:\.(?P<ext>[A-Za-z][A-Za-z0-9]*))?$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}

NOT_NUMBERS = "Longitude, latitude, zoom, bearing and pitch must all be numbers."
AUTO_EXTRA = "The auto parameter cannot be used with additional location parameters, bearing, or pitch."
BBOX_EXTRA = "The bounding box parameter cannot be used with additional location parameters, bearing, or pitch."
PADDING_SYNTAX = "Padding must be 1-4 numbers, comma-delimited."
PADDING_TOO_BIG = "The padding cannot exceed the height or width of the requested image."
PADDING_WITHOUT_FIT = "Padding cannot be used without the auto parameter or without a provided bounding box."


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
class Auto:
    """Fit the view to the overlays."""


AUTO = Auto()


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    scale: int = 1
    fmt: str | None = None  # from a ``.ext`` suffix; None lets ``format=`` or the style decide


@dataclass(frozen=True)
class Padding:
    top: int
    right: int
    bottom: int
    left: int


@dataclass(frozen=True)
class StaticPath:
    overlay: str | None  # decoded overlay text, None when the path has no overlay segment
    position: Position | BBox | Auto
    size: Size


def decode_component(raw: str) -> str:
    """Percent-decode strictly: a stray ``%`` or bytes that are not UTF-8 are the client's error (400)."""
    if _BAD_PERCENT.search(raw):
        raise ApiError(400, "Invalid percent-encoding in the URL.")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, "Invalid percent-encoding in the URL: not UTF-8.") from None


def parse_static_path(raw_rest: str) -> StaticPath | None:
    """Parse the raw path after ``/static/``; None when it has no position/size shape (the route 404s)."""
    cut = raw_rest.rfind("/")
    if cut < 0:
        return None
    size = parse_size(decode_component(raw_rest[cut + 1:]))
    if size is None:
        return None
    head = raw_rest[:cut]
    cut = head.rfind("/")
    raw_position, raw_overlay = (head[cut + 1:], head[:cut]) if cut >= 0 else (head, None)
    if not raw_position:
        return None
    overlay = decode_component(raw_overlay) if raw_overlay else None
    return StaticPath(overlay=overlay, position=parse_position(decode_component(raw_position)), size=size)


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.match(text) else None


def parse_position(segment: str) -> Position | BBox | Auto:
    """Parse the position segment; raise ApiError(422) with the spec's message on bad values."""
    if segment == "auto":
        return AUTO
    parts = segment.split(",")
    if "auto" in (p.strip() for p in parts):
        raise ApiError(422, AUTO_EXTRA)
    if segment.startswith("["):
        close = segment.find("]")
        if close >= 0 and segment[close + 1:].startswith(","):
            raise ApiError(422, BBOX_EXTRA)
        return parse_bbox(segment)
    if "[" in segment or "]" in segment:
        raise ApiError(422, BBOX_EXTRA)
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
    if not (segment.startswith("[") and segment.endswith("]")):
        raise ApiError(422, f"Invalid bbox: {segment}")
    parts = segment[1:-1].split(",")
    values = [_number(p) for p in parts]
    if len(values) != 4 or any(v is None for v in values):
        raise ApiError(422, f"Invalid bbox: {segment}")
    west, south, east, north = (float(v) for v in values if v is not None)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -MAX_LAT <= south <= MAX_LAT
            and -MAX_LAT <= north <= MAX_LAT):
        raise ApiError(422, f"Invalid bbox: {segment}")
    if not (west < east and south < north):
        raise ApiError(422, f"Invalid bbox: {segment}")
    return BBox(west, south, east, north)


def parse_size(segment: str) -> Size | None:
    """Parse ``{w}x{h}[@2x][.ext]``; None when the segment is not a size at all (the route 404s)."""
    match = _SIZE.match(segment)
    if not match:
        return None
    ext = match.group("ext")
    if ext is not None and ext.lower() not in FORMATS:
        raise ApiError(422, f"Unsupported image format {ext!r}; use png, jpg, jpeg or webp.")
    dims = []
    for name, text in (("Width", match.group("w")), ("Height", match.group("h"))):
        # isdecimal() plus the length guard keeps "１２" and 10**5000 out of int().
        if not (text.isascii() and text.isdecimal()) or len(text) > 5 or not 1 <= int(text) <= MAX_SIZE:
            raise ApiError(422, f"{name} must be between 1-1280.")
        dims.append(int(text))
    return Size(width=dims[0], height=dims[1], scale=2 if match.group("ratio") else 1,
                fmt=FORMATS[ext.lower()] if ext else None)


def parse_padding(text: str, size: Size) -> Padding:
    """CSS-style ``top[,right[,bottom[,left]]]`` whole pixels."""
    parts = text.split(",")
    if not 1 <= len(parts) <= 4 or not all(p.strip().isascii() and p.strip().isdecimal()
                                          and len(p.strip()) < 6 for p in parts):
        raise ApiError(422, PADDING_SYNTAX)
    v = [int(p) for p in parts]
    top, right, bottom, left = (v * 4)[:4] if len(v) == 1 else (
        (v[0], v[1], v[0], v[1]) if len(v) == 2 else (v[0], v[1], v[2], v[1]) if len(v) == 3 else tuple(v))
    # Equal sums would leave no room at all to fit anything, so they count as exceeding too.
    if top + bottom >= size.height or left + right >= size.width:
        raise ApiError(422, PADDING_TOO_BIG)
    return Padding(top, right, bottom, left)


def default_padding(size: Size) -> Padding:
    """The spec's default: 5 % of the smaller side, rounded up, at most 12 px per side."""
    p = min(12, math.ceil(0.05 * min(size.width, size.height)))
    return Padding(p, p, p, p)


def parse_bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ApiError(422, f"{name} must be true or false.")


def parse_format(text: str) -> str:
    fmt = FORMATS.get(text.strip().lower())
    if fmt is None:
        raise ApiError(422, f"Unsupported image format {text!r}; use png, jpg, jpeg or webp.")
    return fmt
