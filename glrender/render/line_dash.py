"""GL side of ``line-dasharray``: the renderer's dash atlas texture and each bucket's ``dash`` values.

``line-dasharray`` is cross-faded like the patterns: with MapLibre's fade duration 0 the "to" value,
taken at floor(zoom), is what shows, and the "from" value (one integer zoom away, towards where the
zoom came from) only narrows the antialiasing when its pattern is shorter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender.buckets.base import Bucket, cached_feature_attr
from glrender.gpu import gl
from glrender.render.context import FrameContext
from glrender.render.draw_common import texture_pixels
from glrender.render.line_atlas import LineAtlas, cross_fade_zooms, dash_value, usable

DASH_UNIT = 2  # texture unit (patterns use 0, gradients 1)


class _AtlasHolder:
    """Keeps a renderer's dash atlas in ``GPU.textures`` (which releases its values on close)."""

    def __init__(self) -> None:
        self.atlas = LineAtlas()

    def release(self) -> None:
        self.atlas = LineAtlas()


def dash_atlas(fc: FrameContext) -> LineAtlas:
    found: Any = fc.gpu.textures.get(("line-atlas",))
    if isinstance(found, _AtlasHolder):
        return found.atlas
    holder = _AtlasHolder()
    fc.gpu.textures[("line-atlas",)] = holder  # type: ignore[assignment]
    return holder.atlas


def bind_dash_atlas(fc: FrameContext, atlas: LineAtlas) -> dict[str, Any]:
    """Upload the atlas when rows were added (linear, repeating as MapLibre's) and bind it.

    ``Renderer(exact=True)`` samples a float copy (``texture_pixels``), padded to a power-of-two height
    so that rows added later in a render leave the coordinates of earlier rows unchanged."""
    key = ("line-atlas-tex", fc.exact)
    tex = fc.gpu.textures.get(key)
    stamp = (id(atlas), atlas.version, atlas.height)
    height = atlas.height
    if fc.exact:
        height = 1 << max(0, atlas.height - 1).bit_length()
    if tex is None or getattr(tex, "extra", None) != stamp:
        if tex is not None:
            tex.release()
        rows = np.zeros((height, atlas.width), np.uint8)
        rows[:atlas.height] = np.asarray(atlas.data).reshape(atlas.height, atlas.width)
        pixels, dtype = texture_pixels(rows, fc.exact)
        tex = fc.ctx.texture((atlas.width, height), 1, pixels, dtype=dtype)
        tex.filter = (gl.LINEAR, gl.LINEAR)
        tex.repeat_x = tex.repeat_y = True
        tex.extra = stamp
        fc.gpu.textures[key] = tex
    tex.use(DASH_UNIT)
    return {"u_dash_image": DASH_UNIT, "u_dash_atlas_size": (float(atlas.width), float(height))}


def dash_layer_active(zoom: float, layer: Any) -> bool:
    """Whether the layer draws dashes at ``zoom``: a data-driven array, or a constant one that is
    usable."""
    prop = layer.paint.get("line-dasharray")
    if prop is None or (prop.is_constant and prop.constant_value is None):
        return False
    if not prop.is_feature_constant:
        return True
    return usable(prop.evaluate(cross_fade_zooms(zoom)[0])) is not None


def _eval(prop: Any, zoom: float, ctx: Any) -> Any:
    ctx.zoom = zoom  # the context carries the zoom expressions see
    return prop.evaluate(zoom, ctx.feature, ctx=ctx)


def dash_inputs(fc: FrameContext, layer: Any, atlas: LineAtlas,
                bucket: Bucket) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The ``dash`` uniform (constant dash array and cap) or per-vertex attribute for one bucket."""
    prop = layer.paint["line-dasharray"]
    cap = layer.layout.get("line-cap")
    z_to, z_from = cross_fade_zooms(fc.zoom)
    if prop.is_feature_constant and (cap is None or cap.is_feature_constant):
        round_cap = cap is not None and cap.evaluate(z_to) == "round"
        value = dash_value(atlas, prop.evaluate(z_to), prop.evaluate(z_from), round_cap)
        return {"u_dash": value}, {}
    key = ("dash", z_to, z_from, id(atlas), atlas.epoch)

    def row(ctx: Any, _f: Any) -> Any:
        round_cap = cap is not None and _eval(cap, z_to, ctx) == "round"
        return dash_value(atlas, _eval(prop, z_to, ctx), _eval(prop, z_from, ctx), round_cap)

    cached = cached_feature_attr(bucket, key, z_to, fc.global_state, row,
                                 lambda rows: np.asarray(rows, np.float32).reshape(-1, 4), reads=(prop, cap))
    return {}, {"dash": cached}
