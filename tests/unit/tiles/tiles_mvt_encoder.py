"""A tiny MVT encoder for tests: builds tiles byte by byte so decoder tests control every field."""

from __future__ import annotations

import struct
from typing import Any


def varint(v: int) -> bytes:
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field: int, wire: int) -> bytes:
    return varint((field << 3) | wire)


def ld(field: int, payload: bytes) -> bytes:
    return key(field, 2) + varint(len(payload)) + payload


def zz(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def cmd(cid: int, count: int) -> int:
    return (count << 3) | cid


def packed(values: list[int]) -> bytes:
    return b"".join(varint(v) for v in values)


def encode_value(v: Any) -> bytes:
    if isinstance(v, bool):
        return key(7, 0) + varint(int(v))
    if isinstance(v, str):
        return ld(1, v.encode())
    if isinstance(v, float):
        return key(3, 1) + struct.pack("<d", v)
    if isinstance(v, int):
        return key(6, 0) + varint(zz(v)) if v < 0 else key(5, 0) + varint(v)
    raise TypeError(v)


def geometry_commands(geom_type: int, parts: list[list[tuple[int, int]]]) -> list[int]:
    """Encode paths of absolute coordinates: points (one part), lines, or rings (closed with ClosePath)."""
    out: list[int] = []
    cx = cy = 0
    if geom_type == 1:
        pts = parts[0]
        out.append(cmd(1, len(pts)))
        for x, y in pts:
            out += [zz(x - cx), zz(y - cy)]
            cx, cy = x, y
        return out
    for part in parts:
        x, y = part[0]
        out += [cmd(1, 1), zz(x - cx), zz(y - cy)]
        cx, cy = x, y
        out.append(cmd(2, len(part) - 1))
        for x, y in part[1:]:
            out += [zz(x - cx), zz(y - cy)]
            cx, cy = x, y
        if geom_type == 3:
            out.append(cmd(7, 1))
    return out


def encode_feature(geom_type: int, geometry: list[int], tags: list[int] = (), fid: int | None = None) -> bytes:  # noqa: E501
    body = b""
    if fid is not None:
        body += key(1, 0) + varint(fid)
    if tags:
        body += ld(2, packed(list(tags)))
    body += key(3, 0) + varint(geom_type)
    body += ld(4, packed(geometry))
    return body


def encode_layer(
    name: str,
    features: list[dict[str, Any]],
    extent: int | None = 4096,
    version: int = 2,
) -> bytes:
    """features: dicts with type, parts (absolute coords) or raw geometry ints, props, id."""
    keys: list[str] = []
    values: list[Any] = []
    body = key(15, 0) + varint(version) + ld(1, name.encode())
    for f in features:
        tags: list[int] = []
        for k, v in f.get("props", {}).items():
            if k not in keys:
                keys.append(k)
            vk = (type(v), v)
            matches = [i for i, x in enumerate(values) if (type(x), x) == vk]
            if matches:
                vi = matches[0]
            else:
                values.append(v)
                vi = len(values) - 1
            tags += [keys.index(k), vi]
        geom = f["geometry"] if "geometry" in f else geometry_commands(f["type"], f["parts"])
        body += ld(2, encode_feature(f["type"], geom, tags, f.get("id")))
    for k in keys:
        body += ld(3, k.encode())
    for v in values:
        body += ld(4, encode_value(v))
    if extent is not None:
        body += key(5, 0) + varint(extent)
    return body


def encode_tile(layers: list[bytes]) -> bytes:
    return b"".join(ld(3, layer) for layer in layers)
