"""The MapLibre expression language: compile JSON expressions once, evaluate them per feature.

>>> e = compile_expression(["*", ["get", "w"], 2], path="paint.line-width", expected="number")
>>> e.evaluate(EvalContext(feature=Feature(1, [], {"w": 3})))
6
"""

from __future__ import annotations

# Operator modules register themselves on import; the order does not matter.
from glrender.style.expressions import (  # noqa: F401
    decisions,
    geo,
    lookup,
    math_ops,
    ramps,
    strings,
    typing_ops,
)
from glrender.style.expressions.base import (
    REGISTRY,
    EvalContext,
    Expression,
    Literal,
    ParsingContext,
    compile_expression,
    is_expression,
)
from glrender.style.expressions.ramps import Interpolate, Step, find_zoom_curve, interpolate_values
from glrender.style.expressions.types import (
    Collator,
    ColorArray,
    Formatted,
    FormattedSection,
    NumberArray,
    Padding,
    ResolvedImage,
    Type,
    VariableAnchorOffsetCollection,
    type_of,
    value_to_string,
)

__all__ = [
    "REGISTRY",
    "Collator",
    "ColorArray",
    "EvalContext",
    "Expression",
    "Formatted",
    "FormattedSection",
    "Interpolate",
    "Literal",
    "NumberArray",
    "Padding",
    "ParsingContext",
    "ResolvedImage",
    "Step",
    "Type",
    "VariableAnchorOffsetCollection",
    "compile_expression",
    "find_zoom_curve",
    "interpolate_values",
    "is_expression",
    "type_of",
    "value_to_string",
]
