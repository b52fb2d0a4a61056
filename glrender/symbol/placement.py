"""The placement pass: ONE collision pass over the whole output image, before any piece is drawn.

Layers are placed from the top of the style down (upper layers win), symbols of a layer in sort-key
order across all its tiles. The result per layer is a ``SymbolDraw`` with vertices already in clip
space of the full image, so every framebuffer piece draws exactly the same labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glrender._memo import kept
from glrender._record import field, record, replace
from glrender.buckets.base import as_vec4, tile_context
from glrender.geo.camera import Camera, TileID
from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.candidates import gather, tile_rank
from glrender.symbol.collision import CollisionGrid, Shape
from glrender.symbol.icon_place import aabb, icon_geometry, moved, translate
from glrender.symbol.icons import icon_tex
from glrender.symbol.line_place import line_geometry
from glrender.symbol.project import View, corners, rotation
from glrender.symbol.quads import Quads, VertexSet, emit_inline_images, emit_text, emit_upright_text
from glrender.text.shaping import ONE_EM

__all__ = ["SymbolDraw", "VertexSet", "place_symbols"]


@record
class SymbolDraw:
    layer: Any
    text: VertexSet | None = None
    icon: VertexSet | None = None
    halo: bool = False
    icon_halo: bool = False
    icon_sdf: bool = False
    text_images: VertexSet | None = None  # inline images of formatted text: RGBA, from the icon atlas
    extras: dict[str, Any] = field(default_factory=dict)


def _overlap(layout: Any, zoom: float, kind: str) -> str:
    v = layout[f"{kind}-overlap"].evaluate(zoom) if f"{kind}-overlap" in layout else None
    if v in ("never", "always", "cooperative"):
        return str(v)
    return "always" if layout[f"{kind}-allow-overlap"].evaluate(zoom) else "never"


_PAINT = ("text-size", "text-color", "text-halo-color", "text-opacity", "text-halo-width", "text-halo-blur",
          "text-translate", "text-translate-anchor", "icon-size", "icon-color", "icon-halo-color",
          "icon-opacity", "icon-halo-width", "icon-halo-blur", "icon-translate", "icon-translate-anchor",
          "icon-padding", "icon-text-fit", "icon-text-fit-padding")
_TEXT_STYLE = ("text-color", "text-halo-color", "text-halo-width", "text-opacity", "text-halo-blur")


class _Paint:
    """Per-feature paint/size values at the camera zoom, evaluated once per (bucket, feature)."""

    def __init__(self, layer: Any, zoom: float, global_state: Any, const: dict[str, Any] | None = None) -> None:
        self.layer = layer
        self.zoom = zoom
        self.global_state = global_state
        self.cache: dict[tuple[int, int, str], Any] = {}
        self.const: dict[str, Any] = self.constants(layer, zoom) if const is None else const
        # text colour, halo and opacity, made once per layer when none depends on the feature
        self.text_style_is_const = all(n in self.const for n in _TEXT_STYLE)
        self.text_style_const: Any = None

    @staticmethod
    def constants(layer: Any, zoom: float) -> dict[str, Any]:
        """The feature-constant values of _PAINT at ``zoom``."""
        out: dict[str, Any] = {}
        for name in _PAINT:
            p = layer.get(name)
            if p.is_feature_constant:
                out[name] = p.evaluate(zoom)
        return out

    def get(self, name: str, bucket: SymbolBucket, fi: int) -> Any:
        if name in self.const:
            return self.const[name]
        key = (id(bucket), fi, name)
        if key not in self.cache:
            ctx = tile_context(bucket.tile, bucket.extent, bucket.features[fi], zoom=self.zoom,
                               global_state=self.global_state)
            self.cache[key] = self.layer.get(name).evaluate(self.zoom, bucket.features[fi], ctx=ctx)
        return self.cache[key]


def place_symbols(camera: Camera, works: Sequence[Any], global_state: Any = None,
                  resources: Any = None) -> dict[str, SymbolDraw]:
    """Place every symbol layer of the frame; returns draws by layer id."""
    view = View.of(camera)
    grid = CollisionGrid(view.width, view.height)
    out: dict[str, SymbolDraw] = {}
    for work in reversed(list(works)):
        if work.layer.type != "symbol":
            continue
        out[work.layer.id] = _place_layer(view, grid, work.layer, work.items, global_state, resources)
    return out


def _alignments(lay: Any, zoom: float, kind: str, placement: str) -> tuple[str, str]:
    rot = lay[f"{kind}-rotation-alignment"].evaluate(zoom)
    pitch = lay[f"{kind}-pitch-alignment"].evaluate(zoom)
    if rot in ("auto", "viewport-glyph"):
        rot = "map" if placement != "point" else "viewport"
    if pitch == "auto":
        pitch = rot
    return rot, pitch


def _pad_shape(b: Shape, p: float) -> Shape:
    if len(b) == 3:
        return b  # a line label's collision circle: text-padding is already in its radius
    return (b[0] - p, b[1] - p, b[2] + p, b[3] + p)


@record(frozen=True)
class _Rules:
    """A symbol layer's placement rules and feature-constant paint at one zoom. The same for every render
    at that zoom, so they are worked out once (``_rules_for``), not for each render."""

    placement: str
    text_overlap: str
    icon_overlap: str
    text_ignore: bool
    icon_ignore: bool
    text_optional: bool
    icon_optional: bool
    padding: float
    rot_align: str
    pitch_align: str
    icon_rot_align: str
    icon_pitch_align: str
    keep_upright: bool
    z_order: str
    by_key: bool
    by_y: bool
    const: dict[str, Any]  # see _Paint.const; never changed after it is made


def _rules(layer: Any, zoom: float) -> _Rules:
    lay = layer.layout
    placement = lay["symbol-placement"].evaluate(zoom)
    z_order = lay["symbol-z-order"].evaluate(zoom)
    by_key = not lay["symbol-sort-key"].is_constant and z_order != "viewport-y"
    rot_align, pitch_align = _alignments(lay, zoom, "text", placement)
    icon_rot_align, icon_pitch_align = _alignments(lay, zoom, "icon", placement)
    return _Rules(
        placement=placement,
        text_overlap=_overlap(lay, zoom, "text"),
        icon_overlap=_overlap(lay, zoom, "icon"),
        text_ignore=bool(lay["text-ignore-placement"].evaluate(zoom)),
        icon_ignore=bool(lay["icon-ignore-placement"].evaluate(zoom)),
        text_optional=bool(lay["text-optional"].evaluate(zoom)),
        icon_optional=bool(lay["icon-optional"].evaluate(zoom)),
        padding=float(lay["text-padding"].evaluate(zoom)),
        rot_align=rot_align,
        pitch_align=pitch_align,
        icon_rot_align=icon_rot_align,
        icon_pitch_align=icon_pitch_align,
        keep_upright=bool(lay["text-keep-upright"].evaluate(zoom)),
        z_order=z_order,
        by_key=by_key,
        by_y=_sort_by_y(lay, zoom, z_order, by_key),
        const=_Paint.constants(layer, zoom),
    )


_RULES_KEPT = 256


def _rules_for(layer: Any, zoom: float, resources: Any) -> _Rules:
    """``_rules``, kept with the renderer's symbol resources (keyed by the layer object itself)."""
    if resources is None:
        return _rules(layer, zoom)
    return kept(resources.placement_rules, _RULES_KEPT, layer, (id(layer), zoom), lambda: _rules(layer, zoom))


def _place_layer(view: View, grid: CollisionGrid, layer: Any, items: Sequence[tuple[TileID, Any]],
                 global_state: Any, resources: Any = None) -> SymbolDraw:
    cam = view.camera
    zoom = cam.zoom
    r = _rules_for(layer, zoom, resources)
    placement = r.placement
    text_overlap, icon_overlap = r.text_overlap, r.icon_overlap
    text_ignore, icon_ignore = r.text_ignore, r.icon_ignore
    text_optional, icon_optional = r.text_optional, r.icon_optional
    padding = r.padding
    rot_align, pitch_align = r.rot_align, r.pitch_align
    icon_rot_align, icon_pitch_align = r.icon_rot_align, r.icon_pitch_align
    keep_upright = r.keep_upright
    z_order, by_key, by_y = r.z_order, r.by_key, r.by_y
    paint = _Paint(layer, zoom, global_state, r.const)
    bearing = math.radians(cam.bearing)
    sheet = resources.sprites(cam.scale) if resources is not None else None
    icon_atlas = resources.icon_atlas(cam.scale) if resources is not None else None

    text_upright = (pitch_align == "viewport" and (rot_align != "map" or bearing == 0.0)
                    and _zero(paint.const.get("text-translate", (1.0,))))
    along_map = placement != "point" and rot_align == "map"
    icon_fit = paint.const.get("icon-text-fit", "x")
    icon_upright = None
    if (icon_pitch_align == "viewport" and (icon_rot_align != "map" or bearing == 0.0)
            and _zero(paint.const.get("icon-translate", (1.0,))) and (not icon_fit or icon_fit == "none")
            and "icon-size" in paint.const and "icon-padding" in paint.const):
        ipad = paint.const["icon-padding"]
        icon_upright = (float(paint.const["icon-size"] or 0.0),
                        float(ipad[0]) if isinstance(ipad, list | tuple) and ipad else 2.0,
                        placement != "point" and icon_rot_align == "map")
    batch = gather(view, grid, items, paint, sheet, padding, text_upright, along_map, icon_upright)
    if batch is None:
        return SymbolDraw(layer)
    cands, anchors_world, screen, wdist = batch.cands, batch.world, batch.screen, batch.w
    keep, sizes, upright, boxes, scales = batch.keep, batch.size, batch.upright, batch.boxes, batch.fs
    icon_fast = batch.icon_upright
    rank = tile_rank([t for t, _ in items], cam.angle)
    order = batch.placement_order(rank, by_key, z_order == "viewport-y")
    placed: list[tuple[tuple, int, Any]] = []
    icon_sdf: bool | None = None
    screen_x, screen_y = screen[:, 0].tolist(), screen[:, 1].tolist()
    var_upright, text_only = batch.var_upright, batch.text_only
    gx0, gy0, gx1, gy1 = grid.x0, grid.y0, grid.x1, grid.y1

    def circles_blocked(shapes: Sequence[Shape]) -> bool:
        """The text test below, for a line label's circles (text-padding is already in their radius)."""
        return not grid.any_inside(shapes) or (text_overlap != "always" and grid.hit_any(shapes, text_overlap))

    def draw_key(ti: int, k: int, inst: SymbolInstance) -> tuple:
        """Where a placed symbol goes in the layer's draw order."""
        if by_key:
            return (inst.sort_key,)
        if by_y:
            return (-rank[ti], screen_y[k], -inst.feature)
        return (-rank[ti], inst.order)

    for k in order:
        if not keep[k]:
            continue
        ti, bucket, inst = cands[k]
        if text_only[k]:
            # Most labels: upright, no icon, one box from the batch. The general path below, inlined.
            x1, y1, x2, y2 = boxes[k]
            if not (x2 >= gx0 and x1 < gx1 and y2 >= gy0 and y1 < gy1):
                continue  # outside the collision area
            if text_overlap != "always" and grid.hit(x1, y1, x2, y2, mode=text_overlap):
                continue
            if not text_ignore:
                grid.insert_box(x1, y1, x2, y2, mode=text_overlap)
            placed.append((draw_key(ti, k, inst), k, (bucket, inst, _UPRIGHT, scales[k], None, None)))
            continue
        fi = inst.feature
        # --- text
        text_geo: Any = None
        fs = 0.0
        size = sizes[k]
        if upright[k]:
            # an upright screen-aligned point label: its box came with the batch, glyphs come at the end
            fs = scales[k]
            text_geo = (None, [boxes[k]])
        elif var_upright[k]:
            # upright with variable anchors: one box per candidate anchor, in plain floats
            fs, pad = batch.var_fs[k], batch.var_pad[k]
            ax, ay = screen_x[k], screen_y[k]
            variants = _variant_instances(inst)
            vgeos: list[tuple[Any, list[Any]]] = []
            for var in variants:
                left, top, right, bottom = var.text.box  # type: ignore[union-attr]
                vgeos.append((_UPRIGHT, [[ax + left * fs - pad, ay + top * fs - pad, ax + right * fs + pad,
                                          ay + bottom * fs + pad]]))
            pick = _pick_variant(grid, vgeos, text_overlap) if len(vgeos) > 1 else 0
            text_geo = vgeos[pick]
            inst = variants[pick]  # the chosen anchor's layout: icon-text-fit and drawing follow it
        elif inst.text is not None:
            if size > 0:
                ratio = view.ccd / wdist[k] if pitch_align == "viewport" else wdist[k] / view.ccd
                pr = min(max(0.5 + 0.5 * ratio, 0.0), 4.0)
                fs = size / ONE_EM * pr
                tvec = translate(paint, "text", bucket, fi, bearing)
                variants = _variant_instances(inst) if inst.variants else [inst]
                geos, owners = [], []
                for var in variants:
                    geo: Any
                    if along_map and var.line is not None:  # a label following its line
                        geo = line_geometry(view, bucket, var, tvec, fs, pitch_align, keep_upright, size,
                                            (anchors_world[k], screen[k], float(wdist[k])),
                                            circles_blocked if len(variants) == 1 else None)
                    else:
                        geo = _text_geometry(view, var, anchors_world[k] + tvec,
                                             moved(view, anchors_world[k], tvec, screen[k]), fs, rot_align,
                                             pitch_align, bearing)
                    if geo is not None:
                        geos.append((geo[0], [_pad_shape(b, padding * pr) for b in geo[1]]))
                        owners.append(var)
                if geos:
                    pick = _pick_variant(grid, geos, text_overlap) if len(geos) > 1 else 0
                    text_geo = geos[pick]
                    inst = owners[pick]  # the chosen anchor's layout: icon-text-fit and drawing follow it
        # --- icon
        icon_geo: Any = None
        img = sheet.get(inst.icon) if (sheet is not None and inst.icon) else None
        if img is not None and icon_fast[k]:
            # an upright screen-aligned icon: its box came with the batch, its corners come at the end
            icon_geo = (_UPRIGHT, batch.icon_cbox[k], batch.icon_scale[k])
        elif img is not None:
            icon_geo = icon_geometry(view, paint, bucket, inst, img, anchors_world[k], screen[k], wdist[k],
                                      icon_rot_align, icon_pitch_align, bearing, size, placement)
        has_text = inst.text is not None and size > 0
        has_icon = icon_geo is not None
        if not has_text and not has_icon:
            continue
        if text_geo is None:
            place_text = False
        elif len(text_geo[1]) == 1:  # one box (most labels): no generator per test
            b = text_geo[1][0]
            place_text = grid.inside(*b) and (text_overlap == "always" or not grid.hit(*b, mode=text_overlap))
        else:
            place_text = grid.any_inside(text_geo[1]) and (
                text_overlap == "always" or not grid.hit_any(text_geo[1], text_overlap))
        place_icon = icon_geo is not None and grid.inside(*icon_geo[1]) and (
            icon_overlap == "always" or not grid.hit(*icon_geo[1], mode=icon_overlap))
        icon_without_text = text_optional or not has_text
        text_without_icon = icon_optional or not has_icon
        if not icon_without_text and not text_without_icon:
            place_text = place_icon = place_text and place_icon
        elif not text_without_icon:
            place_text = place_icon and place_text
        elif not icon_without_text:
            place_icon = place_icon and place_text
        if place_text and not text_ignore and text_geo is not None:
            for b in text_geo[1]:
                grid.insert(*b, mode=text_overlap)
        if place_icon and not icon_ignore and icon_geo is not None:
            grid.insert(*icon_geo[1], mode=icon_overlap)
        if not place_text and not place_icon:
            continue
        if place_icon and icon_sdf is None and img is not None:
            icon_sdf = bool(img.sdf)
        tclip = text_geo[0] if place_text and text_geo else None
        if callable(tclip):
            tclip = tclip()
        elif place_text and upright[k]:
            tclip = _UPRIGHT
        placed.append((draw_key(ti, k, inst), k, (bucket, inst, tclip, fs,
                                     icon_geo if place_icon else None, img)))
    placed.sort(key=lambda t: (t[0], t[1]))
    text_q, icon_q, inline_q = Quads(view), Quads(view), Quads(view)
    halo_any = icon_halo_any = False
    for _key, k, (bucket, inst, clip, fs, icon_geo, img) in placed:
        fi = inst.feature
        if clip is _UPRIGHT:
            if len(inst.text.tex):  # type: ignore[union-attr]
                halo_any |= emit_upright_text(text_q, paint, bucket, inst, float(screen[k, 0]), float(screen[k, 1]),
                                              fs)
        elif clip is not None:
            glyphs_only = inst
            if inst.text is not None and inst.text.images is not None:
                clip, glyphs_only = emit_inline_images(inline_q, paint, bucket, inst, clip, sheet, icon_atlas)
            if glyphs_only.text is not None and len(glyphs_only.text.tex):
                halo_any |= emit_text(text_q, paint, bucket, glyphs_only, clip, fs, pitch_align, cam, view)
        if icon_geo is not None and icon_atlas is not None and bool(img.sdf) == bool(icon_sdf):
            iclip, _box, iscale = icon_geo
            tex = np.array([icon_tex(icon_atlas, img)], np.float64)
            color = np.asarray(as_vec4(paint.get("icon-color", bucket, fi)))
            halo = as_vec4(paint.get("icon-halo-color", bucket, fi))
            hw = float(paint.get("icon-halo-width", bucket, fi) or 0.0)
            icon_halo_any |= hw > 0 and halo[3] > 0
            props = (float(paint.get("icon-opacity", bucket, fi)), hw,
                     float(paint.get("icon-halo-blur", bucket, fi) or 0.0))
            if callable(iclip):  # a map-aligned icon laid out on demand
                iclip = iclip()
            if iclip is _UPRIGHT:
                icon_q.add_upright(batch.icon_box[k:k + 1], float(screen[k, 0]), float(screen[k, 1]), iscale, tex,
                                   iscale, color, halo, props)
            else:
                icon_q.add(iclip, tex, iscale, None, color, halo, props)
    draw = SymbolDraw(layer, text=text_q.build(), icon=icon_q.build(), halo=halo_any, icon_halo=icon_halo_any,
                      icon_sdf=bool(icon_sdf), text_images=inline_q.build())
    draw.extras["icon_atlas"] = icon_atlas
    # Inline images keep their sprite size: drawn flat and unscaled they sample texels exactly.
    tsize = layer.get("text-size")
    draw.extras["text_images_linear"] = bool(cam.pitch != 0 or not tsize.is_zoom_constant)
    # Like MapLibre, unscaled upright icons sample their pixels exactly (nearest); anything else filters.
    isize = layer.get("icon-size")
    needs_linear = any(
        inst.icon_rotate != 0 or (img is not None and img.pixel_ratio != cam.scale)
        for _, _, (_, inst, _, _, _, img) in placed)
    draw.extras["icon_linear"] = bool(
        icon_sdf or not isize.is_constant or isize.constant_value != 1 or cam.pitch != 0
        or icon_pitch_align == "map" or needs_linear or paint.const.get("icon-text-fit", "none") != "none")
    return draw


_UPRIGHT = object()  # marks a placed upright label whose glyph corners Quads computes in one batch


def _zero(v: Any) -> bool:
    """A translate value of zero (or none)."""
    try:
        return not v or not any(float(x) for x in v)
    except (TypeError, ValueError):
        return False


def _variant_instances(inst: SymbolInstance) -> list[SymbolInstance]:
    """The instance once per variable-anchor layout, made once and kept with the (cached) instance."""
    made = inst.__dict__.get("_variant_instances")
    if made is None:
        made = inst.__dict__["_variant_instances"] = [replace(inst, text=v) for v in inst.variants]
    return made


def _pick_variant(grid: CollisionGrid, geos: list[tuple[Any, list[Shape]]], overlap: str) -> int:
    """Index of the first variable-anchor candidate that fits; with overlap allowed, MapLibre first
    looks for one that does not overlap anything and only then takes the first one inside the view."""
    for i, (_clip, boxes) in enumerate(geos):
        if any(grid.inside(*b) for b in boxes) and not any(
                grid.hit(*b, mode="never" if overlap == "always" else overlap) for b in boxes):
            return i
    if overlap == "always":
        for i, (_clip, boxes) in enumerate(geos):
            if any(grid.inside(*b) for b in boxes):
                return i
    return 0


def _sort_by_y(lay: Any, zoom: float, z_order: str, by_key: bool) -> bool:
    if z_order == "viewport-y":
        return True
    if z_order != "auto" or by_key:
        return False
    can_overlap = (_overlap(lay, zoom, "text") != "never" or _overlap(lay, zoom, "icon") != "never"
                   or lay["text-ignore-placement"].evaluate(zoom) or lay["icon-ignore-placement"].evaluate(zoom))
    return bool(can_overlap)


def _text_geometry(view: View, inst: SymbolInstance, anchor_world: np.ndarray, anchor_px: np.ndarray, fs: float,
                   rot_align: str, pitch_align: str,
                   bearing: float) -> tuple[np.ndarray | Callable[[], np.ndarray], list[Shape]] | None:
    """Clip-space corners (n, 4, 4) of the glyphs (or a function computing them) and the collision
    shapes (CSS px) of one point label (labels following their lines: ``line_geometry``)."""
    text = inst.text
    assert text is not None
    rot = math.radians(inst.text_rotate)
    if pitch_align == "map":
        c = corners(text.quads)
        # Glyphs lie on the map plane: world pixels at this zoom are CSS pixels on the ground.
        angle = rot if rot_align == "map" else rot - bearing
        world = anchor_world + (c * fs) @ rotation(angle).T
        world_t = world  # the anchor passed in is already translated
        clip = view.world_to_clip(world_t).reshape(len(c), 4, 4)
        px, _ = view.to_screen(world_t.reshape(-1, 2))
        return clip, [aabb(px)]
    angle = rot - bearing if rot_align == "map" else rot
    left, top, right, bottom = text.box

    def glyph_clip() -> np.ndarray:
        # Only labels that get placed need their glyphs: most candidates of a dense map collide.
        c = corners(text.quads)
        px = anchor_px + (c * fs) @ rotation(angle).T
        return view.screen_to_clip(px).reshape(len(c), 4, 4)

    if not angle:
        # The common upright label: its box in plain floats (numpy costs more than it saves here).
        ax, ay = float(anchor_px[0]), float(anchor_px[1])
        return glyph_clip, [(ax + left * fs, ay + top * fs, ax + right * fs, ay + bottom * fs)]
    bc = np.array([[left, top], [right, top], [left, bottom], [right, bottom]]) * fs @ rotation(angle).T
    return glyph_clip, [aabb(anchor_px + bc)]

