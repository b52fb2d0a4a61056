"""GL side of ``*-pattern`` properties: the atlas texture and per-layer pattern uniforms or attributes.

Cross-faded properties (patterns, dash arrays) are evaluated at the integer zoom: with MapLibre's fade
duration 0 the cross-fade has finished and only the "to" value, taken at floor(zoom), is visible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, cached_feature_attr
from glrender.gpu import gl
from glrender.render.context import FrameContext
from glrender.render.patterns import PatternAtlas, pattern_values, premultiply


class _AtlasHolder:
    """Keeps a renderer's pattern atlas in ``GPU.textures`` (which releases its values on close)."""

    def __init__(self, atlas: PatternAtlas) -> None:
        self.atlas = atlas

    def release(self) -> None:
        self.atlas.data = np.zeros((0, 1, 4), np.uint8)


def pattern_atlas(fc: FrameContext) -> PatternAtlas | None:
    sprites = getattr(fc, "sprites", None)
    if sprites is None:
        return None
    key = ("pattern-atlas", id(sprites))
    holder = fc.gpu.textures.get(key)
    if not isinstance(holder, _AtlasHolder) or holder.atlas.sprites is not sprites:
        holder = _AtlasHolder(PatternAtlas(sprites))
        fc.gpu.textures[key] = holder  # type: ignore[assignment]
    return holder.atlas


def bind_atlas(fc: FrameContext, atlas: PatternAtlas, location: int = 0) -> tuple[float, float]:
    """Upload the atlas when it changed (premultiplied, linear, clamped) and bind it; returns its size."""
    key = ("pattern-tex", id(atlas))
    w, h = atlas.size
    tex = fc.gpu.textures.get(key)
    if tex is None or tex.size != (w, h) or getattr(tex, "extra", None) != atlas.version:
        data = atlas.data if atlas.data.shape[0] else np.zeros((1, w, 4), np.uint8)
        if tex is not None:
            tex.release()
        tex = fc.ctx.texture((w, h), 4, np.ascontiguousarray(premultiply(data)).tobytes())
        tex.filter = (gl.LINEAR, gl.LINEAR)
        tex.repeat_x = tex.repeat_y = False
        tex.extra = atlas.version
        fc.gpu.textures[key] = tex
    tex.use(location)
    return float(w), float(h)


def floor_zoom(fc: FrameContext) -> float:
    return float(math.floor(fc.zoom))


def constant_pattern(fc: FrameContext, layer: Any, name: str, atlas: PatternAtlas | None) -> Any:
    """For a feature-constant pattern: its atlas position, or None when unset or missing (draw nothing)."""
    prop = layer.paint.get(name)
    if prop is None or atlas is None:
        return None
    return atlas.position(prop.evaluate(floor_zoom(fc)))


def pattern_inputs(fc: FrameContext, layer: Any, name: str, atlas: PatternAtlas,
                   bucket: Bucket) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """Uniforms or per-vertex attributes ``pattern`` (tl, br) and ``pixel_ratio`` for one bucket."""
    prop = layer.paint[name]
    z = floor_zoom(fc)
    if prop.is_feature_constant:
        pos = atlas.position(prop.evaluate(z))
        if pos is None:
            return None
        return {"u_pattern": tuple(pos[:4]), "u_pixel_ratio": pos[4]}, {}
    key = (f"pattern:{name}", z, id(atlas))

    def row(ctx: Any, f: Any) -> Any:
        try:
            return prop.evaluate(z, f, ctx=ctx)
        except Exception:  # an image expression that fails draws nothing for that feature
            return None

    cached = cached_feature_attr(bucket, key, z, fc.global_state, row, lambda names: pattern_values(atlas, names),
                                 reads=(prop,))
    return {}, {"pattern": np.ascontiguousarray(cached[:, :4]), "pixel_ratio": np.ascontiguousarray(cached[:, 4:5])}
