"""A label's text as symbol layout reads it from the style: its sections, font stack, case
transform, and the text layout parameters (anchor, justification, offsets, variable anchors), which
are computed once per tile when none of them depends on the feature."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from glrender.style.expressions import types as T
from glrender.symbol.variable import candidate_anchors, justify_for
from glrender.text.shaping import ONE_EM, Section, anchor_alignment


def transform_text(s: str, how: str) -> str:
    if how == "uppercase":
        return s.upper()
    if how == "lowercase":
        return s.lower()
    return s


def label_sections(value: Any, font: str, transform: str) -> list[Section]:
    if value is None:
        return []
    if not isinstance(value, T.Formatted):
        # A plain value is one section of its text in the layer's font: what the loop below makes of
        # Formatted.from_string(str(value)), without building it (every label of a tile comes here).
        return [Section(transform_text(str(value), transform), font)]
    if len(value.sections) == 1:
        s = value.sections[0]
        if (s.image is None and s.scale is None and s.font_stack is None and s.text_color is None
                and s.vertical_align is None):
            return [Section(transform_text(s.text, transform), font)]  # the loop's result for it
    out = []
    for s in value.sections:
        scale = float(s.scale) if s.scale is not None else 1.0
        if s.image is not None and not s.text:
            name = str(s.image)
            if name and getattr(s.image, "available", True):
                out.append(Section("", s.font_stack or font, scale, None, s.vertical_align, image=name))
            continue
        out.append(Section(transform_text(s.text, transform), s.font_stack or font, scale, s.text_color,
                           s.vertical_align))
    return out


def font_stack(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v)
    return str(v) if v else "Open Sans Regular,Arial Unicode MS Regular"


# The layout properties text_params reads.
TEXT_PARAMS = ("text-anchor", "text-justify", "text-offset", "text-max-width", "text-letter-spacing",
                "text-size", "text-padding", "text-variable-anchor-offset", "text-variable-anchor",
                "text-radial-offset", "text-rotate")


class TextParams(NamedTuple):
    anchor: str
    justify: str
    offset: tuple[float, float]        # text-offset in layout px
    max_width: float
    spacing: float                     # letter spacing in layout px
    candidates: list[tuple[str, tuple[float, float], str]]  # variable anchors: (anchor, offset, justify)
    rotate: float


def text_params(ev: Callable[[str], Any], placement: str, along: bool) -> TextParams:
    """A label's text layout parameters from its layout property values (``ev(name)``)."""
    anchor = ev("text-anchor")
    justify = ev("text-justify")
    if justify == "auto":
        justify = "right" if anchor.endswith("right") else "left" if anchor.endswith("left") else "center"
    off = ev("text-offset") or [0, 0]
    offset = (float(off[0]) * ONE_EM, float(off[1]) * ONE_EM)
    max_width = float(ev("text-max-width")) * ONE_EM if placement == "point" else math.inf
    spacing_px = float(ev("text-letter-spacing")) * ONE_EM
    candidates: list[tuple[str, tuple[float, float], str]] = []
    if not along:
        # MapLibre moves a label to each anchor by its collision box, text-padding included,
        # so candidates sit a padding further out than a fixed anchor would put them.
        vsize = float(ev("text-size") or ONE_EM)
        vpad = 2 * float(ev("text-padding") or 0.0) * ONE_EM / vsize if vsize > 0 else 0.0
        for a, voff in candidate_anchors(ev("text-variable-anchor-offset"), ev("text-variable-anchor"),
                                         float(ev("text-radial-offset") or 0.0), off):
            ha, va = anchor_alignment(a)
            voff = (voff[0] + (0.5 - ha) * vpad, voff[1] + (0.5 - va) * vpad)
            candidates.append((a, voff, justify_for(a, ev("text-justify"))))
    return TextParams(anchor, justify, offset, max_width, spacing_px, candidates, float(ev("text-rotate") or 0.0))


def empty_text(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, T.Formatted):
        return v.is_empty()
    return str(v) == ""


def text_field_key(pv: Any) -> str | None:
    """The feature property a text-field is, when it is just ``["get", key]`` (read as formatted
    text): then a label depends on that one value, and layout can share the work between features
    with equal values. None for any other text-field."""
    from glrender.style.expressions.base import Literal
    from glrender.style.expressions.compound import Compound
    from glrender.style.expressions.typing_ops import Coercion

    e = getattr(pv, "expression", None)
    if not isinstance(e, Coercion) or e.type.kind != "formatted":  # ({token} strings are constants)
        return None
    if len(e.args) != 1:
        return None
    g = e.args[0]
    if not (isinstance(g, Compound) and g.name == "get" and len(g.args) == 1 and isinstance(g.args[0], Literal)):
        return None
    key = g.args[0].value
    return key if isinstance(key, str) else None
