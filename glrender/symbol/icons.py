"""Icons: sprite images packed into an RGBA atlas and their quads (MapLibre's shapeIcon / fitIconToText).

Icon boxes are in CSS pixels at icon-size 1; the placement pass scales them by icon-size. SDF icons are
stored with their alpha (the distance field) in every channel so the SDF shader samples them like glyphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender.text.atlas import PADDING, Atlas
from glrender.text.shaping import anchor_alignment


def premultiplied(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.uint16)
    out = rgba.copy()
    out[..., :3] = (rgba[..., :3].astype(np.uint16) * a + 127) // 255
    return out


def atlas_image(img: Any) -> np.ndarray:
    if img.sdf:
        a = img.rgba[..., 3]
        return np.repeat(a[..., None], 4, axis=2)
    return premultiplied(img.rgba)


def icon_tex(atlas: Atlas, img: Any) -> tuple[float, float, float, float]:
    """Atlas rectangle (x, y, w, h) of the image's pixels, without the atlas padding."""
    key = ("icon", img.name, id(img))
    # an icon already packed is not converted again (placement asks for it on every render)
    got = atlas.get(key)
    x, y, w, h = got if got is not None else atlas.add(key, atlas_image(img))
    return (x + PADDING, y + PADDING, w - 2 * PADDING, h - 2 * PADDING)


def shape_icon(img: Any, offset: tuple[float, float], anchor: str) -> tuple[float, float, float, float]:
    """Icon box (left, top, right, bottom) in CSS px at icon-size 1."""
    w = img.width / img.pixel_ratio
    h = img.height / img.pixel_ratio
    ha, va = anchor_alignment(anchor)
    x1 = offset[0] - w * ha
    y1 = offset[1] - h * va
    return (x1, y1, x1 + w, y1 + h)


def fit_icon_to_text(img: Any, box: tuple[float, float, float, float], text_box: tuple[float, float, float, float],
                     fit: str, padding: list[float], offset: tuple[float, float],
                     scale: float) -> tuple[float, float, float, float]:
    """Stretch or centre the icon box on the text box (scaled by ``scale``), with icon-text-fit-padding."""
    w = img.width / img.pixel_ratio
    h = img.height / img.pixel_ratio
    tl, tt, tr, tb = (v * scale for v in text_box)
    pt, pr, pb, pl = (list(padding) + [0, 0, 0, 0])[:4]
    if fit in ("width", "both"):
        left, right = offset[0] + tl - pl, offset[0] + tr + pr
    else:
        left = offset[0] + (tl + tr - w) / 2
        right = left + w
    if fit in ("height", "both"):
        top, bottom = offset[1] + tt - pt, offset[1] + tb + pb
    else:
        top = offset[1] + (tt + tb - h) / 2
        bottom = top + h
    return (left, top, right, bottom)
