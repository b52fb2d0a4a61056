"""Screen geometry of symbols: anchors to pixels, label planes, glyphs laid along projected lines."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.geo.camera import Camera, TileID


@record
class View:
    """The camera as placement sees it: CSS pixels of the whole output image."""

    camera: Camera
    pixel: np.ndarray   # world px -> CSS px (homogeneous)
    world: np.ndarray   # world px -> clip
    width: float
    height: float
    ccd: float          # camera-to-centre distance
    # lines projected this frame, shared by the labels along the same line: (id, tile) -> (line, ...)
    lines: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # world (x, y, 0, 1) -> homogeneous CSS px: only the x, y and translation columns matter
        self._xy = np.ascontiguousarray(self.pixel[:, :2].T)
        self._t = self.pixel[:, 3].copy()

    @classmethod
    def of(cls, cam: Camera) -> View:
        return cls(cam, cam.pixel_matrix(), cam.world_matrix(), float(cam.width), float(cam.height),
                   cam.camera_to_center_distance)

    def tile_to_world(self, tile: TileID, extent: int, pts: np.ndarray) -> np.ndarray:
        ws = self.camera.world_size
        ts = ws / 2.0 ** tile.z
        out = np.asarray(pts, np.float64) * (ts / extent)
        out[..., 0] += tile.x * ts + tile.wrap * ws
        out[..., 1] += tile.y * ts
        return out

    def to_screen(self, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World px (N, 2) -> CSS px (N, 2) and w (N,) (camera distance along the view axis)."""
        h = (world if world.ndim == 2 else np.atleast_2d(world)) @ self._xy
        h += self._t
        ww = h[:, 3]
        if ww.all():  # the usual case: no point on the camera plane, no warning to silence
            return h[:, :2] / ww[:, None], ww
        with np.errstate(divide="ignore", invalid="ignore"):
            return h[:, :2] / ww[:, None], ww

    def world_to_clip(self, world: np.ndarray) -> np.ndarray:
        w = world.reshape(-1, 2)
        return np.column_stack([w, np.zeros(len(w)), np.ones(len(w))]) @ self.world.T

    def screen_to_clip(self, px: np.ndarray) -> np.ndarray:
        p = px.reshape(-1, 2)
        out = np.zeros((len(p), 4))
        out[:, 0] = p[:, 0] / self.width * 2 - 1
        out[:, 1] = 1 - p[:, 1] / self.height * 2
        out[:, 3] = 1
        return out


def rotation(rad: float) -> np.ndarray:
    c, s = math.cos(rad), math.sin(rad)
    return np.array([[c, -s], [s, c]])


_CORNER_COLUMNS = np.array([0, 1, 2, 1, 0, 3, 2, 3])


def corners(quads: np.ndarray) -> np.ndarray:
    """(n, 4) x1, y1, x2, y2 -> (n, 4, 2) tl, tr, bl, br (one gather: this runs per label candidate)."""
    return quads[:, _CORNER_COLUMNS].reshape(len(quads), 4, 2)


def _walk(line: np.ndarray, cum: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Points, segment angles and segment indices at distances ``d`` along a polyline; False if any
    falls off."""
    total = cum[-1]
    ok = bool(np.all((d >= 0) & (d <= total)))
    d = np.clip(d, 0, total)
    i = np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(line) - 2)
    seg = cum[i + 1] - cum[i]
    t = np.where(seg > 0, (d - cum[i]) / np.where(seg > 0, seg, 1), 0)
    a, b = line[i], line[i + 1]
    pts = a + (b - a) * t[:, None]
    ang = np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0])
    return pts, ang, i, ok


def _normals(line: np.ndarray) -> np.ndarray:
    """Unit left normals (-dy, dx) per segment; a zero-length segment borrows its neighbour's."""
    d = np.diff(line, axis=0)
    n = np.hypot(d[:, 0], d[:, 1])
    out = np.zeros_like(d)
    good = n > 0
    out[good] = np.column_stack([-d[good, 1], d[good, 0]]) / n[good, None]
    last = None
    for k in range(len(out)):  # forward fill, then backward fill what is left
        if good[k]:
            last = out[k]
        elif last is not None:
            out[k] = last
    last = None
    for k in range(len(out) - 1, -1, -1):
        if good[k]:
            last = out[k]
        elif last is not None and not np.any(out[k]):
            out[k] = last
    return out


def _meet(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray | None:
    """Where the infinite lines p0-p1 and q0-q1 cross (None when parallel)."""
    r, s = p1 - p0, q1 - q0
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-12:
        return None
    t = ((q0[0] - p0[0]) * s[1] - (q0[1] - p0[1]) * s[0]) / den
    return p0 + r * t


def offset_line(line: np.ndarray, offset: float) -> np.ndarray:
    """The polyline moved ``offset`` along its left normals, corners where the moved segments meet.

    This is the path MapLibre walks for text-offset-y along lines: inside a sharp bend the moved
    segments cross early, so the label takes the short way round; outside it goes round the corner.
    """
    nrm = _normals(line) * offset
    out = np.empty_like(line)
    out[0] = line[0] + nrm[0]
    out[-1] = line[-1] + nrm[-1]
    for k in range(1, len(line) - 1):
        a0, a1 = line[k - 1] + nrm[k - 1], line[k] + nrm[k - 1]
        b0, b1 = line[k] + nrm[k], line[k + 1] + nrm[k]
        m = _meet(a0, a1, b0, b1)
        out[k] = m if m is not None else a1
    return out


def along_line(plane_line: np.ndarray, segment: int, anchor: np.ndarray, centers: np.ndarray, flip: bool,
               offset_x: float = 0.0, offset_y: float = 0.0) -> tuple[np.ndarray, np.ndarray, bool]:
    """Positions and angles of glyph centres ``centers`` (plane units from the label centre along the
    line), the label centre ``offset_x`` along the line from the anchor and ``offset_y`` to its left.

    A flipped label (kept upright) mirrors its glyphs about the label centre, as MapLibre's
    placeGlyphAlongLine does; the text offset keeps its direction along the line.
    """
    s = max(0, min(segment, len(plane_line) - 2))
    line = plane_line
    seg_of = np.arange(len(plane_line) - 1)
    if offset_y:
        # walk the moved line, with the anchor moved off its own segment inserted as a vertex
        moved = offset_line(plane_line, offset_y)
        a = anchor + _normals(plane_line)[s] * offset_y
        line = np.vstack([moved[:s + 1], a[None], moved[s + 1:]])
        seg_of = np.concatenate([np.arange(s + 1), np.arange(s, len(plane_line) - 1)])
        base_index, start = s + 1, a
    else:
        base_index, start = s, plane_line[s]
    seg = np.hypot(*np.diff(line, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    base = cum[base_index] + (0.0 if offset_y else float(np.hypot(*(anchor - start))))
    d = base + offset_x + (-centers if flip else centers)
    pts, _ang, idx, ok = _walk(line, cum, d)
    # glyphs turn with the segment of the line itself, not of the moved line
    orig = seg_of[idx]
    a0, a1 = plane_line[orig], plane_line[orig + 1]
    ang = np.arctan2(a1[:, 1] - a0[:, 1], a1[:, 0] - a0[:, 0])
    if flip:
        ang = ang + math.pi
    return pts, ang, ok


def glyph_corners_along(pts: np.ndarray, ang: np.ndarray, quads: np.ndarray, scale: float,
                        offset_y: float) -> np.ndarray:
    """(n, 4, 2) plane corners of glyphs rotated to the line at their centres."""
    c = corners(quads) * scale
    c[..., 1] += offset_y
    cs, sn = np.cos(ang)[:, None], np.sin(ang)[:, None]
    x = c[..., 0] * cs - c[..., 1] * sn
    y = c[..., 0] * sn + c[..., 1] * cs
    return np.stack([x + pts[:, None, 0], y + pts[:, None, 1]], axis=-1)
