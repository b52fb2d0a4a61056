"""Geometry operators: ``within`` and ``distance``.

Feature geometry is in tile coordinates; ``ctx.canonical`` (z, x, y) and ``ctx.extent`` place it on
the globe. ``within`` works in world Mercator units (exact for the tile's own coordinates);
``distance`` works in lon/lat with a "cheap ruler" local metric, as GL JS does, so results match it
to well under a metre at map scales.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, ParsingContext, register

Pt = tuple[float, float]
Ring = list[Pt]


def tile_to_lnglat(px: float, py: float, canonical: tuple[int, int, int], extent: int) -> Pt:
    z, x, y = canonical
    n = 2.0**z
    mx = (px / extent + x) / n
    my = (py / extent + y) / n
    lng = mx * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * my))))
    return (lng, lat)


def _lnglat_to_world(lng: float, lat: float, scale: float) -> Pt:
    x = (180 + lng) / 360
    s = math.sin(math.radians(max(min(lat, 89.9999999), -89.9999999)))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return (x * scale, y * scale)


def _feature_points(ctx: EvalContext) -> list[list[Pt]]:
    """Feature geometry as plain tuples: one list per point set / line / ring."""
    f = ctx.feature
    if f is None:
        return []
    out: list[list[Pt]] = []
    if f.geom_type == 3:
        for poly in f.geometry:
            for ring in poly:
                out.append([(float(p[0]), float(p[1])) for p in ring])
    else:
        for part in f.geometry:
            out.append([(float(p[0]), float(p[1])) for p in part])
    return out


# ---------------------------------------------------------------------------------------------------
# Planar predicates


def _cross(a: Pt, b: Pt, c: Pt) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(p: Pt, a: Pt, b: Pt) -> bool:
    return _cross(a, b, p) == 0 and min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) \
        and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _ring_edges(ring: Sequence[Pt]) -> Iterable[tuple[Pt, Pt]]:
    n = len(ring)
    for i in range(n):
        a, b = ring[i - 1], ring[i]
        if a != b:
            yield a, b


def point_in_polygon(p: Pt, polygon: Sequence[Sequence[Pt]], boundary_inside: bool = False) -> bool:
    """Even-odd test over all rings (holes included); points on an edge count as ``boundary_inside``."""
    inside = False
    for ring in polygon:
        for a, b in _ring_edges(ring):
            if _on_segment(p, a, b):
                return boundary_inside
            if (a[1] > p[1]) != (b[1] > p[1]) and \
                    p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]:
                inside = not inside
    return inside


def segments_intersect(p1: Pt, p2: Pt, q1: Pt, q2: Pt) -> bool:
    """Proper or touching intersection of two segments."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > 0 and d2 < 0) or (d1 < 0 and d2 > 0)) and ((d3 > 0 and d4 < 0) or (d3 < 0 and d4 > 0)):
        return True
    return _on_segment(p1, q1, q2) or _on_segment(p2, q1, q2) or _on_segment(q1, p1, p2) \
        or _on_segment(q2, p1, p2)


def _line_crosses_polygon(line: Sequence[Pt], polygon: Sequence[Sequence[Pt]]) -> bool:
    for i in range(len(line) - 1):
        for ring in polygon:
            for a, b in _ring_edges(ring):
                if segments_intersect(line[i], line[i + 1], a, b):
                    return True
    return False


# ---------------------------------------------------------------------------------------------------
# GeoJSON input


def _polygons_of(geojson: Any) -> list[list[list[Pt]]] | None:
    """Polygon list (lon/lat rings) of a Polygon/MultiPolygon/Feature/FeatureCollection, else None."""
    if not isinstance(geojson, dict):
        return None
    t = geojson.get("type")
    if t == "FeatureCollection":
        polys: list[list[list[Pt]]] = []
        for f in geojson.get("features") or []:
            sub = _polygons_of(f)
            if sub:
                polys.extend(sub)
        return polys or None
    if t == "Feature":
        return _polygons_of(geojson.get("geometry"))
    coords = geojson.get("coordinates")
    if t == "Polygon" and isinstance(coords, list):
        return [[[(float(p[0]), float(p[1])) for p in ring] for ring in coords]]
    if t == "MultiPolygon" and isinstance(coords, list):
        return [[[(float(p[0]), float(p[1])) for p in ring] for ring in poly] for poly in coords]
    return None


def _simple_geometries(geojson: Any) -> list[tuple[str, Any]] | None:
    """(type, lon/lat coordinates) with Multi* split into simple parts, for ``distance``."""
    if not isinstance(geojson, dict):
        return None
    t = geojson.get("type")
    if t == "FeatureCollection":
        out: list[tuple[str, Any]] = []
        for f in geojson.get("features") or []:
            out.extend(_simple_geometries(f) or [])
        return out
    if t == "Feature":
        return _simple_geometries(geojson.get("geometry"))
    if "coordinates" not in geojson:
        return None
    c = geojson["coordinates"]

    def pts(seq: Any) -> list[Pt]:
        return [(float(p[0]), float(p[1])) for p in seq]

    if t == "Point":
        return [("Point", (float(c[0]), float(c[1])))]
    if t == "MultiPoint":
        return [("Point", p) for p in pts(c)]
    if t == "LineString":
        return [("LineString", pts(c))]
    if t == "MultiLineString":
        return [("LineString", pts(line)) for line in c]
    if t == "Polygon":
        return [("Polygon", [pts(r) for r in c])]
    if t == "MultiPolygon":
        return [("Polygon", [pts(r) for r in poly]) for poly in c]
    return None


@register("within")
class Within(Expression):
    type = T.BOOLEAN
    reads_feature = True
    never_constant = True

    def __init__(self, geojson: Any, polygons: list[list[list[Pt]]]) -> None:
        self.geojson = geojson
        self.polygons = polygons
        self._cache: dict[int, list[list[list[Pt]]]] = {}

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"'within' expression requires exactly one argument, but found {len(args) - 1} "
                            f"instead.")
        polys = _polygons_of(args[1])
        if not polys:
            raise ctx.error("'within' expression requires valid geojson object that contains polygon "
                            f"geometry type; found {args[1]!r}.", 1)
        return cls(args[1], polys)

    def _world_polygons(self, scale: float) -> list[list[list[Pt]]]:
        key = int(scale)
        got = self._cache.get(key)
        if got is None:
            got = [[[_lnglat_to_world(lng, lat, scale) for lng, lat in ring] for ring in poly]
                   for poly in self.polygons]
            self._cache[key] = got
        return got

    def evaluate(self, ctx: EvalContext) -> Any:
        f = ctx.feature
        if f is None or ctx.canonical is None or f.geom_type not in (1, 2):
            return False
        z, tx, ty = ctx.canonical
        polys = self._world_polygons((2.0**z) * ctx.extent)
        ox, oy = tx * ctx.extent, ty * ctx.extent
        parts = [[(p[0] + ox, p[1] + oy) for p in part] for part in _feature_points(ctx)]
        if not parts:
            return False
        if f.geom_type == 1:
            return all(any(point_in_polygon(p, poly) for poly in polys) for part in parts for p in part)
        for line in parts:
            ok = False
            for poly in polys:
                if all(point_in_polygon(p, poly) for p in line) and not _line_crosses_polygon(line, poly):
                    ok = True
                    break
            if not ok:
                return False
        return True


class _Ruler:
    """Mapbox "cheap ruler": a local ellipsoidal metric, exact enough within a few hundred km."""

    def __init__(self, lat: float) -> None:
        m = math.radians(1) * 6378.137 * 1000
        coslat = math.cos(math.radians(lat))
        w2 = 1 / (1 - 0.0066943799901413165 * (1 - coslat * coslat))
        w = math.sqrt(w2)
        self.kx = m * w * coslat
        self.ky = m * w * w2 * (1 - 0.0066943799901413165)

    @staticmethod
    def _wrap(d: float) -> float:
        while d < -180:
            d += 360
        while d > 180:
            d -= 360
        return d

    def distance(self, a: Pt, b: Pt) -> float:
        dx = self._wrap(a[0] - b[0]) * self.kx
        dy = (a[1] - b[1]) * self.ky
        return math.hypot(dx, dy)

    def point_to_segment(self, p: Pt, a: Pt, b: Pt) -> float:
        x, y = a
        dx = self._wrap(b[0] - x) * self.kx
        dy = (b[1] - y) * self.ky
        if dx or dy:
            t = (self._wrap(p[0] - x) * self.kx * dx + (p[1] - y) * self.ky * dy) / (dx * dx + dy * dy)
            if t > 1:
                x, y = b
            elif t > 0:
                x += dx / self.kx * t
                y += dy / self.ky * t
        return self.distance(p, (x, y))


def _seg_seg(r: _Ruler, p1: Pt, p2: Pt, q1: Pt, q2: Pt) -> float:
    if segments_intersect(p1, p2, q1, q2):
        return 0.0
    return min(r.point_to_segment(p1, q1, q2), r.point_to_segment(p2, q1, q2),
               r.point_to_segment(q1, p1, p2), r.point_to_segment(q2, p1, p2))


def _set_to_set(r: _Ruler, a: list[Pt], a_line: bool, b: list[Pt], b_line: bool) -> float:
    best = math.inf
    if a_line and b_line and len(a) > 1 and len(b) > 1:
        for i in range(len(a) - 1):
            for j in range(len(b) - 1):
                best = min(best, _seg_seg(r, a[i], a[i + 1], b[j], b[j + 1]))
        return best
    if a_line and len(a) > 1:
        a, b = b, a
        a_line, b_line = b_line, a_line
    # Now a is a point set; b a point set or a line.
    for p in a:
        if b_line and len(b) > 1:
            for j in range(len(b) - 1):
                best = min(best, r.point_to_segment(p, b[j], b[j + 1]))
        else:
            for q in b:
                best = min(best, r.distance(p, q))
    return best


def _points_to_polygon(r: _Ruler, pts: list[Pt], is_line: bool, polygon: list[list[Pt]]) -> float:
    if any(point_in_polygon(p, polygon, True) for p in pts):
        return 0.0
    best = math.inf
    for ring in polygon:
        closed = ring + [ring[0]] if ring and ring[0] != ring[-1] else ring
        best = min(best, _set_to_set(r, pts, is_line, closed, True))
        if best == 0:
            return 0.0
    return best


def _polygon_to_polygon(r: _Ruler, p1: list[list[Pt]], p2: list[list[Pt]]) -> float:
    if any(point_in_polygon(p, p2, True) for ring in p1 for p in ring) or \
            any(point_in_polygon(p, p1, True) for ring in p2 for p in ring):
        return 0.0
    best = math.inf
    for ra in p1:
        ca = ra + [ra[0]] if ra and ra[0] != ra[-1] else ra
        for rb in p2:
            cb = rb + [rb[0]] if rb and rb[0] != rb[-1] else rb
            best = min(best, _set_to_set(r, ca, True, cb, True))
    return best


@register("distance")
class Distance(Expression):
    type = T.NUMBER
    reads_feature = True
    never_constant = True

    def __init__(self, geojson: Any, geometries: list[tuple[str, Any]]) -> None:
        self.geojson = geojson
        self.geometries = geometries

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error(f"'distance' expression requires exactly one argument, but found {len(args) - 1} "
                            f"instead.")
        geoms = _simple_geometries(args[1])
        if geoms is None:
            raise ctx.error("'distance' expression requires valid geojson object that contains polygon "
                            f"geometry type; found {args[1]!r}.", 1)
        return cls(args[1], geoms)

    def evaluate(self, ctx: EvalContext) -> Any:
        f = ctx.feature
        if f is None or ctx.canonical is None:
            return math.nan
        canon, ext = ctx.canonical, ctx.extent
        if f.geom_type in (1, 2):
            # GL JS flattens every part of a multi-geometry into one point set / one line.
            flat = [tile_to_lnglat(p[0], p[1], canon, ext) for part in _feature_points(ctx) for p in part]
            if not flat:
                return math.nan
            is_line = f.geom_type == 2
            r = _Ruler(flat[0][1])
            best = math.inf
            for kind, g in self.geometries:
                if kind == "Point":
                    best = min(best, _set_to_set(r, flat, is_line, [g], False))
                elif kind == "LineString":
                    best = min(best, _set_to_set(r, flat, is_line, g, True))
                else:
                    best = min(best, _points_to_polygon(r, flat, is_line, g))
                if best == 0:
                    return 0.0
            return best
        if f.geom_type == 3:
            polys = [[[tile_to_lnglat(p[0], p[1], canon, ext) for p in ring] for ring in poly]
                     for poly in f.geometry]
            if not polys or not polys[0] or not len(polys[0][0]):
                return math.nan
            r = _Ruler(polys[0][0][0][1])
            best = math.inf
            for kind, g in self.geometries:
                for poly in polys:
                    if kind == "Point":
                        best = min(best, _points_to_polygon(r, [g], False, poly))
                    elif kind == "LineString":
                        best = min(best, _points_to_polygon(r, g, True, poly))
                    else:
                        best = min(best, _polygon_to_polygon(r, poly, g))
                    if best == 0:
                        return 0.0
            return best
        return math.nan
