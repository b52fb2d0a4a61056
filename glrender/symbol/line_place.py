"""Labels along lines: glyphs laid along the projected line and the collision shapes they take."""

from __future__ import annotations

import numpy as np

from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.project import View, along_line, glyph_corners_along

Box = tuple[float, float, float, float]


def _aabb(c: np.ndarray) -> Box:
    return (float(c[..., 0].min()), float(c[..., 1].min()), float(c[..., 0].max()), float(c[..., 1].max()))


def line_geometry(view: View, bucket: SymbolBucket, inst: SymbolInstance, tvec: np.ndarray, fs: float,
                  pitch_align: str, keep_upright: bool) -> tuple[np.ndarray, list[Box]] | None:
    """Clip-space corners (n, 4, 4) of the glyphs of a line label and its collision boxes (CSS px);
    None when the label does not fit on its line."""
    text = inst.text
    assert text is not None and inst.line is not None
    line_w = view.tile_to_world(bucket.tile, bucket.extent, inst.line)
    anchor_w = view.tile_to_world(bucket.tile, bucket.extent, np.array([[inst.anchor.x, inst.anchor.y]]))[0]
    if pitch_align == "map":
        plane_line, plane_anchor = line_w, anchor_w
    else:
        sl, wl = view.to_screen(line_w)
        if np.any(wl <= 0):
            return None
        plane_line = sl
        plane_anchor = view.to_screen(anchor_w[None])[0][0]
    centers = text.centers * fs
    ox, oy = inst.text_offset[0] * fs, inst.text_offset[1] * fs
    segment = inst.anchor.segment

    def place(flip: bool) -> tuple[np.ndarray, np.ndarray, bool]:
        return along_line(plane_line, segment, plane_anchor, centers, flip, ox, oy)

    pts, ang, ok = place(False)
    if not ok:
        return None
    if keep_upright and len(pts):
        ends = pts[[int(np.argmin(centers)), int(np.argmax(centers))]]
        scr = view.to_screen(ends)[0] if pitch_align == "map" else ends
        if scr[1, 0] < scr[0, 0]:
            pts, ang, ok = place(True)
            if not ok:
                return None
    cw = glyph_corners_along(pts, ang, text.quads, fs, 0.0)
    return _project(view, cw, tvec, pitch_align)


def _project(view: View, cw: np.ndarray, tvec: np.ndarray, pitch_align: str) -> tuple[np.ndarray, list[Box]]:
    if pitch_align == "map":
        world = cw + tvec if tvec.any() else cw
        clip = view.world_to_clip(world.reshape(-1, 2)).reshape(len(cw), 4, 4)
        px = view.to_screen(world.reshape(-1, 2))[0].reshape(len(cw), 4, 2)
    else:
        px = cw + tvec
        clip = view.screen_to_clip(px.reshape(-1, 2)).reshape(len(cw), 4, 4)
    return clip, [_aabb(p) for p in px]
