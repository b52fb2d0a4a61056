"""Icons of symbols on screen: their drawn quad and collision box, screen-aligned or lying on the map
(MapLibre's icon quads with icon-size, -rotate, -offset, -translate, -text-fit and -pitch-alignment)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.icons import fit_icon_to_text, shape_icon
from glrender.symbol.project import View, corners, rotation
from glrender.text.shaping import ONE_EM

Box = tuple[float, float, float, float]


def translate(paint: Any, kind: str, bucket: SymbolBucket, fi: int, bearing: float) -> np.ndarray:
    """The translate vector on the map plane in world px: MapLibre moves the anchor before projecting."""
    tr = paint.get(f"{kind}-translate", bucket, fi) or [0, 0]
    tvec = np.array([float(tr[0]), float(tr[1])])
    if paint.get(f"{kind}-translate-anchor", bucket, fi) == "viewport" and bearing:
        tvec = rotation(bearing) @ tvec
    return tvec


def moved(view: View, world: np.ndarray, tvec: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Screen position of a translated anchor (the untranslated one when there is no translation)."""
    if not tvec.any():
        return px
    return view.to_screen((world + tvec)[None])[0][0]


def pad_box(b: Box, p: float) -> Box:
    return (b[0] - p, b[1] - p, b[2] + p, b[3] + p)


def aabb(c: np.ndarray) -> tuple[float, float, float, float]:
    return (float(c[..., 0].min()), float(c[..., 1].min()), float(c[..., 0].max()), float(c[..., 1].max()))


def icon_geometry(view: View, paint: Any, bucket: SymbolBucket, inst: SymbolInstance, img: Any,
                   anchor_world: np.ndarray, anchor_px: np.ndarray, w: float, rot_align: str, pitch_align: str,
                   bearing: float, text_size: float, placement: str
                   ) -> tuple[np.ndarray | Callable[[], np.ndarray], tuple[float, float, float, float], float] | None:
    fi = inst.feature
    isize = float(paint.get("icon-size", bucket, fi) or 0.0)
    if isize <= 0:
        return None
    ratio = view.ccd / w if pitch_align == "viewport" else w / view.ccd
    pr = min(max(0.5 + 0.5 * ratio, 0.0), 4.0)
    scale = isize * pr
    box = shape_icon(img, inst.icon_offset, inst.icon_anchor)
    fit = paint.get("icon-text-fit", bucket, fi)
    if fit and fit != "none" and inst.text is not None:
        pad = paint.get("icon-text-fit-padding", bucket, fi) or [0, 0, 0, 0]
        box = fit_icon_to_text(img, box, inst.text.box, fit, list(pad), inst.icon_offset,
                               (text_size or 16.0) / ONE_EM)
    c = corners(np.array([box], np.float64))[0] * scale
    angle = math.radians(inst.icon_rotate)
    if pitch_align == "map":
        return icon_on_map(view, paint, bucket, inst, c, anchor_world, angle, rot_align, bearing, placement,
                            scale, pr)
    if placement != "point" and inst.line is not None and rot_align == "map":
        seg = inst.anchor.segment
        a, b = inst.line[seg], inst.line[min(seg + 1, len(inst.line) - 1)]
        ends = view.tile_to_world(bucket.tile, bucket.extent, np.array([a, b], np.float64))
        sp = view.to_screen(ends)[0]
        line_angle = math.atan2(sp[1, 1] - sp[0, 1], sp[1, 0] - sp[0, 0])
        flip = bool(paint.layer.layout["icon-keep-upright"].evaluate(paint.zoom)) and abs(line_angle) > math.pi / 2
        angle += line_angle + (math.pi if flip else 0.0)
    elif rot_align == "map":
        angle -= bearing
    tvec = translate(paint, "icon", bucket, fi, bearing)
    anchor_px = moved(view, anchor_world, tvec, anchor_px)
    px = anchor_px + c @ rotation(angle).T
    clip = view.screen_to_clip(px).reshape(1, 4, 4)
    ipad = paint.get("icon-padding", bucket, fi)
    p = float(ipad[0]) if isinstance(ipad, list | tuple) and ipad else 2.0
    # MapLibre's icon collision box turns with icon-rotate only, never with the line
    cbox = aabb(anchor_px + c @ rotation(math.radians(inst.icon_rotate)).T)
    return clip, pad_box(cbox, p * pr), scale


def icon_on_map(view: View, paint: Any, bucket: SymbolBucket, inst: SymbolInstance, c: np.ndarray,
                 anchor_world: np.ndarray, angle: float, rot_align: str, bearing: float, placement: str,
                 scale: float, pr: float
                 ) -> tuple[Callable[[], np.ndarray], tuple[float, float, float, float], float]:
    """An icon lying on the map plane (icon-pitch-alignment map): its corners are world pixels at this
    zoom around the anchor, projected with the map, so it foreshortens and shrinks with distance."""
    fi = inst.feature
    if placement != "point" and inst.line is not None and rot_align == "map":
        seg = inst.anchor.segment
        a, b = inst.line[seg], inst.line[min(seg + 1, len(inst.line) - 1)]
        ends = view.tile_to_world(bucket.tile, bucket.extent, np.array([a, b], np.float64))
        angle += math.atan2(ends[1, 1] - ends[0, 1], ends[1, 0] - ends[0, 0])
        sp = view.to_screen(ends)[0]
        screen_angle = math.atan2(sp[1, 1] - sp[0, 1], sp[1, 0] - sp[0, 0])
        if bool(paint.layer.layout["icon-keep-upright"].evaluate(paint.zoom)) and abs(screen_angle) > math.pi / 2:
            angle += math.pi
    elif rot_align != "map":
        angle += bearing  # kept upright on screen: undo the map's rotation
    tvec = translate(paint, "icon", bucket, fi, bearing)

    def icon_clip() -> np.ndarray:
        # Only icons that get placed need their corners (most oneway arrows of a dense map collide).
        return view.world_to_clip(anchor_world + tvec + c @ rotation(angle).T).reshape(1, 4, 4)

    ipad = paint.get("icon-padding", bucket, fi)
    p = float(ipad[0]) if isinstance(ipad, list | tuple) and ipad else 2.0
    # As for screen-aligned icons, the collision box turns with icon-rotate only, never with the line.
    box_world = anchor_world + tvec + c @ rotation(math.radians(inst.icon_rotate)).T
    px, _ = view.to_screen(box_world)
    return icon_clip, pad_box(aabb(px), p * pr), scale
