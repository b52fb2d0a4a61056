"""The expression type system (a small mirror of the spec's static types) and runtime value types.

Types matter at parse time: they decide where a runtime assertion or coercion is inserted (``get``
where a number is expected becomes ``["number", ["get", ...]]``), and they produce the same parse errors
MapLibre reports for ill-typed styles.
"""

from __future__ import annotations

from typing import Any

from glrender._record import record
from glrender.style._js import is_number, js_number_str
from glrender.style.color import Color


@record(frozen=True, slots=True)
class Type:
    kind: str
    item: Type | None = None  # arrays only
    n: int | None = None  # arrays of fixed length only

    def __str__(self) -> str:
        if self.kind != "array":
            return self.kind
        if self.item is None or (self.item.kind == "value" and self.n is None):
            return "array"
        if self.n is None:
            return f"array<{self.item}>"
        return f"array<{self.item}, {self.n}>"


NULL = Type("null")
NUMBER = Type("number")
STRING = Type("string")
BOOLEAN = Type("boolean")
COLOR = Type("color")
OBJECT = Type("object")
VALUE = Type("value")
ERROR = Type("error")
COLLATOR = Type("collator")
FORMATTED = Type("formatted")
RESOLVED_IMAGE = Type("resolvedImage")
PADDING = Type("padding")
NUMBER_ARRAY = Type("numberArray")
COLOR_ARRAY = Type("colorArray")
VARIABLE_ANCHOR_OFFSET_COLLECTION = Type("variableAnchorOffsetCollection")


def array(item: Type = VALUE, n: int | None = None) -> Type:
    return Type("array", item, n)


# Types a value of type "value" may hold at runtime; checkSubtype(value, t) succeeds for these.
_VALUE_MEMBERS = ("null", "number", "string", "boolean", "color", "formatted", "object", "resolvedImage",
                  "padding", "numberArray", "colorArray", "variableAnchorOffsetCollection", "array")

NAMED_TYPES: dict[str, Type] = {
    "number": NUMBER, "string": STRING, "boolean": BOOLEAN, "color": COLOR, "object": OBJECT,
    "value": VALUE, "formatted": FORMATTED, "resolvedImage": RESOLVED_IMAGE, "padding": PADDING,
    "numberArray": NUMBER_ARRAY, "colorArray": COLOR_ARRAY, "collator": COLLATOR,
    "variableAnchorOffsetCollection": VARIABLE_ANCHOR_OFFSET_COLLECTION, "array": array(),
}


def type_from_name(name: str | Type | None) -> Type | None:
    """Accept ``"number"``, ``"array<number, 2>"`` or a Type; None stays None."""
    if name is None or isinstance(name, Type):
        return name
    if name.startswith("array<") and name.endswith(">"):
        inner = name[6:-1]
        item_s, _, n_s = inner.partition(",")
        item = type_from_name(item_s.strip()) or VALUE
        return array(item, int(n_s) if n_s.strip() else None)
    t = NAMED_TYPES.get(name)
    if t is None:
        # Property-only types ("enum") behave like strings for expression typing.
        return STRING if name == "enum" else VALUE
    return t


def check_subtype(expected: Type, t: Type) -> str | None:
    """None if a value of type ``t`` may be used where ``expected`` is required, else the error text."""
    if t.kind == "error":
        return None
    if expected.kind == "array":
        if t.kind == "array" and (
            (t.n == 0 and t.item is not None and t.item.kind == "value")
            or (check_subtype(expected.item or VALUE, t.item or VALUE) is None
                and (expected.n is None or expected.n == t.n))
        ):
            return None
    elif expected.kind == t.kind:
        return None
    elif expected.kind == "value":
        if t.kind in _VALUE_MEMBERS:
            return None
    return f"Expected {expected} but found {t} instead."


# ---------------------------------------------------------------------------------------------------
# Runtime values that are not plain JSON


@record(frozen=True, slots=True)
class ResolvedImage:
    """An image name, plus whether the style's sprite has it (``coalesce`` skips missing ones)."""

    name: str
    available: bool = True

    def __str__(self) -> str:
        return self.name


@record(frozen=True, slots=True)
class FormattedSection:
    text: str
    image: ResolvedImage | None = None
    scale: float | None = None
    font_stack: str | None = None
    text_color: Color | None = None
    vertical_align: str | None = None


@record(frozen=True, slots=True)
class Formatted:
    sections: tuple[FormattedSection, ...]

    @classmethod
    def from_string(cls, s: str) -> Formatted:
        return cls((FormattedSection(s),))

    def is_empty(self) -> bool:
        return not self.sections or all(not s.text and s.image is None for s in self.sections)

    def __str__(self) -> str:
        return "".join(s.text for s in self.sections)


@record(frozen=True, slots=True)
class Padding:
    """top, right, bottom, left like CSS; built from 1-4 numbers."""

    top: float
    right: float
    bottom: float
    left: float

    @classmethod
    def parse(cls, v: Any) -> Padding | None:
        if isinstance(v, Padding):
            return v
        if is_number(v):
            return cls(v, v, v, v)
        if isinstance(v, list) and 1 <= len(v) <= 4 and all(is_number(x) for x in v):
            if len(v) == 1:
                return cls(v[0], v[0], v[0], v[0])
            if len(v) == 2:
                return cls(v[0], v[1], v[0], v[1])
            if len(v) == 3:
                return cls(v[0], v[1], v[2], v[1])
            return cls(v[0], v[1], v[2], v[3])
        return None

    def values(self) -> list[float]:
        return [self.top, self.right, self.bottom, self.left]

    def __str__(self) -> str:
        return "[" + ",".join(js_number_str(x) for x in self.values()) + "]"


@record(frozen=True, slots=True)
class NumberArray:
    values: tuple[float, ...]

    @classmethod
    def parse(cls, v: Any) -> NumberArray | None:
        if isinstance(v, NumberArray):
            return v
        if is_number(v):
            return cls((v,))
        if isinstance(v, list) and all(is_number(x) for x in v):
            return cls(tuple(v))
        return None

    def __str__(self) -> str:
        return "[" + ",".join(js_number_str(x) for x in self.values) + "]"


@record(frozen=True, slots=True)
class ColorArray:
    values: tuple[Color, ...]

    @classmethod
    def parse(cls, v: Any) -> ColorArray | None:
        from glrender.style.color import parse_color

        if isinstance(v, ColorArray):
            return v
        if isinstance(v, Color):
            return cls((v,))
        if isinstance(v, str):
            c = parse_color(v)
            return cls((c,)) if c is not None else None
        if isinstance(v, list):
            out = []
            for x in v:
                c = x if isinstance(x, Color) else parse_color(x) if isinstance(x, str) else None
                if c is None:
                    return None
                out.append(c)
            return cls(tuple(out))
        return None


ANCHORS = ("center", "left", "right", "top", "bottom", "top-left", "top-right", "bottom-left",
           "bottom-right")


@record(frozen=True, slots=True)
class VariableAnchorOffsetCollection:
    """Pairs of (anchor, [dx, dy]) for ``text-variable-anchor-offset``."""

    values: tuple[tuple[str, tuple[float, float]], ...]

    @classmethod
    def parse(cls, v: Any) -> VariableAnchorOffsetCollection | None:
        if isinstance(v, VariableAnchorOffsetCollection):
            return v
        if not isinstance(v, list) or len(v) % 2 or not v:
            return None
        pairs = []
        for i in range(0, len(v), 2):
            anchor, off = v[i], v[i + 1]
            if anchor not in ANCHORS or not isinstance(off, list) or len(off) != 2:
                return None
            if not all(is_number(x) for x in off):
                return None
            pairs.append((anchor, (off[0], off[1])))
        return cls(tuple(pairs))


class Collator:
    """Locale-aware comparison. Python has no ICU here, so we approximate the common cases."""

    def __init__(self, case_sensitive: bool, diacritic_sensitive: bool, locale: str | None) -> None:
        self.case_sensitive = case_sensitive
        self.diacritic_sensitive = diacritic_sensitive
        self.locale = locale

    @staticmethod
    def _levels(s: str) -> tuple[str, str, tuple[int, ...]]:
        """ICU-like sort keys: base letters, then accents, then case (lower case first)."""
        import unicodedata

        nfd = unicodedata.normalize("NFD", s)
        base = "".join(ch for ch in nfd if not unicodedata.combining(ch))
        return base.casefold(), nfd.casefold(), tuple(1 if ch.isupper() else 0 for ch in base)

    def compare(self, a: str, b: str) -> int:
        # Levels as ICU collation compares them (and as MapLibre's collator does through it): the base
        # letters first; accents break ties only when diacritic-sensitive, and case (a < A) only when
        # case-sensitive.
        la, lb = self._levels(a), self._levels(b)
        keys: list[tuple[Any, Any]] = [(la[0], lb[0])]
        if self.diacritic_sensitive:
            keys.append((la[1], lb[1]))
        if self.case_sensitive:
            keys.append((la[2], lb[2]))
        for ka, kb in keys:
            if ka != kb:
                return -1 if ka < kb else 1
        return 0

    def resolved_locale(self) -> str:
        return self.locale or "en"


def type_of(v: Any) -> Type:
    """The runtime type of a value, as ``typeof`` reports it."""
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOLEAN
    if isinstance(v, (int, float)):
        return NUMBER
    if isinstance(v, str):
        return STRING
    if isinstance(v, Color):
        return COLOR
    if isinstance(v, Collator):
        return COLLATOR
    if isinstance(v, Formatted):
        return FORMATTED
    if isinstance(v, Padding):
        return PADDING
    if isinstance(v, NumberArray):
        return NUMBER_ARRAY
    if isinstance(v, ColorArray):
        return COLOR_ARRAY
    if isinstance(v, VariableAnchorOffsetCollection):
        return VARIABLE_ANCHOR_OFFSET_COLLECTION
    if isinstance(v, ResolvedImage):
        return RESOLVED_IMAGE
    if isinstance(v, (list, tuple)):
        item: Type | None = None
        for x in v:
            t = type_of(x)
            if item is None:
                item = t
            elif item != t:
                item = VALUE
                break
        return array(item or VALUE, len(v))
    return OBJECT


def value_to_string(v: Any) -> str:
    """``to-string`` semantics: null -> "", numbers JS-formatted, objects and arrays as JSON."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number_str(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Color):
        return v.to_string()
    if isinstance(v, (Formatted, ResolvedImage, Padding, NumberArray)):
        return str(v)
    return to_json(v)


def to_json(v: Any) -> str:
    """JSON.stringify: compact, JS number formatting."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number_str(v) if v == v and v not in (float("inf"), float("-inf")) else "null"
    if isinstance(v, str):
        import json

        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Color):
        return to_json(v.to_string())
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(x)}" for k, x in v.items()) + "}"
    return to_json(str(v))
