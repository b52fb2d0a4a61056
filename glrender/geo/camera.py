"""The camera: MapLibre's transform, as pure numpy (float64) matrices.

Everything here is in MapLibre's conventions so that the same camera puts the same street at the same
pixel: a 512-px world tile at zoom 0, a vertical field of view of 0.6435 rad (36.87 deg), the camera
``0.5 / tan(fov / 2) * height`` CSS pixels from the centre, bearing clockwise, pitch from the zenith.
Matrices use column vectors (``clip = M @ [x, y, z, 1]``); upload ``M.T`` to GLSL (column-major).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.errors import RenderError
from glrender.geo import mercator

FOV = 0.6435011087932844  # MapLibre's default vertical field of view in radians
MAX_PITCH = 85.0
MAX_ZOOM = 24.0
MIN_ZOOM = -2.0  # MapLibre GL JS's default minZoom: the world shrinks below one 512-px tile


def perspective(fovy: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(fovy / 2)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def translate(x: float, y: float, z: float) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = (x, y, z)
    return m


def scale(x: float, y: float, z: float) -> np.ndarray:
    return np.diag([x, y, z, 1.0])


def rotate_x(rad: float) -> np.ndarray:
    c, s = math.cos(rad), math.sin(rad)
    m = np.eye(4)
    m[1, 1], m[1, 2], m[2, 1], m[2, 2] = c, -s, s, c
    return m


def rotate_z(rad: float) -> np.ndarray:
    c, s = math.cos(rad), math.sin(rad)
    m = np.eye(4)
    m[0, 0], m[0, 1], m[1, 0], m[1, 1] = c, -s, s, c
    return m


@functools.lru_cache(maxsize=64)
def _clip_to_pixels(width: float, height: float) -> np.ndarray:
    """Clip space to CSS screen pixels (x right, y down) for a width x height view; the same for every
    camera of that size (read-only, shared)."""
    m = scale(width / 2, -height / 2, 1) @ translate(1, -1, 0)
    m.flags.writeable = False
    return m


@record(frozen=True)
class TileID:
    """A tile to draw: canonical z/x/y of the data, the zoom it is drawn at and its world copy."""

    z: int
    x: int
    y: int
    overscaled_z: int
    wrap: int = 0

    @property
    def canonical(self) -> tuple[int, int, int]:
        return (self.z, self.x, self.y)


@record
class Camera:
    """A view: centre, zoom, bearing, pitch and the output size in CSS pixels times ``scale``."""

    lon: float
    lat: float
    zoom: float
    bearing: float = 0.0
    pitch: float = 0.0
    width: int = 512
    height: int = 512
    scale: float = 1.0
    fov: float = FOV
    roll: float = 0.0  # degrees about the view axis, applied after pitch (MapLibre's roll)
    # matrices and tile covers worked out for this camera (it is never changed in place)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("lon", "lat", "zoom", "bearing", "pitch", "scale", "roll"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v):
                raise RenderError(f"{name} must be a finite number, got {v!r}")
        for name in ("width", "height"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise RenderError(f"{name} must be a positive integer, got {v!r}")
        if not -90 <= self.lat <= 90:
            raise RenderError(f"latitude must be within -90..90, got {self.lat!r}")
        if not 0 <= self.pitch <= MAX_PITCH:
            raise RenderError(f"pitch must be within 0..{MAX_PITCH:g}, got {self.pitch!r}")
        if not MIN_ZOOM <= self.zoom <= MAX_ZOOM:
            raise RenderError(f"zoom must be within {MIN_ZOOM:g}..{MAX_ZOOM:g}, got {self.zoom!r}")
        if self.scale <= 0 or self.scale > 8:
            raise RenderError(f"scale must be within (0, 8], got {self.scale!r}")
        self.lat = max(-mercator.MAX_LAT, min(mercator.MAX_LAT, self.lat))
        self.lon = ((self.lon + 180.0) % 360.0) - 180.0 if not -180 <= self.lon <= 180 else self.lon

    # --- basic quantities -------------------------------------------------------------------------
    @property
    def world_size(self) -> float:
        return mercator.TILE_SIZE * 2.0**self.zoom

    @property
    def device_width(self) -> int:
        return int(round(self.width * self.scale))

    @property
    def device_height(self) -> int:
        return int(round(self.height * self.scale))

    @property
    def angle(self) -> float:
        """MapLibre's ``transform.angle``: minus the bearing, in radians."""
        return -math.radians(self.bearing)

    @property
    def pitch_rad(self) -> float:
        return math.radians(self.pitch)

    @property
    def center_point(self) -> tuple[float, float]:
        """Centre in world pixels at this zoom."""
        ws = self.world_size
        return float(mercator.lon_to_x(self.lon)) * ws, float(mercator.lat_to_y(self.lat)) * ws

    @property
    def camera_to_center_distance(self) -> float:
        return 0.5 / math.tan(self.fov / 2) * self.height

    @property
    def pixels_per_meter(self) -> float:
        return self.world_size / mercator.meters_per_world_unit(self.lat)

    # --- matrices ---------------------------------------------------------------------------------
    def _near_far(self) -> tuple[float, float]:
        half_fov = self.fov / 2
        ccd = self.camera_to_center_distance
        ground_angle = math.pi / 2 + self.pitch_rad
        fov_above_center = self.fov * 0.5
        top_half = math.sin(fov_above_center) * ccd / math.sin(
            min(max(math.pi - ground_angle - fov_above_center, 0.01), math.pi - 0.01)
        )
        furthest = math.cos(math.pi / 2 - self.pitch_rad) * top_half + ccd
        del half_fov
        return self.height / 50.0, furthest * 1.01

    def proj_matrix(self) -> np.ndarray:
        """World pixels (z in metres) to clip space for the whole output."""
        if "proj" not in self._cache:
            # world_matrix's product, one factor on: the same multiplications in the same order
            self._cache["proj"] = self.world_matrix() @ scale(1, 1, self.pixels_per_meter)
        return self._cache["proj"]

    def aligned_proj_matrix(self) -> np.ndarray:
        """``proj_matrix`` nudged by under half a pixel so raster texels land on the pixel grid.

        MapLibre draws raster tiles with this matrix: the centre point is rounded to whole pixels,
        with an extra half pixel for odd viewport sizes, rotated so 90-degree bearings stay crisp.
        """
        if "aligned" not in self._cache:
            x, y = self.center_point
            xs, ys = (self.width % 2) / 2, (self.height % 2) / 2
            c, s = math.cos(self.angle), math.sin(self.angle)
            dx = x - math.floor(x + 0.5) + c * xs + s * ys
            dy = y - math.floor(y + 0.5) + c * ys + s * xs
            shift = translate(dx - 1 if dx > 0.5 else dx, dy - 1 if dy > 0.5 else dy, 0)
            self._cache["aligned"] = self.proj_matrix() @ shift
        return self._cache["aligned"]

    def world_matrix(self) -> np.ndarray:
        """World pixels (z in world pixels, no metre scaling) to clip space."""
        # Kept like proj_matrix (a render asks for it several times; cameras are not changed in place);
        # read-only, since every caller shares the array.
        got = self._cache.get("world")
        if got is None:
            near, far = self._near_far()
            x, y = self.center_point
            m = perspective(self.fov, self.width / self.height, near, far)
            m = m @ scale(1, -1, 1) @ translate(0, 0, -self.camera_to_center_distance)
            m = m @ rotate_z(-math.radians(self.roll))
            got = self._cache["world"] = m @ rotate_x(self.pitch_rad) @ rotate_z(self.angle) @ translate(-x, -y, 0)
            got.flags.writeable = False
        return got

    def tile_matrix(self, tile: TileID, extent: float, proj: np.ndarray | None = None) -> np.ndarray:
        """Tile coordinates (0..extent, z in metres) to clip space."""
        tile_scale = self.world_size / 2.0**tile.z
        pos = translate(tile.x * tile_scale + tile.wrap * self.world_size, tile.y * tile_scale, 0)
        pos = pos @ scale(tile_scale / extent, tile_scale / extent, 1)
        return (self.proj_matrix() if proj is None else proj) @ pos

    def pixels_to_tile_units(self, tile: TileID, extent: float) -> float:
        """How many tile units one CSS pixel spans for this tile at the current zoom."""
        return extent / (self.world_size / 2.0**tile.z)

    # --- pixel <-> ground -------------------------------------------------------------------------
    def pixel_matrix(self) -> np.ndarray:
        """World pixels to CSS screen pixels (x right, y down), homogeneous."""
        got = self._cache.get("pixel")
        if got is None:
            got = self._cache["pixel"] = _clip_to_pixels(self.width, self.height) @ self.world_matrix()
            got.flags.writeable = False
        return got

    def unproject(self, px: np.ndarray) -> np.ndarray:
        """CSS screen pixels (N, 2) to world pixels on the ground plane (N, 2); NaN above the horizon."""
        inv = np.linalg.inv(self.pixel_matrix())
        px = np.atleast_2d(np.asarray(px, dtype=np.float64))
        n = len(px)
        p0 = np.column_stack([px, np.zeros(n), np.ones(n)]) @ inv.T
        p1 = np.column_stack([px, np.ones(n), np.ones(n)]) @ inv.T
        p0 = p0[:, :3] / p0[:, 3:4]
        p1 = p1[:, :3] / p1[:, 3:4]
        dz = p1[:, 2] - p0[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(np.abs(dz) > 1e-12, -p0[:, 2] / dz, np.nan)
        out = p0[:, :2] + (p1[:, :2] - p0[:, :2]) * t[:, None]
        out[(t < 0) | ~np.isfinite(t)] = np.nan
        return out

    def project(self, world_px: np.ndarray) -> np.ndarray:
        """World pixels (N, 2) on the ground to CSS screen pixels (N, 2)."""
        world_px = np.atleast_2d(np.asarray(world_px, dtype=np.float64))
        n = len(world_px)
        p = np.column_stack([world_px, np.zeros(n), np.ones(n)]) @ self.pixel_matrix().T
        return p[:, :2] / p[:, 3:4]

    def view_matrix(self) -> np.ndarray:
        """World pixels to camera space (no perspective)."""
        x, y = self.center_point
        m = scale(1, -1, 1) @ translate(0, 0, -self.camera_to_center_distance)
        return m @ rotate_x(self.pitch_rad) @ rotate_z(self.angle) @ translate(-x, -y, 0)

    def camera_world_position(self) -> np.ndarray:
        """Camera eye in world pixels (x, y, height above the ground in world pixels)."""
        got = self._cache.get("eye")
        if got is None:
            # view_matrix inverted and applied to the origin, worked out by hand (the camera sits
            # camera_to_center_distance from the centre, tilted back by the pitch and turned by the
            # bearing): a 4x4 inverse per render cost more than the rest of the tile cover.
            x, y = self.center_point
            d = self.camera_to_center_distance
            back = math.sin(self.pitch_rad) * d
            a = self.angle
            got = self._cache["eye"] = np.array([x + math.sin(a) * back, y + math.cos(a) * back,
                                                 math.cos(self.pitch_rad) * d])
        return got.copy()


def sub_frustum(full_w: int, full_h: int, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """Clip-space correction that turns the full view's projection into the piece (x0, y0, w, h).

    The piece is given in device pixels from the top-left. Multiplying it on the left of any clip
    matrix gives an off-centre frustum, so pieces rendered separately are exactly pieces of ONE camera.
    """
    xl = -1 + 2 * x0 / full_w
    xr = -1 + 2 * (x0 + w) / full_w
    yt = 1 - 2 * y0 / full_h
    yb = 1 - 2 * (y0 + h) / full_h
    sx = 2 / (xr - xl)
    sy = 2 / (yt - yb)
    m = np.eye(4)
    m[0, 0], m[0, 3] = sx, -(xl + xr) / 2 * sx
    m[1, 1], m[1, 3] = sy, -(yt + yb) / 2 * sy
    return m
