"""PMTiles v3 reader (header, root and leaf directories) over an injected ``get_bytes`` callable.

We read archives ourselves instead of with the ``pmtiles`` package because: it is not a runtime
dependency (only used in tests to *write* archives); its reader re-parses directories on every tile and
is not thread-safe around one file handle; and taking ``get_bytes(offset, length)`` keeps I/O injectable
(local file, HTTP range requests, in-memory bytes in tests) with a directory cache we control.
Spec: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import threading
import zlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from glrender.errors import SourceError
from glrender.tiles.urls import DEFAULT_TIMEOUT, is_http

GetBytes = Callable[[int, int], bytes]
Directory = tuple[list[int], list[int], list[int], list[int]]

HEADER_LEN = 127
_COMPRESSION = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}
_TILE_TYPE = {0: None, 1: "pbf", 2: "png", 3: "jpg", 4: "webp", 5: "avif"}
_MAX_DEPTH = 4  # root + up to 3 leaf levels, as the spec allows; stops cycles in corrupt archives


def zxy_to_tile_id(z: int, x: int, y: int) -> int:
    """PMTiles tile id: tiles of all lower zooms first, then the Hilbert index of (x, y) at zoom z."""
    if not 0 <= z <= 31 or not (0 <= x < 1 << z and 0 <= y < 1 << z):
        raise ValueError(f"tile {z}/{x}/{y} out of range")
    acc = ((1 << (2 * z)) - 1) // 3
    d = 0
    s = 1 << (z - 1) if z else 0
    while s:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:  # rotate the quadrant so the curve stays continuous
            if rx:
                x, y = s - 1 - (x & (s - 1)), s - 1 - (y & (s - 1))
            x, y = y, x
        s >>= 1
    return acc + d


def _varints(buf: bytes, count: int, pos: int) -> tuple[list[int], int]:
    out = []
    n = len(buf)
    for _ in range(count):
        v = shift = 0
        while True:
            if pos >= n:
                raise SourceError("PMTiles directory is truncated")
            b = buf[pos]
            pos += 1
            v |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift > 63:
                raise SourceError("PMTiles directory has an over-long varint")
        out.append(v)
    return out, pos


def parse_directory(buf: bytes) -> Directory:
    """Decoded directory as parallel lists (tile_ids, run_lengths, lengths, offsets)."""
    (n,), pos = _varints(buf, 1, 0)
    if n > len(buf):  # each entry takes at least 4 bytes; a bigger count is corrupt
        raise SourceError(f"PMTiles directory claims {n} entries in {len(buf)} bytes")
    deltas, pos = _varints(buf, n, pos)
    runs, pos = _varints(buf, n, pos)
    lengths, pos = _varints(buf, n, pos)
    raw_offsets, pos = _varints(buf, n, pos)
    ids: list[int] = []
    offsets: list[int] = []
    tid = 0
    for i in range(n):
        tid += deltas[i]
        ids.append(tid)
        if raw_offsets[i] == 0 and i > 0:
            offsets.append(offsets[i - 1] + lengths[i - 1])  # 0 means "right after the previous entry"
        else:
            offsets.append(raw_offsets[i] - 1)
    return ids, runs, lengths, offsets


def _decompress(data: bytes, method: int, what: str) -> bytes:
    if method in (0, 1):
        return data
    if method == 2:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"PMTiles {what}: bad gzip data: {exc}") from exc
    raise SourceError(f"PMTiles {what}: unsupported compression {_COMPRESSION.get(method, method)!r}")


def file_get_bytes(path: str) -> tuple[GetBytes, Callable[[], None]]:
    """A thread-safe ``get_bytes`` over a local file (``os.pread``: no shared file position)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError as exc:
        raise SourceError(f"PMTiles file not found: {path!r}") from exc
    except OSError as exc:
        raise SourceError(f"cannot open PMTiles file {path!r}: {exc}") from exc

    def get(offset: int, length: int) -> bytes:
        return os.pread(fd, length, offset)

    return get, lambda: os.close(fd)


def http_get_bytes(url: str, timeout: float = DEFAULT_TIMEOUT) -> GetBytes:
    """``get_bytes`` over HTTP range requests."""

    import urllib.error
    import urllib.request

    def get(offset: int, length: int) -> bytes:
        req = urllib.request.Request(url, headers={"Range": f"bytes={offset}-{offset + length - 1}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                data: bytes = resp.read(length + 1)
                # a server ignoring Range would send the whole archive: refuse rather than download it
                if resp.status == 200 and len(data) > length:
                    raise SourceError(f"PMTiles server at {url!r} does not support range requests")
                return data[:length]
        except (urllib.error.URLError, OSError) as exc:
            raise SourceError(f"PMTiles read {offset}+{length} from {url!r} failed: {exc}") from exc

    return get


class PMTilesSource:
    """A PMTiles v3 archive as a :class:`glrender.tiles.sources.TileSource`."""

    def __init__(self, path_or_get_bytes: str | GetBytes, *, kind: str = "vector", tile_size: int = 512,
                 dir_cache_size: int = 64) -> None:
        self._close: Callable[[], None] = lambda: None
        if callable(path_or_get_bytes):
            self._get: GetBytes = path_or_get_bytes
            self.name = "<get_bytes>"
        elif is_http(path_or_get_bytes):
            self._get = http_get_bytes(path_or_get_bytes)
            self.name = path_or_get_bytes
        else:
            self._get, self._close = file_get_bytes(path_or_get_bytes)
            self.name = path_or_get_bytes
        self.kind = kind
        self.tile_size = tile_size
        self.scheme = "xyz"
        self._lock = threading.Lock()
        self._dirs: OrderedDict[tuple[int, int], Directory] = OrderedDict()
        self._dir_cache_size = dir_cache_size
        h = self._read(0, HEADER_LEN, "header")
        if len(h) < HEADER_LEN or h[:7] != b"PMTiles":
            raise SourceError(f"{self.name!r} is not a PMTiles archive (magic {h[:7]!r})")
        if h[7] != 3:
            raise SourceError(f"{self.name!r}: unsupported PMTiles version {h[7]}")
        u = struct.unpack_from("<11Q", h, 8)
        (self._root_off, self._root_len, self._meta_off, self._meta_len, self._leaf_off, self._leaf_len,
         self._data_off, self._data_len) = u[:8]
        self.clustered, self._internal_comp, self._tile_comp, tile_type, minz, maxz = struct.unpack_from(
            "<6B", h, 96)
        min_lon, min_lat, max_lon, max_lat = struct.unpack_from("<4i", h, 102)
        self.center_zoom = h[118]
        clon, clat = struct.unpack_from("<2i", h, 119)
        self.center = (clon / 1e7, clat / 1e7)
        self.minzoom, self.maxzoom = minz, maxz
        self.bounds: tuple[float, float, float, float] | None = (
            min_lon / 1e7, min_lat / 1e7, max_lon / 1e7, max_lat / 1e7)
        self.format = _TILE_TYPE.get(tile_type)
        self.tile_compression = _COMPRESSION.get(self._tile_comp, str(self._tile_comp))
        self._metadata: dict[str, Any] | None = None
        self.attribution: str | None = None
        meta = self.metadata()
        if isinstance(meta.get("attribution"), str):
            self.attribution = meta["attribution"]

    def _read(self, offset: int, length: int, what: str) -> bytes:
        try:
            return self._get(offset, length)
        except SourceError:
            raise
        except OSError as exc:
            raise SourceError(f"PMTiles {self.name!r}: reading {what} failed: {exc}") from exc

    def metadata(self) -> dict[str, Any]:
        """The archive's JSON metadata (``{}`` when absent or unreadable)."""
        if self._metadata is None:
            meta: dict[str, Any] = {}
            if self._meta_len:
                raw = _decompress(self._read(self._meta_off, self._meta_len, "metadata"), self._internal_comp,
                                  "metadata")
                try:
                    loaded = json.loads(raw)
                    meta = loaded if isinstance(loaded, dict) else {}
                except ValueError:
                    meta = {}
            self._metadata = meta
        return self._metadata

    def _directory(self, offset: int, length: int) -> Directory:
        key = (offset, length)
        with self._lock:
            d = self._dirs.get(key)
            if d is not None:
                self._dirs.move_to_end(key)
                return d
        raw = _decompress(self._read(offset, length, "directory"), self._internal_comp, "directory")
        d = parse_directory(raw)
        with self._lock:
            self._dirs[key] = d
            if len(self._dirs) > self._dir_cache_size:
                self._dirs.popitem(last=False)
        return d

    def get_tile(self, z: int, x: int, y: int) -> bytes | None:
        """Tile bytes as stored (gzip-compressed MVT stays compressed; the decoder detects it)."""
        if z < self.minzoom or z > self.maxzoom or not (0 <= x < 1 << z and 0 <= y < 1 << z):
            return None
        tid = zxy_to_tile_id(z, x, y)
        off, length = self._root_off, self._root_len
        for _ in range(_MAX_DEPTH):
            ids, runs, lengths, offsets = self._directory(off, length)
            i = bisect_right(ids, tid) - 1
            if i < 0:
                return None
            if runs[i] == 0:  # a leaf directory covering ids from ids[i]
                off, length = self._leaf_off + offsets[i], lengths[i]
                continue
            if tid >= ids[i] + runs[i]:
                return None
            data = self._read(self._data_off + offsets[i], lengths[i], "tile")
            if self._tile_comp == 2 and self.format != "pbf":
                data = _decompress(data, 2, "tile")  # images are never gzipped in transit; undo it here
            elif self._tile_comp not in (0, 1, 2):
                raise SourceError(f"PMTiles {self.name!r}: unsupported tile compression "
                                  f"{self.tile_compression!r}")
            return data
        raise SourceError(f"PMTiles {self.name!r}: directories nest deeper than {_MAX_DEPTH} levels")

    def close(self) -> None:
        self._close()
        self._close = lambda: None
