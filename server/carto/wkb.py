"""GeoPackage geometry blobs and (E)WKB to GeoJSON geometry dicts.

A GeoPackage blob is a small header (magic ``GP``, version, flags, srs id, optional envelope)
followed by standard WKB. PostGIS answers ``ST_AsBinary`` with plain WKB. Both land here; the
output is GeoJSON in the blob's own coordinates (the caller reprojects when needed).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

# Envelope sizes (in doubles) by the header's envelope indicator: none, xy, xyz, xym, xyzm.
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
_TYPES = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
          6: "MultiPolygon", 7: "GeometryCollection"}


class GeometryError(ValueError):
    pass


def gpkg_header(blob: bytes) -> tuple[int, int, tuple[float, float, float, float] | None, bool]:
    """(srs_id, wkb_offset, xy envelope or None, empty flag) of a GeoPackage geometry blob."""
    if len(blob) < 8 or blob[0:2] != b"GP":
        raise GeometryError("not a GeoPackage geometry blob")
    flags = blob[3]
    order = "<" if flags & 1 else ">"
    indicator = (flags >> 1) & 7
    if indicator not in _ENVELOPE_DOUBLES:
        raise GeometryError(f"bad GeoPackage envelope indicator {indicator}")
    srs_id = struct.unpack_from(order + "i", blob, 4)[0]
    n = _ENVELOPE_DOUBLES[indicator]
    env = None
    if n:
        vals = struct.unpack_from(order + f"{n}d", blob, 8)
        env = (vals[0], vals[2], vals[1], vals[3])  # stored as minx, maxx, miny, maxy
    return srs_id, 8 + 8 * n, env, bool(flags & 0x10)


def to_geojson(blob: bytes | memoryview) -> dict[str, Any] | None:
    """A GeoJSON geometry from a GeoPackage blob, WKB or EWKB; None for empty geometries."""
    data = bytes(blob)
    offset = 0
    if data[:2] == b"GP":
        _, offset, _, empty = gpkg_header(data)
        if empty:
            return None
    try:
        geom, _ = _read(data, offset)
    except (struct.error, IndexError, ValueError) as exc:
        raise GeometryError(f"invalid WKB geometry: {exc}") from None
    return geom


def _read(data: bytes, pos: int) -> tuple[dict[str, Any] | None, int]:
    order = "<" if data[pos] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", data, pos + 1)
    pos += 5
    has_srid = bool(code & 0x20000000)  # EWKB flags, as PostGIS writes without ST_AsBinary
    dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)
    code &= 0x0FFFFFFF
    if code >= 1000:  # ISO WKB: 1000s are Z, 2000s M, 3000s ZM
        dims = 2 + (1 if code // 1000 in (1, 2) else 2)
        code %= 1000
    if has_srid:
        pos += 4
    kind = _TYPES.get(code)
    if kind is None:
        raise GeometryError(f"unsupported WKB geometry type {code}")
    if kind == "Point":
        xy = struct.unpack_from(order + f"{dims}d", data, pos)
        pos += 8 * dims
        if xy[0] != xy[0]:  # NaN coordinates encode an empty point
            return None, pos
        return {"type": kind, "coordinates": [xy[0], xy[1]]}, pos
    if kind == "LineString":
        coords, pos = _ring(data, pos, order, dims)
        return ({"type": kind, "coordinates": coords} if coords else None), pos
    if kind == "Polygon":
        rings, pos = _rings(data, pos, order, dims)
        return ({"type": kind, "coordinates": rings} if rings else None), pos
    (count,) = struct.unpack_from(order + "I", data, pos)
    pos += 4
    parts = []
    for _ in range(count):
        part, pos = _read(data, pos)
        if part is not None:
            parts.append(part)
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": parts}, pos
    if not parts:
        return None, pos
    return {"type": kind, "coordinates": [p["coordinates"] for p in parts]}, pos


def _ring(data: bytes, pos: int, order: str, dims: int) -> tuple[list[list[float]], int]:
    (n,) = struct.unpack_from(order + "I", data, pos)
    pos += 4
    arr = np.frombuffer(data, dtype=np.dtype(order + "f8"), count=n * dims, offset=pos).reshape(n, dims)
    return arr[:, :2].tolist(), pos + 8 * n * dims


def _rings(data: bytes, pos: int, order: str, dims: int) -> tuple[list[list[list[float]]], int]:
    (n,) = struct.unpack_from(order + "I", data, pos)
    pos += 4
    rings = []
    for _ in range(n):
        ring, pos = _ring(data, pos, order, dims)
        if ring:
            rings.append(ring)
    return rings, pos


def bounds(geom: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of a GeoJSON geometry."""
    if geom is None:
        return None
    if geom["type"] == "GeometryCollection":
        boxes = [b for g in geom["geometries"] if (b := bounds(g)) is not None]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    arr = np.asarray(_flatten(geom["coordinates"]), dtype=float).reshape(-1, 2)
    if not len(arr):
        return None
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 0].max()), float(arr[:, 1].max())


def _flatten(coords: Any) -> list[float]:
    if coords and isinstance(coords[0], float | int):
        return [float(coords[0]), float(coords[1])]
    out: list[float] = []
    for c in coords:
        out.extend(_flatten(c))
    return out
