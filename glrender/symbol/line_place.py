"""Labels along lines: glyphs laid along the projected line and the collision shapes they take."""

from __future__ import annotations

import math

import numpy as np

from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.circles import tile_distance, used_circles
from glrender.symbol.project import View, along_line, glyph_corners_along
from glrender.text.shaping import ONE_EM

Box = tuple[float, float, float, float]
Shape = tuple[float, ...]  # a box (x1, y1, x2, y2) or a circle (cx, cy, r)


def line_geometry(view: View, bucket: SymbolBucket, inst: SymbolInstance, tvec: np.ndarray, fs: float,
                  pitch_align: str, keep_upright: bool, size: float = 0.0
                  ) -> tuple[np.ndarray, list[Shape]] | None:
    """Clip-space corners (n, 4, 4) of the glyphs of a line label and its collision shapes (CSS px):
    its circles along the line when it has them (``size`` is the text size), else glyph boxes. None
    when the label does not fit on its line."""
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
        # MapLibre keeps a label upright by its first and last glyph; a single glyph by the direction
        # of its anchor's segment
        if len(pts) > 1:
            ends = pts[[0, -1]]
        else:
            ends = np.array([plane_anchor, plane_line[min(segment + 1, len(plane_line) - 1)]])
        scr = view.to_screen(ends)[0] if pitch_align == "map" else ends
        if scr[1, 0] < scr[0, 0]:
            pts, ang, ok = place(True)
            if not ok:
                return None
    cw = glyph_corners_along(pts, ang, text.quads, fs, 0.0)
    clip, px = _project(view, cw, tvec, pitch_align)
    if inst.circles is None or size <= 0:
        # one box around each glyph, all corners at once
        lo, hi = px.min(axis=1), px.max(axis=1)
        return clip, [(float(a[0]), float(a[1]), float(b[0]), float(b[1])) for a, b in zip(lo, hi, strict=True)]
    shapes = circle_shapes(view, bucket, inst, plane_line, plane_anchor, tvec, size, pitch_align)
    if shapes is None:
        return None
    return clip, list(shapes)


def _project(view: View, cw: np.ndarray, tvec: np.ndarray, pitch_align: str) -> tuple[np.ndarray, np.ndarray]:
    """Clip-space (n, 4, 4) and CSS px (n, 4, 2) corners of glyphs given on the label plane."""
    if pitch_align == "map":
        world = cw + tvec if tvec.any() else cw
        clip = view.world_to_clip(world.reshape(-1, 2)).reshape(len(cw), 4, 4)
        px = view.to_screen(world.reshape(-1, 2))[0].reshape(len(cw), 4, 2)
    else:
        px = cw + tvec
        clip = view.screen_to_clip(px.reshape(-1, 2)).reshape(len(cw), 4, 4)
    return clip, px


def circle_shapes(view: View, bucket: SymbolBucket, inst: SymbolInstance, plane_line: np.ndarray,
                  plane_anchor: np.ndarray, tvec: np.ndarray, size: float, pitch_align: str
                  ) -> list[tuple[float, float, float]] | None:
    """The collision circles (CSS px) a line label uses this frame; None when its first or last glyph
    falls off the line."""
    circles = inst.circles
    text = inst.text
    assert circles is not None and text is not None and inst.line is not None
    cam = view.camera
    tile = bucket.tile
    px_per_unit = cam.world_size / 2.0 ** tile.z / bucket.extent      # at the camera's zoom
    layout_px_per_unit = 512.0 * 2.0 ** (tile.overscaled_z - tile.z) / bucket.extent
    scale = size / ONE_EM
    ox, oy = inst.text_offset[0] * scale, inst.text_offset[1] * scale
    tile_anchor = np.array([inst.anchor.x, inst.anchor.y], np.float64)
    anchor_w = view.tile_to_world(tile, bucket.extent, tile_anchor[None])
    w = float(view.to_screen(anchor_w)[1][0])
    # viewport-aligned labels in pitched views take more of the line than their flat length
    stretch = 1.0 if pitch_align == "map" else w / (math.cos(cam.pitch_rad) * view.ccd)
    ends = []
    for g in (text.centers[0], text.centers[-1]):
        got = tile_distance(plane_line, inst.line, inst.anchor.segment, plane_anchor, tile_anchor, g * scale + ox)
        if got is None:
            return None
        prev_tile, last_plane, angle = got
        last_tile = last_plane / px_per_unit
        ends.append(prev_tile + last_tile + (stretch - 1) * last_tile * abs(math.sin(angle)))
    del oy  # MapLibre's collision circles stay on the line whatever the text offset across it
    world = view.tile_to_world(tile, bucket.extent, circles.centers)
    if tvec.any():
        world = world + tvec
    screen = view.to_screen(world)[0]
    radius = circles.radius * layout_px_per_unit * (0.5 + 0.5 * view.ccd / w)
    return used_circles(circles, ends[0], ends[1], screen, radius)
