from __future__ import annotations

from typing import Any

from glrender.style.expressions import EvalContext, compile_expression
from glrender.tiles.features import Feature


def feature(props: dict[str, Any] | None = None, geom_type: int = 1, fid: Any = None,
            geometry: list[Any] | None = None) -> Feature:
    return Feature(geom_type, geometry if geometry is not None else [], props or {}, fid)


def ev(expr: Any, props: dict[str, Any] | None = None, *, expected: str | None = None, zoom: float = 0.0,
       fid: Any = None, geom_type: int = 1, **ctx: Any) -> Any:
    """Compile and evaluate ``expr`` for a point feature with ``props``."""
    e = compile_expression(expr, path="test", expected=expected)
    return e.evaluate(EvalContext(zoom=zoom, feature=feature(props, geom_type, fid), **ctx))
