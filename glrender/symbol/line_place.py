"""Labels along lines: glyphs laid along the projected line and the collision shapes they take."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence

import numpy as np

from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.circles import tile_distance, used_circles
from glrender.symbol.project import View, along_line, glyph_corners_along
from glrender.text.shaping import ONE_EM

Box = tuple[float, float, float, float]
Shape = tuple[float, ...]  # a box (x1, y1, x2, y2) or a circle (cx, cy, r)


def line_geometry(view: View, bucket: SymbolBucket, inst: SymbolInstance, tvec: np.ndarray, fs: float,
                  pitch_align: str, keep_upright: bool, size: float = 0.0,
                  anchor: tuple[np.ndarray, np.ndarray, float] | None = None,
                  blocked: Callable[[Sequence[Shape]], bool] | None = None
                  ) -> tuple[np.ndarray | Callable[[], np.ndarray], list[Shape]] | None:
    """Clip-space corners (n, 4, 4) of the glyphs of a line label (or a function computing them, called
    only for labels that get placed) and its collision shapes (CSS px):
    its circles along the line when it has them (``size`` is the text size), else glyph boxes. None
    when the label does not fit on its line. ``anchor``: the label anchor in world px, CSS px and its
    depth when the caller projected it already. ``blocked``: whether circles could not be placed (the
    caller's collision test); a label whose circles are blocked is None too, before its glyphs are fitted
    to the line (most line labels of a dense map are, and fitting is the dearer half)."""
    text = inst.text
    assert text is not None and inst.line is not None
    line_w, sl, behind = _projected(view, bucket, inst.line)
    if anchor is None:
        aw = view.tile_to_world(bucket.tile, bucket.extent, np.array([[inst.anchor.x, inst.anchor.y]]))
        apx, adepth = view.to_screen(aw)
        anchor = (aw[0], apx[0], float(adepth[0]))
    if pitch_align == "map":
        plane_line, plane_anchor = line_w, anchor[0]
    else:
        if behind:
            return None
        plane_line = sl
        plane_anchor = anchor[1]
    centers = text.centers * fs
    ox, oy = inst.text_offset[0] * fs, inst.text_offset[1] * fs
    segment = inst.anchor.segment
    if not oy:
        # the common case, in plain floats: a label has a dozen glyphs and its line a few vertices, too
        # few for numpy calls to pay off
        if inst.circles is not None and size > 0:
            # It collides as circles: its glyphs are only laid out if it gets placed (most do not).
            shapes = circle_shapes(view, bucket, inst, plane_line, plane_anchor, tvec, size, pitch_align, anchor[2])
            if shapes is None or (blocked is not None and blocked(shapes)):
                return None
            fit = _fit_plain(view, bucket, inst, plane_line, pitch_align, plane_anchor, centers, ox, keep_upright)
            if fit is None:
                return None
            fitted = fit

            def glyph_clip() -> np.ndarray:
                return _project(view, _corners_plain(fitted, text.quads, fs), tvec, pitch_align)[0]

            return glyph_clip, list(shapes)
        fit = _fit_plain(view, bucket, inst, plane_line, pitch_align, plane_anchor, centers, ox, keep_upright)
        if fit is None:
            return None
        cw = _corners_plain(fit, text.quads, fs)
    else:
        got2 = _along_numpy(view, plane_line, segment, plane_anchor, centers, ox, oy, pitch_align, keep_upright)
        if got2 is None:
            return None
        cw = glyph_corners_along(got2[0], got2[1], text.quads, fs, 0.0)
    clip, px = _project(view, cw, tvec, pitch_align)
    if inst.circles is None or size <= 0:
        # one box around each glyph, all corners at once
        lo, hi = px.min(axis=1), px.max(axis=1)
        return clip, [(float(a[0]), float(a[1]), float(b[0]), float(b[1])) for a, b in zip(lo, hi, strict=True)]
    shapes = circle_shapes(view, bucket, inst, plane_line, plane_anchor, tvec, size, pitch_align, anchor[2])
    if shapes is None:
        return None
    return clip, list(shapes)


def _along_numpy(view: View, plane_line: np.ndarray, segment: int, plane_anchor: np.ndarray, centers: np.ndarray,
                 ox: float, oy: float, pitch_align: str, keep_upright: bool
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """Glyph centres and angles of a label offset across its line (it walks the moved line)."""

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
    return pts, ang


def _walk_plain(pl: list[list[float]], cum: list[float], s: int, ax: float, ay: float, ds: list[float],
                flip: bool) -> tuple[list[tuple[float, float, float]], bool]:
    """Points and segment angles at distances ``ds`` along the polyline ``pl`` (cumulative lengths
    ``cum``) from the anchor on segment ``s`` (a flipped label turns its glyphs round); False when a
    glyph falls off either end. The same rule
    as ``project.along_line`` without a text offset across the line."""
    total = cum[-1]
    last = len(pl) - 2
    sx, sy = pl[s]
    base = cum[s] + math.hypot(ax - sx, ay - sy)
    out = []
    ok = True
    turn = math.pi if flip else 0.0
    for c in ds:
        d = base + c
        if not 0 <= d <= total:
            ok = False
            d = min(max(d, 0.0), total)
        i = min(max(bisect_right(cum, d) - 1, 0), last)
        c0 = cum[i]
        seg = cum[i + 1] - c0
        t = (d - c0) / seg if seg > 0 else 0.0
        x0, y0 = pl[i]
        x1, y1 = pl[i + 1]
        out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, math.atan2(y1 - y0, x1 - x0) + turn))
    return out, ok


_Fit = tuple[list[list[float]], list[float], int, float, float, list[float], bool]


def _fits(pl: list[list[float]], cum: list[float], s: int, ax: float, ay: float, ds: list[float]) -> bool:
    """Whether every glyph distance lies on the line (``_walk_plain``'s test, without walking)."""
    total = cum[-1]
    sx, sy = pl[s]
    base = cum[s] + math.hypot(ax - sx, ay - sy)
    return all(0 <= base + c <= total for c in ds)


def _fit_plain(view: View, bucket: SymbolBucket, inst: SymbolInstance, plane_line: np.ndarray, pitch_align: str,
               plane_anchor: np.ndarray, centers: np.ndarray, ox: float, keep_upright: bool) -> _Fit | None:
    """Whether a label fits on its line and which way round it reads (kept upright by its first and
    last glyph), with what ``_corners_plain`` needs to lay its glyphs out; None when it does not fit."""
    pl, cum = _plain_line(view, bucket, inst.line, plane_line)  # type: ignore[arg-type]
    s = max(0, min(inst.anchor.segment, len(pl) - 2))
    ax, ay = float(plane_anchor[0]), float(plane_anchor[1])
    cs = centers.tolist()
    ds = [ox + c for c in cs]
    if not _fits(pl, cum, s, ax, ay, ds):
        return None
    if keep_upright and ds:
        if len(ds) > 1:
            pts, _ok = _walk_plain(pl, cum, s, ax, ay, [ds[0], ds[-1]], False)
            ends = [(pts[0][0], pts[0][1]), (pts[-1][0], pts[-1][1])]
        else:
            nx, ny = pl[min(inst.anchor.segment + 1, len(pl) - 1)]
            ends = [(ax, ay), (nx, ny)]
        if pitch_align == "map":
            scr = view.to_screen(np.array(ends, np.float64))[0].tolist()
        else:
            scr = ends
        if scr[1][0] < scr[0][0]:
            ds = [ox - c for c in cs]
            if not _fits(pl, cum, s, ax, ay, ds):
                return None
            return pl, cum, s, ax, ay, ds, True
    return pl, cum, s, ax, ay, ds, False


def _corners_plain(fit: _Fit, quads: np.ndarray, fs: float) -> np.ndarray:
    """Plane corners (n, 4, 2) of a fitting label's glyphs, rotated to the line at their centres."""
    pl, cum, s, ax, ay, ds, flip = fit
    pts, _ok = _walk_plain(pl, cum, s, ax, ay, ds, flip)
    n = len(pts)
    p = np.array(pts, np.float64).reshape(n, 3)
    # math's cos and sin (numpy's may differ in the last bit), the rest as whole columns: the same
    # operations in the same order as corner by corner in Python floats
    cs = np.fromiter((math.cos(a) for _x, _y, a in pts), np.float64, n)
    sn = np.fromiter((math.sin(a) for _x, _y, a in pts), np.float64, n)
    q = quads * fs
    x1, y1, x2, y2 = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    px, py = p[:, 0], p[:, 1]
    out = np.empty((n, 4, 2))
    for c, (xa, ya) in enumerate(((x1, y1), (x2, y1), (x1, y2), (x2, y2))):
        out[:, c, 0] = xa * cs - ya * sn + px
        out[:, c, 1] = xa * sn + ya * cs + py
    return out


def _plain_line(view: View, bucket: SymbolBucket, line: np.ndarray, plane_line: np.ndarray
                ) -> tuple[list[list[float]], list[float]]:
    """The label plane line as Python floats with its cumulative lengths, once per line and frame."""
    key = ("plain", id(plane_line))
    hit = view.lines.get(key)
    if hit is None or hit[0] is not plane_line:
        pl = plane_line.tolist()
        cum = [0.0]
        acc = 0.0
        for (x0, y0), (x1, y1) in zip(pl, pl[1:], strict=False):
            acc += math.hypot(x1 - x0, y1 - y0)
            cum.append(acc)
        hit = view.lines[key] = (plane_line, pl, cum)
    return hit[1], hit[2]


def _projected(view: View, bucket: SymbolBucket, line: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """A label's line in world px and CSS px, and whether any of it lies behind the camera; made once
    per frame for all the labels spaced along the same line."""
    key = (id(line), bucket.tile)
    hit = view.lines.get(key)
    if hit is None or hit[0] is not line:
        line_w = view.tile_to_world(bucket.tile, bucket.extent, line)
        sl, wl = view.to_screen(line_w)
        hit = view.lines[key] = (line, line_w, sl, bool(np.any(wl <= 0)))
    return hit[1], hit[2], hit[3]


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
                  plane_anchor: np.ndarray, tvec: np.ndarray, size: float, pitch_align: str, w: float
                  ) -> list[tuple[float, float, float]] | None:
    """The collision circles (CSS px) a line label uses this frame (``w``: its anchor's depth); None when
    its first or last glyph falls off the line."""
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
    # viewport-aligned labels in pitched views take more of the line than their flat length
    stretch = 1.0 if pitch_align == "map" else w / (math.cos(cam.pitch_rad) * view.ccd)
    ends = []
    pl, _cum = _plain_line(view, bucket, inst.line, plane_line)
    anchor_xy = (float(plane_anchor[0]), float(plane_anchor[1]))
    for g in (float(text.centers[0]), float(text.centers[-1])):
        got = tile_distance(pl, inst.line, inst.anchor.segment, anchor_xy, tile_anchor, g * scale + ox)
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
