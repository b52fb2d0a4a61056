"""Uniform values as pure functions returning dicts, testable without GL (DESIGN habit 5)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.geo.camera import Camera, TileID
from glrender.geo.camera import translate as mat_translate


def gl_matrix(m: np.ndarray) -> bytes:
    """A float64 row-major 4x4 matrix as the column-major float32 bytes GLSL expects."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


def translation_units(translate: Sequence[float], anchor: str, camera: Camera,
                      units_per_px: float) -> tuple[float, float]:
    """A ``*-translate`` in tile units: CSS pixels on the map plane, rotated with the map when anchored
    to the viewport (MapLibre's translatePosition)."""
    tx, ty = float(translate[0]), float(translate[1])
    if anchor == "viewport" and (tx or ty):
        a = -camera.angle
        c, s = math.cos(a), math.sin(a)
        tx, ty = tx * c - ty * s, tx * s + ty * c
    return tx * units_per_px, ty * units_per_px


def translated(matrix: np.ndarray, translate: Sequence[float], anchor: str, camera: Camera,
               units_per_px: float) -> np.ndarray:
    """MapLibre's translatePosMatrix: shift a tile matrix by CSS pixels, in map or viewport frame."""
    tx, ty = translation_units(translate, anchor, camera, units_per_px)
    if not tx and not ty:
        return matrix
    return matrix @ mat_translate(tx, ty, 0)


def translated_clip_rect(extent: float, shift: tuple[float, float]) -> tuple[float, float, float, float]:
    """The tile square in untranslated tile units: MapLibre's stencil clips translated geometry to the
    tile's own square on screen, so what is shifted past the tile edge is cut off there."""
    tx, ty = shift
    return (-tx, -ty, float(extent) - tx, float(extent) - ty)


def line_uniforms(camera: Camera, tile: TileID, extent: int) -> dict[str, Any]:
    return {
        "u_units_per_px": camera.pixels_to_tile_units(tile, extent),
        "u_units_to_pixels": (camera.width / 2, -camera.height / 2),
        "u_device_pixel_ratio": camera.scale,
    }


def tile_ratio(camera: Camera, tile: TileID, extent: float) -> float:
    """CSS pixels per tile unit at the integer zoom (MapLibre's u_tileratio for dashes): dash patterns
    are laid out at the tile zoom and scale with the map in between."""
    tz = max(0, math.floor(camera.zoom))
    return 512.0 * 2.0 ** (tz - tile.z) / float(extent)


def circle_uniforms(camera: Camera, tile: TileID, extent: int, pitch_alignment: str,
                    pitch_scale: str) -> dict[str, Any]:
    pitch_with_map = pitch_alignment == "map"
    scale_with_map = pitch_scale == "map"
    if pitch_with_map:
        u = camera.pixels_to_tile_units(tile, extent)
        extrude_scale = (u, u)
    else:
        extrude_scale = (2.0 / camera.width, -2.0 / camera.height)
    return {
        "u_scale_with_map": scale_with_map,
        "u_pitch_with_map": pitch_with_map,
        "u_extrude_scale": extrude_scale,
        "u_camera_to_center_distance": camera.camera_to_center_distance,
        "u_device_pixel_ratio": camera.scale,
    }


def light_uniforms(light: Any, camera: Camera, zoom: float) -> dict[str, Any]:
    """MapLibre's extrusion lighting: light position in spherical coordinates, rotated with the map
    when anchored to the viewport."""
    def get(name: str, default: Any) -> Any:
        try:
            prop = light.get(name) if hasattr(light, "get") else getattr(light, name.replace("-", "_"))
            return prop.evaluate(zoom) if hasattr(prop, "evaluate") else prop
        except Exception:
            return default

    anchor = get("anchor", "viewport")
    r, azimuth, polar = [float(v) for v in get("position", [1.15, 210.0, 30.0])]
    color = get("color", (1.0, 1.0, 1.0, 1.0))
    intensity = float(get("intensity", 0.5))
    az = math.radians(azimuth + 90.0)
    po = math.radians(polar)
    pos = np.array([r * math.cos(az) * math.sin(po), r * math.sin(az) * math.sin(po), r * math.cos(po)])
    if anchor == "viewport":
        a = -camera.angle
        c, s = math.cos(a), math.sin(a)
        # mat3.fromRotation(-angle) applied to a vector (rotation about z)
        pos = np.array([c * pos[0] - s * pos[1], s * pos[0] + c * pos[1], pos[2]])
    try:
        cr, cg, cb, _ = (float(v) for v in color)
    except (TypeError, ValueError):
        cr = cg = cb = 1.0
    return {
        "u_lightpos": tuple(float(v) for v in pos),
        "u_lightintensity": intensity,
        "u_lightcolor": (cr, cg, cb),
    }


def raster_uniforms(brightness_min: float, brightness_max: float, saturation: float, contrast: float,
                    hue_rotate: float, opacity: float) -> dict[str, Any]:
    a = math.radians(hue_rotate)
    s, c = math.sin(a), math.cos(a)
    spin = ((2 * c + 1) / 3, (-math.sqrt(3) * s - c + 1) / 3, (math.sqrt(3) * s - c + 1) / 3)
    contrast_f = 1 / (1 - contrast) if contrast > 0 else 1 + contrast
    saturation_f = 1 - 1 / (1.001 - saturation) if saturation > 0 else -saturation
    return {
        "u_brightness_low": brightness_min,
        "u_brightness_high": brightness_max,
        "u_saturation_factor": saturation_f,
        "u_contrast_factor": contrast_f,
        "u_spin_weights": spin,
        "u_opacity": opacity,
    }
