"""GeoJSON sources cut into vector tiles on demand, following geojson-vt as MapLibre configures it.

Features are projected once to world fractions ([0, 1] Web Mercator, y down) and indexed by bounding box.
A tile request picks the features whose box (or its copy one world left/right, for data crossing the
antimeridian) meets the tile plus buffer, clips them per axis (x then y) and rounds to integer tile
coordinates like geojson-vt's ``transformTile``. Polygons come out as MapLibre sees them through its
GeoJSON wrapper: all rings of a feature are grouped by :func:`glrender.tiles.mvt.classify_rings`.
With ``cluster`` the points are clustered instead (see :mod:`glrender.tiles.cluster`); a
``feature_filter`` drops features before tiling or clustering, like the source ``filter`` in MapLibre.
Not done: geojson-vt's Douglas-Peucker simplification (``tolerance`` is accepted and ignored).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glrender._record import record
from glrender.errors import SourceError
from glrender.tiles._clip import clip_line, clip_points, clip_ring
from glrender.tiles.cluster import Clusters
from glrender.tiles.features import LINESTRING, POINT, POLYGON, Feature, TileLayer
from glrender.tiles.mvt import classify_rings, ring_areas
from glrender.tiles.tilecover import lat_to_y
from glrender.tiles.urls import fetch_bytes, resolve_url

LAYER_NAME = "_geojson"
_GEOM_TYPES = {"Point": POINT, "MultiPoint": POINT, "LineString": LINESTRING, "MultiLineString": LINESTRING,
               "Polygon": POLYGON, "MultiPolygon": POLYGON}


@record(slots=True)
class _Item:
    """One feature projected to world fractions: points (N, 2); lines/rings (N, 2) or (N, 3) with distance."""

    geom_type: int
    parts: list[np.ndarray]
    properties: dict[str, Any]
    id: int | str | None
    size: float = 0.0  # total projected length, for line metrics
    outer: list[bool] | None = None  # polygons: which rings are exteriors (first ring of each polygon)


def _positions(value: Any, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{where}: coordinates must be arrays of numbers, got {str(value)[:80]!r}") from exc
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise SourceError(f"{where}: expected a list of [lon, lat] positions, got {str(value)[:80]!r}")
    if not np.isfinite(arr[:, :2]).all():
        raise SourceError(f"{where}: non-finite coordinate in {str(value)[:80]!r}")
    return arr[:, :2]


def _project(lonlat: np.ndarray) -> np.ndarray:
    out = np.empty_like(lonlat)
    out[:, 0] = lonlat[:, 0] / 360.0 + 0.5
    out[:, 1] = lat_to_y(lonlat[:, 1])
    return out


def _with_distance(line: np.ndarray) -> tuple[np.ndarray, float]:
    seg = np.hypot(*np.diff(line, axis=0).T) if len(line) > 1 else np.zeros(0)
    dist = np.concatenate(([0.0], np.cumsum(seg)))
    return np.column_stack((line, dist)), float(dist[-1])


def _js_int_id(value: Any) -> int | None:
    """MapLibre's GeoJSON wrapper keeps an id only if ``parseInt`` makes a number of it."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if np.isfinite(value) else None
    if isinstance(value, str):
        s = value.strip()
        digits = s[1:] if s[:1] in "+-" else s
        n = len(digits) - len(digits.lstrip("0123456789"))
        return int(s[: n + (len(s) - len(digits))]) if n else None
    return None


class GeoJSONSource:
    """Inline or file/URL GeoJSON, tiled on demand with an LRU cache of cut tiles (thread-safe)."""

    def __init__(self, data: Any, *, base_dir: str | None = None, maxzoom: int = 18,
                 buffer: int = 128, tolerance: float = 0.375, extent: int = 8192, line_metrics: bool = False,
                 promote_id: str | None = None, generate_id: bool = False,
                 aliases: Mapping[str, str] | None = None, cache_size: int = 256,
                 feature_filter: Callable[[Feature], bool] | None = None,
                 cluster: Mapping[str, Any] | None = None) -> None:
        if isinstance(data, str):
            data = self._load(data, base_dir, aliases)
        if not isinstance(data, Mapping):
            raise SourceError(f"GeoJSON data must be an object or a URL, got {type(data).__name__}")
        self.maxzoom, self.extent, self.tolerance = maxzoom, extent, tolerance
        self.buffer = buffer / 512.0  # style buffer is in pixels of a 512 px tile: as a tile fraction
        self.line_metrics = line_metrics
        self.promote_id, self.generate_id = promote_id, generate_id
        self._items: list[_Item] = []
        self._lonlat_min = np.array([np.inf, np.inf])
        self._lonlat_max = np.array([-np.inf, -np.inf])
        self._read_root(data)
        if feature_filter is not None:
            self._items = [it for it in self._items
                           if feature_filter(Feature(it.geom_type, it.parts, it.properties, it.id))]
        self._clusters: Clusters | None = None
        if cluster is not None:
            # supercluster takes each Point feature's coordinates (only points are clustered)
            pts = [(float(it.parts[0][0, 0]), float(it.parts[0][0, 1]), it.properties, it.id)
                   for it in self._items if it.geom_type == POINT and len(it.parts[0])]
            self._clusters = Clusters(pts, radius=float(cluster.get("radius", 50)),
                                      max_zoom=int(cluster.get("max_zoom", maxzoom - 1)),
                                      min_points=max(2, int(cluster.get("min_points", 2))))
        boxes = [(p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max())
                 for it in self._items for p in [np.concatenate([q[:, :2] for q in it.parts])]]
        self._bbox = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self._cache: OrderedDict[tuple[int, int, int], dict[str, TileLayer]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, base_dir: str | None = None,
                  aliases: Mapping[str, str] | None = None) -> GeoJSONSource:
        """Build from a style source object (``data``, ``maxzoom``, ``buffer``, ``tolerance``, ...)."""
        promote = spec.get("promoteId")
        return cls(spec.get("data"), base_dir=base_dir, maxzoom=int(spec.get("maxzoom", 18)),
                   buffer=int(spec.get("buffer", 128)), tolerance=float(spec.get("tolerance", 0.375)),
                   line_metrics=bool(spec.get("lineMetrics", False)),
                   promote_id=promote if isinstance(promote, str) else None,
                   generate_id=bool(spec.get("generateId", False)), aliases=aliases)

    # --- loading -------------------------------------------------------------------------------

    @staticmethod
    def _load(url: str, base_dir: str | None, aliases: Mapping[str, str] | None) -> Any:
        resolved = resolve_url(url, base_dir, aliases)
        raw = fetch_bytes(resolved, what="GeoJSON")
        if raw is None:
            raise SourceError(f"GeoJSON not found: {url!r}")
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise SourceError(f"GeoJSON {url!r} is not valid JSON: {exc}") from exc

    def _read_root(self, obj: Mapping[str, Any]) -> None:
        kind = obj.get("type")
        if kind == "FeatureCollection":
            feats = obj.get("features")
            if not isinstance(feats, list):
                raise SourceError(f"FeatureCollection.features must be a list, got {feats!r}"[:200])
            for i, f in enumerate(feats):
                if not isinstance(f, Mapping) or f.get("type") != "Feature":
                    raise SourceError(f"features[{i}] is not a Feature: {str(f)[:80]!r}")
                self._read_feature(f, f"features[{i}]", i)
        elif kind == "Feature":
            self._read_feature(obj, "feature", 0)
        elif kind in _GEOM_TYPES or kind == "GeometryCollection":
            self._read_geometry(obj, {}, None, "geometry")
        else:
            raise SourceError(f"unknown GeoJSON type {kind!r}")

    def _read_feature(self, f: Mapping[str, Any], where: str, index: int) -> None:
        props = f.get("properties")
        props = dict(props) if isinstance(props, Mapping) else {}
        if self.promote_id is not None:
            raw = props.get(self.promote_id)
            fid: int | str | None = None
            if isinstance(raw, float) and raw.is_integer():
                fid = int(raw)
            elif isinstance(raw, (int, str)) and not isinstance(raw, bool):
                fid = raw
        elif self.generate_id:
            fid = index
        else:
            fid = _js_int_id(f.get("id"))
        geom = f.get("geometry")
        if geom is None:
            return  # null geometry: nothing to draw, as in geojson-vt
        if not isinstance(geom, Mapping):
            raise SourceError(f"{where}.geometry must be an object, got {geom!r}"[:200])
        self._read_geometry(geom, props, fid, f"{where}.geometry")

    def _read_geometry(self, g: Mapping[str, Any], props: dict[str, Any], fid: Any, where: str) -> None:
        kind = g.get("type")
        if kind == "GeometryCollection":
            geoms = g.get("geometries")
            if not isinstance(geoms, list):
                raise SourceError(f"{where}.geometries must be a list")
            for i, sub in enumerate(geoms):
                if not isinstance(sub, Mapping):
                    raise SourceError(f"{where}.geometries[{i}] must be an object")
                self._read_geometry(sub, props, fid, f"{where}.geometries[{i}]")
            return
        if kind not in _GEOM_TYPES:
            raise SourceError(f"{where}: unknown geometry type {kind!r}")
        coords = g.get("coordinates")
        if not isinstance(coords, list):
            raise SourceError(f"{where}.coordinates must be a list, got {coords!r}"[:200])
        where = f"{where}.coordinates"
        if kind == "Point":
            lines = [_positions([coords], where)]
        elif kind in ("MultiPoint", "LineString"):
            lines = [_positions(coords, where)] if coords else []
        elif kind in ("MultiLineString", "Polygon"):
            lines = [_positions(c, f"{where}[{i}]") for i, c in enumerate(coords) if c]
            outer = [i == 0 for i, c in enumerate(coords) if c]
        else:
            lines = [_positions(r, f"{where}[{i}][{j}]") for i, poly in enumerate(coords)
                     if isinstance(poly, list) for j, r in enumerate(poly) if r]
            outer = [j == 0 for poly in coords if isinstance(poly, list) for j, r in enumerate(poly) if r]
        if not lines:
            return
        for ll in lines:
            self._lonlat_min = np.minimum(self._lonlat_min, ll.min(axis=0))
            self._lonlat_max = np.maximum(self._lonlat_max, ll.max(axis=0))
        gt = _GEOM_TYPES[kind]
        parts = [_project(ll) for ll in lines]
        if gt == POINT:
            self._items.append(_Item(POINT, [np.concatenate(parts)], props, fid))
        elif gt == POLYGON:
            # GeoJSON rings repeat their first position; our rings are open
            rings = [p[:-1] if len(p) > 1 and (p[0] == p[-1]).all() else p for p in parts]
            self._items.append(_Item(POLYGON, rings, props, fid, outer=outer))
        elif self.line_metrics:
            # geojson-vt explodes multi-lines so each line carries its own clip start/end
            for p in parts:
                line, size = _with_distance(p)
                self._items.append(_Item(LINESTRING, [line], props, fid, size))
        else:
            self._items.append(_Item(LINESTRING, parts, props, fid))

    # --- queries -------------------------------------------------------------------------------

    @property
    def feature_count(self) -> int:
        """Number of drawable features after splitting geometry collections."""
        return len(self._items)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in degrees of all coordinates, or None when empty."""
        if not self._items:
            return None
        return (float(self._lonlat_min[0]), float(self._lonlat_min[1]), float(self._lonlat_max[0]),
                float(self._lonlat_max[1]))

    def get_layers(self, z: int, x: int, y: int) -> dict[str, TileLayer]:
        """``{"_geojson": TileLayer}`` for tile z/x/y (extent ``self.extent``, y down)."""
        key = (z, x, y)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        if self._clusters is not None:
            feats = self._clusters.tile_features(z, x, y, self.extent, self._clusters.radius / 512.0)
        else:
            feats = self._cut(z, x, y)
        layers = {LAYER_NAME: TileLayer(LAYER_NAME, self.extent, feats)}
        with self._lock:
            self._cache[key] = layers
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return layers

    def _cut(self, z: int, x: int, y: int) -> list[Feature]:
        z2 = float(1 << z)
        k = self.buffer
        x0, x1 = (x - k) / z2, (x + 1 + k) / z2
        y0, y1 = (y - k) / z2, (y + 1 + k) / z2
        out: list[Feature] = []
        b = self._bbox
        if b.shape[0] == 0:
            return out
        yhit = (b[:, 1] <= y1) & (b[:, 3] >= y0)
        for shift in (0.0, -1.0, 1.0):  # the world, then copies from the right and left neighbours
            hit = yhit & (b[:, 0] + shift <= x1) & (b[:, 2] + shift >= x0)
            for i in np.flatnonzero(hit).tolist():
                it = self._items[i]
                inside = (b[i, 0] + shift >= x0 and b[i, 2] + shift <= x1 and b[i, 1] >= y0 and b[i, 3] <= y1)
                out.extend(self._clip_item(it, shift, (x0, y0, x1, y1), inside, z2, x, y))
        return out

    def _clip_item(self, it: _Item, shift: float, box: tuple[float, float, float, float], inside: bool,
                   z2: float, tx: int, ty: int) -> list[Feature]:
        x0, y0, x1, y1 = box
        parts = [p + np.array([shift] + [0.0] * (p.shape[1] - 1)) for p in it.parts] if shift else it.parts
        if it.geom_type == POINT:
            pts = parts[0] if inside else clip_points(parts[0], x0, y0, x1, y1)
            if len(pts) == 0:
                return []
            return [Feature(POINT, [self._transform(pts, z2, tx, ty)], it.properties, it.id)]
        if it.geom_type == POLYGON:
            clipped = parts if inside else [clip_ring(p, x0, y0, x1, y1) for p in parts]
            assert it.outer is not None
            kept = [(self._transform(r, z2, tx, ty), o) for r, o in zip(clipped, it.outer, strict=True)
                    if r is not None and len(r) >= 3]
            if not kept:
                return []
            rings = [r for r, _ in kept]
            lens = np.array([len(r) for r in rings])
            ends = np.cumsum(lens)
            areas = ring_areas(np.concatenate(rings), ends - lens, ends).tolist()
            # geojson-vt rewinds exteriors clockwise on screen (positive area here) and holes the other
            # way, so MapLibre's ring classification recovers the GeoJSON structure whatever the input
            # winding. Reversing like a closed ring keeps the first vertex first.
            for i, (_, is_outer) in enumerate(kept):
                if areas[i] != 0 and (areas[i] > 0) != is_outer:
                    rings[i] = np.roll(rings[i][::-1], 1, axis=0)
                    areas[i] = -areas[i]
            polys = classify_rings(rings, areas)
            return [Feature(POLYGON, polys, it.properties, it.id)] if polys else []
        lines = parts if inside else [q for p in parts for q in clip_line(p, x0, y0, x1, y1)]
        if not lines:
            return []
        if self.line_metrics:
            out = []
            for ln in lines:
                props = dict(it.properties)
                size = it.size or 1.0
                props["mapbox_clip_start"] = float(ln[0, 2]) / size
                props["mapbox_clip_end"] = float(ln[-1, 2]) / size
                out.append(Feature(LINESTRING, [self._transform(ln, z2, tx, ty)], props, it.id))
            return out
        return [Feature(LINESTRING, [self._transform(ln, z2, tx, ty) for ln in lines], it.properties, it.id)]

    def _transform(self, pts: np.ndarray, z2: float, tx: int, ty: int) -> np.ndarray:
        out = np.empty((len(pts), 2), dtype=np.float64)
        # JS Math.round (half up), as geojson-vt's transformTile
        out[:, 0] = np.floor(self.extent * (pts[:, 0] * z2 - tx) + 0.5)
        out[:, 1] = np.floor(self.extent * (pts[:, 1] * z2 - ty) + 0.5)
        return out
