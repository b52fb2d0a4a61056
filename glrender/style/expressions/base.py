"""Core of the expression engine: evaluation context, the Expression base class, the parser.

Each operator is a class with ``parse(args, ctx)`` (a classmethod that validates and type-checks the
JSON at compile time, raising ExpressionError with the JSON path) and ``evaluate(ctx)``. Operators
register themselves by name in REGISTRY, so adding one means adding a class, never editing a chain.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from glrender._record import record
from glrender.errors import EvaluationError, ExpressionError
from glrender.style._js import is_number
from glrender.style.expressions import types as T

if TYPE_CHECKING:
    from glrender.tiles.features import Feature

_EMPTY: Mapping[str, Any] = {}


@record
class EvalContext:
    """Everything an expression may read while it is evaluated for one feature at one zoom."""

    zoom: float = 0.0
    feature: Feature | None = None
    canonical: tuple[int, int, int] | None = None
    extent: int = 4096
    global_state: Mapping[str, Any] | None = None
    feature_state: Mapping[str, Any] | None = None
    line_progress: float | None = None
    heatmap_density: float | None = None
    elevation: float | None = None
    accumulated: Any = None
    # Image names the sprite holds; None means "assume every image exists".
    available_images: Collection[str] | None = None

    def properties(self) -> Mapping[str, Any]:
        f = self.feature
        return f.properties if f is not None and f.properties is not None else _EMPTY

    def feature_id(self) -> Any:
        return self.feature.id if self.feature is not None else None

    def geometry_type(self) -> str | None:
        # The spec reports simple types: a MultiPolygon feature is a "Polygon" here.
        if self.feature is None:
            return None
        return ("Unknown", "Point", "LineString", "Polygon")[self.feature.geom_type] \
            if 0 <= self.feature.geom_type <= 3 else "Unknown"


class Expression:
    """A compiled expression node."""

    type: T.Type = T.VALUE
    # Which inputs the node reads itself (children are checked by the properties below).
    reads_zoom: bool = False
    reads_feature: bool = False
    reads_feature_state: bool = False
    reads_global_state: bool = False
    # Inputs that only certain properties provide (heatmap-density, line-progress, ...).
    reads_globals: tuple[str, ...] = ()
    # Never folded into a literal at parse time even when the children are literals.
    never_constant: bool = False

    def evaluate(self, ctx: EvalContext) -> Any:
        raise NotImplementedError

    def children(self) -> Iterator[Expression]:
        return iter(())

    def _walk(self) -> Iterator[Expression]:
        yield self
        for c in self.children():
            yield from c._walk()

    @property
    def is_zoom_constant(self) -> bool:
        """True if the value does not depend on ``["zoom"]``."""
        return not any(e.reads_zoom for e in self._walk())

    @property
    def is_feature_constant(self) -> bool:
        """True if the value does not depend on the feature (properties, id, geometry, state...)."""
        return not any(e.reads_feature or e.reads_feature_state for e in self._walk())

    @property
    def is_state_constant(self) -> bool:
        return not any(e.reads_feature_state for e in self._walk())

    @property
    def is_global_state_constant(self) -> bool:
        return not any(e.reads_global_state for e in self._walk())

    def uses_global(self, name: str) -> bool:
        """Does the tree read ``name`` (``heatmap-density``, ``line-progress``, ...)?"""
        return any(name in e.reads_globals for e in self._walk())

    def global_state_keys(self) -> set[str]:
        keys: set[str] = set()
        for e in self._walk():
            k = getattr(e, "state_key", None)
            if e.reads_global_state and isinstance(k, str):
                keys.add(k)
        return keys

    def zoom_stops(self) -> list[float] | None:
        """Zoom levels of the top-level zoom ``step``/``interpolate``, if the expression has one."""
        from glrender.style.expressions.ramps import find_zoom_curve

        curve = find_zoom_curve(self)
        return list(curve.labels) if curve is not None else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.type}>"


class Literal(Expression):
    never_constant = False

    def __init__(self, type_: T.Type, value: Any) -> None:
        self.type = type_
        self.value = value

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"<Literal {self.value!r}>"


REGISTRY: dict[str, Callable[[list[Any], ParsingContext], Expression]] = {}


def register(*names: str) -> Callable[[Any], Any]:
    """Class decorator: ``@register("case")`` makes ``["case", ...]`` parse with ``cls.parse``."""

    def deco(cls: Any) -> Any:
        for n in names:
            REGISTRY[n] = cls.parse
        return cls

    return deco


def _index_path(path: str, indices: tuple[int, ...]) -> str:
    return path + "".join(f"[{i}]" for i in indices)


def _js_typeof(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "object"


# Expected types whose values MapLibre converts (rather than merely checks) when the actual type is
# looser: a string where a colour is expected is parsed as a colour, and so on.
_COERCE_FROM: dict[str, tuple[str, ...]] = {
    "color": ("value", "string"),
    "formatted": ("value", "string"),
    "resolvedImage": ("value", "string"),
    "padding": ("value", "number", "array"),
    "numberArray": ("value", "number", "array"),
    "colorArray": ("value", "string", "array"),
    "variableAnchorOffsetCollection": ("value", "array"),
}
_ASSERT_KINDS = frozenset({"string", "number", "boolean", "object", "array"})


class ParsingContext:
    """Where we are in the JSON (for error paths), the let-bindings in scope, the expected type."""

    def __init__(self, path: str, expected: T.Type | None = None,
                 scope: Mapping[str, Expression] | None = None,
                 global_state_defaults: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.expected = expected
        self.scope: Mapping[str, Expression] = scope or {}
        # The style's root "state" defaults, baked into global-state nodes at parse time.
        self.global_state_defaults: Mapping[str, Any] = global_state_defaults or {}

    def error(self, message: str, *indices: int) -> ExpressionError:
        """Build (not raise) the error so callers write ``raise ctx.error(...)``."""
        return ExpressionError(_index_path(self.path, indices), message)

    def child(self, index: int, expected: T.Type | None = None,
              bindings: Mapping[str, Expression] | None = None) -> ParsingContext:
        scope = self.scope
        if bindings:
            scope = {**scope, **bindings}
        return ParsingContext(_index_path(self.path, (index,)), expected, scope, self.global_state_defaults)

    def parse(self, value: Any, index: int, expected: T.Type | None = None, *,
              bindings: Mapping[str, Expression] | None = None, annotate: str = "") -> Expression:
        """Parse ``value`` found at ``[index]`` of the current node."""
        return self.child(index, expected, bindings).parse_here(value, annotate=annotate)

    def parse_here(self, value: Any, *, annotate: str = "") -> Expression:
        """``annotate``: "" (default: assert or coerce as needed), "assert", "coerce" or "omit"."""
        if value is None or isinstance(value, (str, bool, int, float)):
            value = ["literal", value]
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(value, list):
            if not value:
                raise self.error('Expected an array with at least one element. If you wanted a literal '
                                 'array, use ["literal", []].')
            op = value[0]
            if not isinstance(op, str):
                raise self.error(f"Expression name must be a string, but found {_js_typeof(op)} instead "
                                 f"({op!r}). If you wanted a literal array, use [\"literal\", [...]].", 0)
            parser = REGISTRY.get(op)
            if parser is None:
                raise self.error(f"Unknown expression {op!r}. If you wanted a literal array, use "
                                 f'["literal", [...]].', 0)
            parsed = parser(value, self)
            expected = self.expected
            if expected is not None:
                actual = parsed.type
                if expected.kind in _ASSERT_KINDS and actual.kind == "value":
                    parsed = _annotate(parsed, expected, annotate or "assert")
                elif actual.kind in _COERCE_FROM.get(expected.kind, ()):
                    parsed = _annotate(parsed, expected, annotate or "coerce")
                else:
                    err = T.check_subtype(expected, actual)
                    if err is not None:
                        shown = parsed.value if isinstance(parsed, Literal) else value
                        raise self.error(f"{err[:-1]}: {shown!r}.")
            if (not isinstance(parsed, Literal) and parsed.type.kind != "resolvedImage"
                    and is_constant(parsed)):
                try:
                    folded = parsed.evaluate(EvalContext())
                except EvaluationError as e:
                    raise self.error(str(e)) from None
                parsed = Literal(parsed.type, folded)
            return parsed
        if isinstance(value, dict):
            raise self.error('Bare objects invalid. Use ["literal", {...}] instead.')
        raise self.error(f"Expected an array, but found {type(value).__name__} instead: {value!r}.")


def _annotate(parsed: Expression, expected: T.Type, mode: str) -> Expression:
    from glrender.style.expressions.typing_ops import Assertion, Coercion

    if mode == "assert":
        return Assertion(expected, [parsed])
    if mode == "coerce":
        return Coercion(expected, [parsed])
    return parsed


def is_constant(e: Expression) -> bool:
    """MapLibre folds nodes whose children are literals and which read nothing from the feature/zoom."""
    from glrender.style.expressions.lookup import Var
    from glrender.style.expressions.typing_ops import Assertion, Coercion

    if isinstance(e, Var):
        return is_constant(e.bound)
    if e.never_constant:
        return False
    annotation = isinstance(e, (Assertion, Coercion))
    for c in e.children():
        if annotation:
            if not is_constant(c):
                return False
        elif not isinstance(c, Literal):
            return False
    for node in e._walk():
        if node.reads_feature or node.reads_feature_state or node.reads_zoom or node.reads_globals \
                or node.reads_global_state:
            return False
    return True


def compile_expression(value: Any, *, path: str = "", expected: str | T.Type | None = None,
                       annotate: str = "", global_state_defaults: Mapping[str, Any] | None = None
                       ) -> Expression:
    """Compile a JSON expression. ``expected`` is a type name (``"number"``, ``"color"``...) or None.

    Raises ExpressionError(path, message) naming the offending node and value.
    """
    ctx = ParsingContext(path, T.type_from_name(expected), None, global_state_defaults)
    return ctx.parse_here(value, annotate=annotate)


def literal_of(value: Any) -> Expression:
    return Literal(T.type_of(value), value)


def runtime_error(message: str) -> EvaluationError:
    return EvaluationError(message)


def expect_number(v: Any, what: str = "value") -> float:
    if not is_number(v):
        raise EvaluationError(f"Expected {what} to be a number, but found {T.type_of(v)} ({v!r}).")
    return v


def is_expression(value: Any) -> bool:
    """MapLibre's rule: a non-empty array whose first element names a known operator."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], str) and value[0] in REGISTRY
