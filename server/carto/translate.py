"""Features + CartoCSS at one zoom ─▶ a GeoJSON source and MapLibre style layers.

Every feature carries its resolved values as flat properties (``__<k>_<property>``) for each
symbolizer ``k`` it takes part in; the style layers read them with ``get`` (or use a constant when
all features agree). Style-spec properties that cannot vary per feature (line-cap, dasharray, symbol
placement) split a symbolizer into one style layer per distinct value.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.carto.cartocss import colors
from server.carto.cartocss.evaluate import GEOMETRY_TYPES, Resolved, evaluate, resolve
from server.carto.datasource import Feature

# Sizes (px) past any real map's, clamped: a style asking for a 1e6-px line or marker would make every
# feature cover the whole image and hold the one render thread for hours (CARTO answers such renders
# with "Render timed out"). Measured worst cases at these limits, countries at CARTO zoom 5 on 2 llvmpipe
# cores: 2.6 s for 256-px lines at 2048x2048 (20 s at 1024 px: wide lines are drawn once per covering
# tile), 1.7 s for 1024-px markers on every city, 1.2 s for 256-px labels.
MAX_LINE = 256.0
MAX_WIDTH = 1024.0
MAX_TEXT = 256.0
FONT = "Noto Sans Regular"  # the one bundled font stack; every text-face-name maps to it
Project = Callable[[float, float], tuple[float, float]]  # lon, lat -> image pixels

# Mapnik's defaults (mapnik-reference 3.0.20), which CARTO images show when a property is absent.
DEFAULTS: dict[str, Any] = {
    "polygon-fill": (128, 128, 128, 1.0), "polygon-opacity": 1.0,
    "line-color": (0, 0, 0, 1.0), "line-width": 1.0, "line-opacity": 1.0, "line-cap": "butt",
    "line-join": "miter", "line-offset": 0.0,
    "marker-fill": (0, 0, 255, 1.0), "marker-fill-opacity": 1.0, "marker-opacity": 1.0,
    "marker-line-color": (0, 0, 0, 1.0), "marker-line-width": 0.5, "marker-line-opacity": 1.0,
    "marker-width": 10.0, "marker-allow-overlap": False,
    "text-size": 10.0, "text-fill": (0, 0, 0, 1.0), "text-opacity": 1.0, "text-halo-fill": (255, 255, 255, 1.0),
    "text-halo-radius": 0.0, "text-dx": 0.0, "text-dy": 0.0, "text-wrap-width": 0.0,
    "text-character-spacing": 0.0, "text-allow-overlap": False, "text-placement": "point", "text-transform": "none",
    "text-horizontal-alignment": "auto", "text-vertical-alignment": "auto", "text-align": "auto",
    "text-line-spacing": 0.0, "text-halo-opacity": 1.0, "line-miterlimit": 4.0,
}


@dataclass
class Collisions:
    """Mapnik's collision detector for markers that may not overlap: boxes placed in feature order.

    Boxes are kept in a grid of ``cell``-px cells; a box spanning more than ``MAX_CELLS`` cells (a huge
    marker from a style like ``marker-width: 1e6``) goes to a short list checked one by one instead,
    so a style cannot make the grid take unbounded memory.
    """

    cell: float = 64.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = field(default_factory=dict)
    big: list[tuple[float, float, float, float]] = field(default_factory=list)
    MAX_CELLS = 256

    def place(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        if not all(math.isfinite(v) for v in box):
            return False

        def hit(b: tuple[float, float, float, float]) -> bool:
            return x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1

        if any(hit(b) for b in self.big):
            return False
        i0, i1 = int(x0 // self.cell), int(x1 // self.cell)
        j0, j1 = int(y0 // self.cell), int(y1 // self.cell)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > self.MAX_CELLS:
            if any(hit(b) for boxes in self.grid.values() for b in boxes):
                return False
            self.big.append(box)
            return True
        cells = [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
        for c in cells:
            for b in self.grid.get(c, ()):
                if hit(b):
                    return False
        for c in cells:
            self.grid.setdefault(c, []).append(box)
        return True


@dataclass
class LayerStyle:
    source: dict[str, Any]
    layers: list[dict[str, Any]]


def _value(prop: str, exprs: dict[str, Any], props: dict[str, Any], variables: dict[str, Any]) -> Any:
    if prop in exprs:
        v = evaluate(exprs[prop], props, variables)
        if v is not None:
            return v
    return DEFAULTS.get(prop)


def _num(v: Any, default: float = 0.0) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def _color(v: Any, default: tuple[float, float, float, float], opacity: float = 1.0) -> str:
    if isinstance(v, str):
        c = colors.parse_hex(v) if v.startswith("#") else colors.named(v)
        v = c if c is not None else default
    rgba = v if isinstance(v, tuple) else default
    if opacity != 1.0:
        rgba = (rgba[0], rgba[1], rgba[2], rgba[3] * max(0.0, min(1.0, opacity)))
    return colors.css(rgba)


def text_anchor(horizontal: str, vertical: str, dx: float, dy: float) -> str:
    """MapLibre's text-anchor for Mapnik's alignments. Mapnik names where the text goes relative to the
    point ("left": the text ends at the point), MapLibre which part of the text sits on it, so the sides
    swap. "auto" follows the sign of the displacement, as Mapnik's placement does (dy > 0 is down)."""
    if horizontal not in ("left", "right", "middle"):
        horizontal = "right" if dx > 0 else "left" if dx < 0 else "middle"
    if vertical not in ("top", "bottom", "middle"):
        vertical = "bottom" if dy > 0 else "top" if dy < 0 else "middle"
    h = {"left": "right", "right": "left", "middle": ""}[horizontal]
    v = {"top": "bottom", "bottom": "top", "middle": ""}[vertical]
    return "-".join(x for x in (v, h) if x) or "center"


def _anchor_point(geom: dict[str, Any]) -> list[float] | None:
    """Where Mapnik puts a point-placed marker or label on a line (its middle) or polygon (its centroid)."""
    t = geom["type"]
    if t in ("Polygon", "MultiPolygon"):
        polys = [geom["coordinates"]] if t == "Polygon" else geom["coordinates"]
        best, best_area = None, -1.0
        for poly in polys:
            ring = poly[0]
            a = cx = cy = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                cross = x0 * y1 - x1 * y0
                a += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
            if abs(a) > best_area and a != 0:
                best_area, best = abs(a), [cx / (3 * a), cy / (3 * a)]
        return best
    if t in ("LineString", "MultiLineString"):
        line = geom["coordinates"] if t == "LineString" else max(geom["coordinates"], key=len)
        return list(line[len(line) // 2]) if line else None
    return None


def build(resolved: Resolved, features: list[Feature], prefix: str, px: float = 1.0,
          project: Project | None = None, collisions: Collisions | None = None,
          glyphs: bool = True) -> LayerStyle:
    """The source and style layers of one mapnik layer. ``px`` scales pixel sizes (used when the
    renderer's device pixels differ from CSS pixels)."""
    syms = [(att, sym) for att in resolved.attachments for sym in resolved.symbolizers.get(att, [])]
    index = {key: k for k, key in enumerate(syms)}
    out_features: list[dict[str, Any]] = []
    groups: dict[int, dict[tuple[Any, ...], int]] = {k: {} for k in range(len(syms))}
    variables = resolved.variables
    for f in features:
        gtype = GEOMETRY_TYPES.get(f.geometry["type"], 4)
        per_att = resolve(resolved, f.properties, gtype)
        main: dict[str, Any] = {}
        point: dict[str, Any] = {}
        for att, exprs in per_att.items():
            present = {s for p in exprs if (s := p.split("-", 1)[0])}
            for sym in resolved.symbolizers.get(att, []):
                if sym not in present:
                    continue
                k = index[(att, sym)]
                vals = _symbolizer_values(sym, exprs, f.properties, variables, px)
                if vals is None:
                    continue
                layout_key, paint = vals
                target = main
                if sym in ("marker", "text") and gtype != 1:
                    anchor = _anchor_point(f.geometry)
                    if anchor is None:
                        continue
                    target = point
                    point.setdefault("__anchor", anchor)
                if sym == "marker" and not paint.pop("allow_overlap") and project is not None and collisions:
                    if not _place_marker(f.geometry if gtype == 1 else {"type": "Point",
                                         "coordinates": point["__anchor"]}, paint, project, collisions):
                        continue
                paint.pop("allow_overlap", None)
                g = groups[k].setdefault(layout_key, len(groups[k]))
                target[f"__{k}"] = g
                for name, v in paint.items():
                    target[f"__{k}_{name}"] = v
        if main:
            out_features.append({"type": "Feature", "geometry": f.geometry, "properties": {**f.properties, **main}})
        if point:
            anchor = point.pop("__anchor")
            out_features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": anchor},
                                 "properties": {**f.properties, **point}})
    source = {"type": "geojson", "data": {"type": "FeatureCollection", "features": out_features},
              "maxzoom": 22, "tolerance": 0.25, "buffer": 128}
    layers: list[dict[str, Any]] = []
    for k, (_att, sym) in enumerate(syms):
        for layout_key, g in groups[k].items():
            members = [ft["properties"] for ft in out_features if ft["properties"].get(f"__{k}") == g]
            layers.append(_style_layer(sym, k, g, layout_key, members, prefix, glyphs))
    return LayerStyle(source, layers)


def _text_expression(expr: Any) -> Any:
    """text-name is a Mapnik expression, so carto passes a quoted string through as one: "[name]" and
    "[name] + ' ' + [pop]" read fields. Such a string is parsed as an expression; one that is not an
    expression ("Pop: [pop]") has its [fields] substituted into the text."""
    if expr[0] != "str" or "[" not in expr[1]:
        return expr
    return _string_expression(expr[1])


@functools.lru_cache(maxsize=256)
def _string_expression(text: str) -> Any:
    from server.carto.cartocss.parse import parse
    from server.carto.cartocss.tokens import CartoCSSError

    try:
        rules = parse(f"#l {{ text-name: {text}; }}").rules
        return rules[0].decls[0][1]
    except (CartoCSSError, IndexError):
        parts: list[Any] = []
        for i, piece in enumerate(re.split(r"\[([^\]]+)\]", text)):
            if piece:
                parts.append(("field", piece) if i % 2 else ("str", piece))
        out = parts[0] if parts else ("str", "")
        for part in parts[1:]:
            out = ("bin", "+", out, part)
        return out


def _place_marker(geom: dict[str, Any], paint: dict[str, Any], project: Project, det: Collisions) -> bool:
    points = [geom["coordinates"]] if geom["type"] == "Point" else geom["coordinates"]
    r = paint["circle-radius"] + paint["circle-stroke-width"]
    placed = False
    for lon, lat in points:
        x, y = project(lon, lat)
        placed = det.place((x - r, y - r, x + r, y + r)) or placed
    return placed


def _symbolizer_values(sym: str, exprs: dict[str, Any], props: dict[str, Any], variables: dict[str, Any],
                       px: float) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    def v(name: str) -> Any:
        return _value(name, exprs, props, variables)

    if sym == "polygon":
        return (), {"fill-color": _color(v("polygon-fill"), DEFAULTS["polygon-fill"]),
                    "fill-opacity": _num(v("polygon-opacity"), 1.0)}
    if sym == "line":
        width = min(_num(v("line-width"), 1.0), MAX_LINE)
        if width <= 0:
            return None
        dash = v("line-dasharray") if "line-dasharray" in exprs else None
        dashes: tuple[float, ...] = ()
        if isinstance(dash, list | float | int):
            # Mapnik dashes are pixels, MapLibre's are multiples of the line width.
            dashes = tuple(round(_num(d) / width, 4) for d in (dash if isinstance(dash, list) else [dash]))
        join = str(v("line-join"))
        # Mapnik's miter limit is 4, MapLibre's 2; not data-driven in MapLibre, so it splits layers.
        return (str(v("line-cap")), dashes, _num(v("line-miterlimit"), 4.0)), {
            "line-color": _color(v("line-color"), DEFAULTS["line-color"]), "line-width": width * px,
            "line-opacity": _num(v("line-opacity"), 1.0),
            # Mapnik's positive offset is to the left
            "line-offset": -max(-MAX_WIDTH, min(MAX_WIDTH, _num(v("line-offset")))) * px,
            "line-join": "miter" if join == "miter-revert" else join if join in ("bevel", "round") else "miter"}
    if sym == "marker":
        width = min(_num(v("marker-width"), 10.0), MAX_WIDTH)
        height = min(_num(v("marker-height"), width), MAX_WIDTH) if "marker-height" in exprs else width
        size = (width + height) / 2 if width != height else width
        stroke = max(0.0, min(_num(v("marker-line-width"), 0.5), MAX_WIDTH))
        opacity = _num(v("marker-opacity"), 1.0)
        # Mapnik centres the stroke on the ellipse edge; MapLibre draws it outside the radius.
        return (), {"circle-radius": max(0.0, size / 2 - stroke / 2) * px, "circle-stroke-width": stroke * px,
                    "circle-color": _color(v("marker-fill"), DEFAULTS["marker-fill"]),
                    "circle-opacity": _num(v("marker-fill-opacity"), 1.0) * opacity,
                    "circle-stroke-color": _color(v("marker-line-color"), DEFAULTS["marker-line-color"]),
                    "circle-stroke-opacity": _num(v("marker-line-opacity"), 1.0) * opacity,
                    "allow_overlap": bool(v("marker-allow-overlap"))}
    if sym == "text":
        if "text-name" not in exprs:
            return None
        name = evaluate(_text_expression(exprs["text-name"]), props, variables)
        if name is None or name == "":
            return None
        if isinstance(name, float) and name.is_integer():
            name = int(name)
        size = min(_num(v("text-size"), 10.0), MAX_TEXT)
        if size <= 0:
            return None  # Mapnik draws nothing for a text of no size
        wrap = _num(v("text-wrap-width"))
        placement = "line" if v("text-placement") == "line" else "point"
        transform = str(v("text-transform"))
        dx, dy = _num(v("text-dx")), _num(v("text-dy"))
        justify = str(v("text-align"))
        # Not data-driven in MapLibre, so part of the layer key: line height (Mapnik adds pixels between
        # lines), label spacing along lines and the bend limit (set only when the style sets them).
        line_height = round(1.2 + _num(v("text-line-spacing")) / size, 4) if size else 1.2
        spacing = _num(v("text-spacing")) if "text-spacing" in exprs else 0.0
        max_angle = _num(v("text-max-char-angle-delta"), 45.0) if "text-max-char-angle-delta" in exprs else 45.0
        return (placement, bool(v("text-allow-overlap")), line_height, spacing, max_angle), {
            "text-field": str(name), "text-size": size * px,
            "text-color": _color(v("text-fill"), DEFAULTS["text-fill"]),
            "text-opacity": _num(v("text-opacity"), 1.0),
            "text-halo-color": _color(v("text-halo-fill"), DEFAULTS["text-halo-fill"],
                                      _num(v("text-halo-opacity"), 1.0)),
            "text-halo-width": max(0.0, min(_num(v("text-halo-radius")), MAX_TEXT)) * px,
            "text-offset": [dx / size if size else 0.0, dy / size if size else 0.0],
            "text-anchor": text_anchor(str(v("text-horizontal-alignment")), str(v("text-vertical-alignment")),
                                       dx, dy) if placement == "point" else "center",
            "text-justify": justify if justify in ("left", "right", "center") else "auto",
            "text-max-width": wrap / size if wrap > 0 and size else 1000.0,
            "text-letter-spacing": _num(v("text-character-spacing")) / size if size else 0.0,
            "text-transform": transform if transform in ("uppercase", "lowercase") else "none"}
    return None


_LAYOUT_PROPS = {"line-join", "text-field", "text-size", "text-offset", "text-max-width", "text-letter-spacing",
                 "text-transform", "text-anchor", "text-justify"}


def _style_layer(sym: str, k: int, g: int, layout_key: tuple[Any, ...], members: list[dict[str, Any]],
                 prefix: str, glyphs: bool) -> dict[str, Any]:
    kind = {"polygon": "fill", "line": "line", "marker": "circle", "text": "symbol"}[sym]
    layer: dict[str, Any] = {"id": f"{prefix}-{k}-{g}", "type": kind, "source": prefix,
                             "filter": ["==", ["get", f"__{k}"], g], "paint": {}, "layout": {}}
    head = f"__{k}_"
    names = sorted({key[len(head):] for m in members for key in m if key.startswith(head)})
    for name in names:
        key = head + name
        values = [m[key] for m in members]
        first = values[0]
        const = all(x == first for x in values) and name != "text-field"
        # text-field always reads the property: a constant string would be parsed for {tokens}.
        value = first if const else (["to-string", ["get", key]] if name == "text-field" else ["get", key])
        (layer["layout"] if name in _LAYOUT_PROPS else layer["paint"])[name] = value
    if kind == "line":
        layer["layout"]["line-cap"] = layout_key[0] if layout_key[0] in ("round", "square") else "butt"
        layer["layout"]["line-miter-limit"] = layout_key[2]
        if layout_key[1]:
            layer["paint"]["line-dasharray"] = list(layout_key[1])
    if kind == "fill":
        layer["paint"]["fill-antialias"] = True
    if kind == "symbol":
        layer["layout"].update({"symbol-placement": layout_key[0], "text-allow-overlap": layout_key[1],
                                "text-font": [FONT], "text-padding": 0, "text-line-height": layout_key[2],
                                "text-max-angle": layout_key[4]})
        if layout_key[3] > 0:
            layer["layout"]["symbol-spacing"] = layout_key[3]
        if not glyphs:
            layer["layout"]["visibility"] = "none"
    return layer
