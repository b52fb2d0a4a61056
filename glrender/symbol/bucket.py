"""Symbol buckets: one tile's features of one symbol layer laid out — anchors, shaped glyph quads
with their atlas rectangles, icon names — in layout units independent of the camera. Sizes, paint
values, collision and screen positions are decided later, once per image, by placement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.buckets.base import tile_context
from glrender.geo.camera import TileID
from glrender.symbol.anchors import Anchor
from glrender.symbol.circles import LineCircles, line_circles
from glrender.symbol.feature_anchors import feature_anchors, point_anchor_table
from glrender.symbol.label_text import (
    TEXT_PARAMS,
    empty_text,
    font_stack,
    label_sections,
    text_field_key,
    text_params,
    transform_text,
)
from glrender.symbol.merge import merge_lines
from glrender.symbol.plain_text import GENERAL, plain_quads
from glrender.symbol.resources import SymbolResources
from glrender.text.shaping import (
    ONE_EM,
    Section,
    Shaping,
    anchor_alignment,
    glyph_quad,
    image_quad,
    justify_factor,
    shape_text,
)
from glrender.tiles.features import LINESTRING, Feature


@record
class TextLayout:
    quads: np.ndarray          # (n, 4) x1, y1, x2, y2 in layout pixels (24 px em), unrotated
    tex: np.ndarray            # (n, 4) atlas x, y, w, h
    centers: np.ndarray        # (n,) glyph centre along the line (x), for line placement
    colors: list[Any]          # per glyph: a section colour or None
    box: tuple[float, float, float, float]  # shaping bbox left, top, right, bottom (layout px)
    images: list[str | None] | None = None  # per quad: the inline image it draws, None for a glyph


@record
class SymbolInstance:
    feature: int
    anchor: Anchor
    line: np.ndarray | None            # tile coordinates of the line a line label follows
    text: TextLayout | None
    icon: str | None
    sort_key: float
    text_offset: tuple[float, float]   # layout px
    text_rotate: float                 # degrees
    order: int = 0
    icon_anchor: str = "center"
    icon_offset: tuple[float, float] = (0.0, 0.0)
    icon_rotate: float = 0.0
    label: str = ""
    # text-variable-anchor: the label laid out for each candidate anchor, tried in order by placement
    variants: list[TextLayout] = field(default_factory=list)
    # a label following its line collides as circles along it
    circles: LineCircles | None = None


@record
class SymbolBucket:
    layer_type: str
    tile: TileID
    extent: int
    features: list[Feature]
    instances: list[SymbolInstance] = field(default_factory=list)
    # Arrays placement derives from the instances once (the bucket is cached across renders); shared by
    # the copies placement makes for other world wraps.
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not self.instances


def _inline_images(secs: Sequence[Section], res: SymbolResources) -> dict[str, tuple[float, float, float]]:
    """Inline images of a label that the sprite has: name -> (CSS px width, height, pixel ratio)."""
    names = {s.image for s in secs if s.image is not None}
    if not names:
        return {}
    sheet = res.sprites(1.0)
    out = {}
    for n in names:
        img = sheet.get(n) if sheet is not None else None
        if img is not None:
            out[n] = (img.width / img.pixel_ratio, img.height / img.pixel_ratio, float(img.pixel_ratio))
    return out


def _text_layout(shaping: Shaping, res: SymbolResources, offset: tuple[float, float],
                 along_line: bool, images: dict[str, tuple[float, float, float]] | None = None
                 ) -> TextLayout | None:
    quads, tex, centers, colors = [], [], [], []
    inline: list[str | None] = []
    glyph_rect = res.glyph_rect
    off = (0.0, 0.0) if along_line else offset
    for p in shaping.glyphs:
        if p.image is not None:
            w, h, pr = (images or {})[p.image]
            rect: tuple[int, int, int, int] | None = (0, 0, 0, 0)  # the icon atlas rect comes at placement
            x1, y1, x2, y2 = image_quad(p, (w, h), pr, off)
        else:
            rect = glyph_rect(p.fontstack, p.glyph)
            if rect is None:
                continue  # a space: advances but draws nothing
            x1, y1, x2, y2 = glyph_quad(p, off)
        inline.append(p.image)
        if along_line:
            half = p.glyph.advance * p.scale / 2
            cx = p.x + half
            x1 -= cx
            x2 -= cx
            centers.append(cx)
        else:
            centers.append(0.0)
        quads.append((x1, y1, x2, y2))
        tex.append(rect)
        colors.append(p.section)
    if not quads:
        return None
    return TextLayout(np.array(quads, np.float64), np.array(tex, np.float64), np.array(centers, np.float64),
                      colors, (shaping.left, shaping.top, shaping.right, shaping.bottom),
                      inline if any(n is not None for n in inline) else None)


def build_symbol(layer: Any, features: Sequence[Feature], tile: TileID, extent: int,
                 res: SymbolResources) -> SymbolBucket | None:
    zoom = float(tile.overscaled_z)
    lay = layout = layer.layout
    placement = lay["symbol-placement"].evaluate(zoom)
    has_text = not (lay["text-field"].is_constant and empty_text(lay["text-field"].constant_value))
    has_icon = not (lay["icon-image"].is_constant and lay["icon-image"].constant_value is None)
    if not has_text and not has_icon:
        return None
    overscaling = 2.0 ** (tile.overscaled_z - tile.z)
    tile_px_ratio = extent / (512.0 * overscaling)
    spacing = float(lay["symbol-spacing"].evaluate(zoom)) * tile_px_ratio
    max_angle = math.radians(float(lay["text-max-angle"].evaluate(zoom)))
    text_padding = float(lay["text-padding"].evaluate(zoom)) * tile_px_ratio
    # Labels follow their line only when map-aligned; viewport-aligned ones on lines are drawn as point
    # labels at their anchors, as MapLibre's textAlongLine
    text_map_aligned = lay["text-rotation-alignment"].evaluate(zoom) in ("map", "auto", "viewport-glyph")
    line_height = float(lay["text-line-height"].evaluate(zoom)) * ONE_EM
    sort_prop = lay.get("symbol-sort-key")
    z_order = lay["symbol-z-order"].evaluate(zoom)
    bucket = SymbolBucket("symbol", tile, extent, list(features))
    ctx = tile_context(tile, extent, zoom=zoom)
    along = placement != "point"
    text_along = along and text_map_aligned
    repeats: dict[str, list[tuple[float, float]]] = {}
    todo: list[tuple[int, list[np.ndarray] | None]] = [(i, None) for i in range(len(bucket.features))]
    if placement == "line" and has_text:
        todo = _merged(layer, bucket.features, ctx, zoom)
    point_table: list[list[tuple[Anchor, np.ndarray | None]]] = []
    if placement == "point":
        # Point anchors depend on the geometry alone: a feature in the tile's buffer, outside the tile,
        # gets none and is not laid out at all (half of a dense tile's labels), found for all at once.
        point_table = point_anchor_table(bucket.features, extent)
        todo = [(i, None) for i, a in enumerate(point_table) if a]
    # Layout values the same for every feature of the tile: evaluated once, not once per feature.
    const = {name: pv.evaluate(zoom, ctx=ctx) for name, pv in layout.items() if pv.is_feature_constant}
    const_font = font_stack(const["text-font"]) if "text-font" in const else None
    # The text layout parameters, once for the tile when none of them depends on the feature.
    static_tp = (text_params(const.__getitem__, placement, along) if has_text
                 and all(n in const for n in TEXT_PARAMS) else None)
    size_prop = layout["text-size"]
    # A label whose every text parameter is the same for the whole tile depends on its text alone:
    # features with equal text share one result (house numbers repeat; so do street names, once per
    # piece of line). With a text-field of just ["get", key], even the evaluation is shared.
    shared_text = (has_text and static_tp is not None and const_font is not None
                   and "text-transform" in const and "text-size" in const)
    text_key = text_field_key(lay["text-field"]) if shared_text else None
    memo: dict[Any, tuple[TextLayout | None, list[TextLayout], tuple[float, float], float, str]] = {}

    def label_for(ev: Any, f: Feature) -> tuple[TextLayout | None, list[TextLayout], tuple[float, float], float, str]:
        """A feature's text laid out: (layout, variable-anchor layouts, offset, rotation, label)."""
        font = const_font if const_font is not None else font_stack(ev("text-font"))
        secs = label_sections(ev("text-field"), font, ev("text-transform"))
        if not secs or not any(s.text or s.image for s in secs):
            return None, [], (0.0, 0.0), 0.0, ""
        stacks = _Stacks(secs, res)
        tp = static_tp if static_tp is not None else text_params(ev, placement, along)
        anchor, justify, offset, max_width, spacing_px = tp.anchor, tp.justify, tp.offset, \
            tp.max_width, tp.spacing
        inline = _inline_images(secs, res)
        sizes = {k: (v[0], v[1]) for k, v in inline.items()}
        isize = ibreak = ONE_EM
        if inline:
            isize = float(ev("text-size") or ONE_EM)
            ibreak = float(layout["text-size"].evaluate(zoom + 1, f, ctx=_at(ctx, zoom + 1)) or isize)
            ctx.zoom = zoom
        text = _layout(res, secs, stacks, offset, text_along, inline, max_width=max_width,
                       line_height=line_height, spacing=spacing_px, anchor=anchor,
                       # text-anchor shifts labels along lines too; their lines are centred
                       justify="center" if text_along else justify,
                       translate=(0.0, 0.0) if text_along else offset,
                       images=sizes, layout_size=isize, break_size=ibreak)
        variants: list[TextLayout] = []
        for a, voff, vjustify in tp.candidates:
            vt = _layout(res, secs, stacks, voff, False, inline, max_width=max_width,
                         line_height=line_height, spacing=spacing_px, anchor=a, justify=vjustify,
                         translate=voff, images=sizes, layout_size=isize, break_size=ibreak)
            if vt is not None:
                variants.append(vt)
        if variants:
            text = variants[0]
        label = "".join(s.text for s in secs) if text is not None else ""
        return text, variants, offset, tp.rotate, label

    for fi, lines_override in todo:
        f = bucket.features[fi]
        ctx.feature = f
        point_anchors = point_table[fi] if point_table else None

        def ev(name: str, feat: Feature = f) -> Any:
            if name in const:
                return const[name]
            return layout[name].evaluate(zoom, feat, ctx=ctx)

        text: TextLayout | None = None
        variants: list[TextLayout] = []
        offset = (0.0, 0.0)
        rotate = 0.0
        label = ""
        if has_text:
            mk: Any = None
            if shared_text:
                if text_key is not None:
                    props = f.properties
                    raw = props.get(text_key) if props is not None else None
                    mk = (type(raw), raw)  # 1 and True are equal keys but different labels
                else:
                    value = ev("text-field")
                    mk = (type(value), value)
                try:
                    got = memo.get(mk)
                except TypeError:  # an unhashable value (a list from GeoJSON): laid out on its own
                    mk = got = None
                if got is None:
                    got = label_for(ev, f)
                    if mk is not None:
                        memo[mk] = got
            else:
                got = label_for(ev, f)
            text, variants, offset, rotate, label = got
        icon: str | None = None
        icon_anchor, icon_offset, icon_rotate = "center", (0.0, 0.0), 0.0
        if has_icon:
            img = ev("icon-image")
            if img is not None:
                icon = str(img) or None
            if icon is not None:
                icon_anchor = str(ev("icon-anchor"))
                io = ev("icon-offset") or [0, 0]
                icon_offset = (float(io[0]), float(io[1]))
                icon_rotate = float(ev("icon-rotate") or 0.0)
        if text is None and icon is None:
            continue
        key = 0.0
        if sort_prop is not None and not sort_prop.is_constant:
            key = float(sort_prop.evaluate(zoom, f, ctx=ctx))
        if not math.isfinite(key):
            key = 0.0
        label_len = 0.0
        if text is not None:
            label_len = (text.box[2] - text.box[0])
        if icon is not None and along:
            sheet = res.sprites(1.0)
            im = sheet.get(icon) if sheet is not None else None
            if im is not None:
                # MapLibre compares the icon's CSS px width with the text's layout px directly
                label_len = max(label_len, im.width / im.pixel_ratio)
        # Anchors along lines are spaced with text-size at zoom 18 (MapLibre's textMaxSize). MapLibre Native
        # evaluates a size that depends on zoom only once, at the tile's zoom, so for those it is that size.
        if size_prop.is_feature_constant:
            text_max_size = float(const["text-size"] or 0.0)  # evaluated at the tile's zoom, as below
        else:
            text_max_size = float(size_prop.evaluate(18.0, f, ctx=_at(ctx, 18.0)) or 0.0)
            ctx.zoom = zoom
        box_scale = tile_px_ratio * text_max_size / ONE_EM
        # Collision circles are sized with the layout text size (zoom + 1, or the tile's zoom for a
        # size depending on zoom only, as MapLibre Native evaluates it) and text-padding.
        circle_size = 0.0
        if text is not None and text_along:
            if size_prop.is_feature_constant:
                circle_size = float(const["text-size"] or 0.0) * tile_px_ratio / ONE_EM
            else:
                circle_size = float(size_prop.evaluate(zoom + 1, f, ctx=_at(ctx, zoom + 1)) or 0.0) \
                    * tile_px_ratio / ONE_EM
                ctx.zoom = zoom
        if point_anchors is None:
            point_anchors = feature_anchors(f, lines_override, placement, spacing, max_angle,
                                            label_len * box_scale,
                                            3 / 5 * ONE_EM * box_scale if text is not None else 0.0,
                                            overscaling, extent, box_scale)
        for anchor_pt, line in point_anchors:
            if line is not None and label:
                # Like MapLibre, skip a line label repeating the same text within half a spacing.
                near = repeats.setdefault(label, [])
                if any((anchor_pt.x - x) ** 2 + (anchor_pt.y - y) ** 2 < (spacing / 2) ** 2 for x, y in near):
                    continue
                near.append((anchor_pt.x, anchor_pt.y))
            circles = None
            if circle_size > 0 and line is not None and text is not None:
                left, top, right, bottom = text.box
                circles = line_circles(line, (anchor_pt.x, anchor_pt.y), anchor_pt.segment,
                                       (right - left) * circle_size + 2 * text_padding,
                                       (bottom - top) * circle_size + 2 * text_padding, circle_size, overscaling)
            bucket.instances.append(SymbolInstance(fi, anchor_pt, line, text, icon, key, offset, rotate,
                                                   icon_anchor=icon_anchor, icon_offset=icon_offset,
                                                   icon_rotate=icon_rotate, label=label, variants=variants,
                                                   circles=circles))
    if sort_prop is not None and not sort_prop.is_constant and z_order != "viewport-y":
        bucket.instances.sort(key=lambda s: s.sort_key)  # stable: ties keep feature order
    for i, inst in enumerate(bucket.instances):
        inst.order = i
    return bucket if bucket.instances else None


class _Stacks(dict[str, Any]):
    """The font stacks of a label's sections as shaping reads them (fontstack -> glyphs by code point),
    made on first use: a label whose layout is already cached never looks its glyphs up."""

    def __init__(self, secs: Sequence[Section], res: SymbolResources) -> None:
        super().__init__()
        self._secs, self._res, self._ready = secs, res, False

    def fill(self) -> _Stacks:
        if not self._ready:
            self._ready = True
            for s in self._secs:
                view = self.get(s.fontstack)
                if view is None:
                    view = self[s.fontstack] = self._res.glyphs.stack(s.fontstack)
                view.ensure(s.text)
        return self


_LAYOUT_CACHE_LIMIT = 65536
_NOT_CACHED = object()


def _layout(res: SymbolResources, secs: list[Section], stacks: _Stacks, offset: tuple[float, float],
            along: bool, inline: dict[str, tuple[float, float, float]], **shape: Any) -> TextLayout | None:
    """A label shaped and turned into glyph quads, shared by every label with the same text and layout
    (dense maps repeat house numbers and street names across tiles: Berlin's views shape each distinct
    label about seven times). Layouts are never changed after they are made, so sharing them is safe;
    atlas rects stay valid because the glyph atlas never drops an entry."""
    images = shape.get("images")
    try:
        # every argument the result depends on, in a fixed order (keyword order is the call's)
        key: Any = (tuple(secs), offset, along, shape["anchor"], shape["justify"], shape["translate"],
                    shape["max_width"], shape["line_height"], shape["spacing"], shape["layout_size"],
                    shape["break_size"], tuple(sorted(inline.items())) if inline else None,
                    tuple(sorted(images.items())) if images else None)
        cache: dict[Any, Any] | None = res.layouts
        got = cache.get(key, _NOT_CACHED)  # type: ignore[union-attr]  # one hash of the key, not two
        if got is not _NOT_CACHED:
            return got  # type: ignore[no-any-return]
    except TypeError:  # an unhashable section value (a colour type without hashing): no sharing
        key, cache = None, None
    text: TextLayout | None
    got = GENERAL
    if len(secs) == 1:
        sec = secs[0]
        got = plain_quads(sec, stacks.fill().get(sec.fontstack, {}), res.glyph_rect, offset, along,
                          max_width=shape["max_width"], line_height=shape["line_height"],
                          spacing=shape["spacing"], anchor_align=anchor_alignment(shape["anchor"]),
                          justify=justify_factor(shape["justify"]), translate=shape["translate"],
                          metrics=res.glyph_metrics)
    if got is not GENERAL:
        text = TextLayout(*got) if got is not None else None
    else:
        shaping = shape_text(secs, stacks.fill(), **shape)
        text = _text_layout(shaping, res, offset, along, inline) if shaping is not None else None
        if text is not None:
            text.colors = [secs[i].color for i in text.colors]
    if cache is not None:
        if len(cache) >= _LAYOUT_CACHE_LIMIT:
            cache.clear()
        cache[key] = text
    return text


def _at(ctx: Any, zoom: float) -> Any:
    ctx.zoom = zoom
    return ctx


def _merged(layer: Any, features: list[Feature], ctx: Any, zoom: float) -> list[tuple[int, list[np.ndarray] | None]]:
    items: list[tuple[str | None, list[np.ndarray]]] = []
    for f in features:
        if f.geom_type != LINESTRING:
            items.append((None, []))
            continue
        ctx.feature = f
        v = layer.layout["text-field"].evaluate(zoom, f, ctx=ctx)
        text = None
        if v is not None:
            text = transform_text(str(v), layer.layout["text-transform"].evaluate(zoom, f, ctx=ctx))
        items.append((text, [np.asarray(g, np.float64) for g in f.geometry]))
    out: list[tuple[int, list[np.ndarray] | None]] = []
    for k, lines in merge_lines(items):
        out.append((k, lines if features[k].geom_type == LINESTRING else None))
    return out
