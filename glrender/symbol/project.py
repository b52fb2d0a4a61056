"""Screen geometry of symbols: anchors to pixels, label planes, glyphs laid along projected lines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from glrender.geo.camera import Camera, TileID


@dataclass
class View:
    """The camera as placement sees it: CSS pixels of the whole output image."""

    camera: Camera
    pixel: np.ndarray   # world px -> CSS px (homogeneous)
    world: np.ndarray   # world px -> clip
    width: float
    height: float
    ccd: float          # camera-to-centre distance

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
        w = np.atleast_2d(world)
        h = np.column_stack([w, np.zeros(len(w)), np.ones(len(w))]) @ self.pixel.T
        ww = h[:, 3]
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


def corners(quads: np.ndarray) -> np.ndarray:
    """(n, 4) x1, y1, x2, y2 -> (n, 4, 2) tl, tr, bl, br."""
    x1, y1, x2, y2 = quads[:, 0], quads[:, 1], quads[:, 2], quads[:, 3]
    return np.stack([np.stack([x1, y1], -1), np.stack([x2, y1], -1), np.stack([x1, y2], -1),
                     np.stack([x2, y2], -1)], axis=1)


def _walk(line: np.ndarray, cum: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Points and segment angles at distances ``d`` along a polyline; False if any falls off."""
    total = cum[-1]
    ok = bool(np.all((d >= 0) & (d <= total)))
    d = np.clip(d, 0, total)
    i = np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(line) - 2)
    seg = cum[i + 1] - cum[i]
    t = np.where(seg > 0, (d - cum[i]) / np.where(seg > 0, seg, 1), 0)
    a, b = line[i], line[i + 1]
    pts = a + (b - a) * t[:, None]
    ang = np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0])
    return pts, ang, ok


def along_line(plane_line: np.ndarray, segment: int, anchor: np.ndarray, centers: np.ndarray,
               flip: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Positions and angles of glyph centres ``centers`` (plane units from the anchor along the line)."""
    seg = np.hypot(*np.diff(plane_line, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    s = max(0, min(segment, len(plane_line) - 2))
    base = cum[s] + float(np.hypot(*(anchor - plane_line[s])))
    d = base + (-centers if flip else centers)
    pts, ang, ok = _walk(plane_line, cum, d)
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
