"""Style parsing and evaluation (pure Python: no GL, no I/O beyond reading the style file).

Entry points: :func:`parse_style` for a whole style, :func:`compile_expression`,
:func:`compile_property` and :func:`compile_filter` for the pieces.
"""

from __future__ import annotations

from glrender.style.color import Color, parse_color
from glrender.style.expressions import EvalContext, Expression, compile_expression
from glrender.style.filters import Filter, compile_filter
from glrender.style.parse import parse_style
from glrender.style.properties import (
    PropertySpec,
    PropertyValue,
    compile_property,
    layer_properties,
    property_spec,
    resolve_tokens,
)
from glrender.style.spec import Layer, Light, SourceSpec, Style

__all__ = [
    "Color",
    "EvalContext",
    "Expression",
    "Filter",
    "Layer",
    "Light",
    "PropertySpec",
    "PropertyValue",
    "SourceSpec",
    "Style",
    "compile_expression",
    "compile_filter",
    "compile_property",
    "layer_properties",
    "parse_color",
    "parse_style",
    "property_spec",
    "resolve_tokens",
]
