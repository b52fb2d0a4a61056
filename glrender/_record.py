"""``record``: the part of ``@dataclass`` glrender uses, made without compiling code for each method.

Python 3.11's dataclasses compile four to six small functions with ``exec`` for every class. glrender
has about fifty data classes on the path of a first render, and making them took 32 ms of a cold
start's 90 ms of imports (a fifth of a whole small render). Here only ``__init__`` is compiled (it
runs for every instance, so it must be as fast as the dataclass one); ``__repr__``, ``__eq__``,
``__hash__`` and the frozen ``__setattr__`` are shared functions that read the field names from the
class.

Supported, with dataclass semantics: field defaults, ``field(default=..., default_factory=...,
repr=..., compare=...)``, ``frozen``, ``slots``, ``eq``, ``__post_init__``, pickling, and
:func:`replace`. Fields are the class's own annotations (no inheritance between records).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["FrozenInstanceError", "field", "fields", "record", "replace"]

T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as dataclasses.FrozenInstanceError)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, repr: bool = True,
          compare: bool = True) -> Any:
    """As ``dataclasses.field`` (the options glrender uses)."""
    return Field(default, default_factory, repr, compare)


def fields(obj_or_cls: Any) -> tuple[Field, ...]:
    return tuple(obj_or_cls.__record_fields__)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of ``obj`` with some fields changed (as ``dataclasses.replace``)."""
    for f in obj.__record_fields__:  # type: ignore[attr-defined]
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


# --- the shared methods ---------------------------------------------------------------------------


def _repr(self: Any) -> str:
    parts = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record_repr__)
    return f"{self.__class__.__qualname__}({parts})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__record_key__
    return key(self) == key(other)  # tuples: identity, then ==, field by field (as dataclasses)


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _key_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields as a tuple, read in C (records are hashed as dict keys in hot loops)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in self.__record_fields__)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for f, v in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, f.name, v)


# --- building a class ------------------------------------------------------------------------------


def _collect(cls: type) -> list[Field]:
    out: list[Field] = []
    for name, ann in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(ann, str) and ann.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if isinstance(f.default, list | dict | set):
            # one object shared by every instance, as dataclasses refuses it too
            raise ValueError(f"mutable default {type(f.default).__name__} for field {name!r}: "
                             "use field(default_factory=...)")
        if f.default is MISSING and f.default_factory is MISSING and out and (
                out[-1].default is not MISSING or out[-1].default_factory is not MISSING):
            raise TypeError(f"non-default argument {name!r} follows default argument")
        out.append(f)
    return out


def _make_init(cls: type, flds: list[Field], frozen: bool) -> Any:
    # Compiled once per class: an __init__ as fast as the one dataclasses writes.
    ns: dict[str, Any] = {"_MISSING": MISSING, "_set": object.__setattr__}
    params, body = [], []
    for f in flds:
        if f.default_factory is not MISSING:
            ns[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"_f_{f.name}() if {f.name} is _MISSING else {f.name}"
        elif f.default is not MISSING:
            ns[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
            value = f.name
        else:
            params.append(f.name)
            value = f.name
        body.append(f"_set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if "__post_init__" in cls.__dict__:
        body.append("self.__post_init__()")
    src = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(body) or "pass") + "\n"
    exec(src, ns)  # noqa: S102 - generated from the class's own field names
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _build(cls: type, frozen: bool, slots: bool, eq: bool) -> type:
    flds = _collect(cls)
    names = tuple(f.name for f in flds)
    attrs = dict(cls.__dict__)
    for n in ("__dict__", "__weakref__"):
        attrs.pop(n, None)
    for f in flds:
        # Field objects never stay on the class; plain defaults do (as with dataclasses) unless slots.
        if slots or isinstance(attrs.get(f.name), Field):
            attrs.pop(f.name, None)
        if not slots and f.default is not MISSING:
            attrs[f.name] = f.default
    attrs["__record_fields__"] = tuple(flds)
    attrs["__record_repr__"] = tuple(f.name for f in flds if f.repr)
    attrs["__record_compare__"] = compared = tuple(f.name for f in flds if f.compare)
    attrs["__record_key__"] = staticmethod(_key_of(compared))
    attrs.setdefault("__repr__", _repr)
    if eq:
        attrs.setdefault("__eq__", _eq)
        if frozen:
            attrs["__hash__"] = _hash
        elif "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            attrs["__hash__"] = None  # mutable and compared by value: unhashable, as with dataclasses
    if frozen:
        attrs["__setattr__"] = _frozen_setattr
        attrs["__delattr__"] = _frozen_delattr
    if slots:
        attrs["__slots__"] = names
        if frozen:
            attrs["__getstate__"] = _getstate
            attrs["__setstate__"] = _setstate
        new = type(cls.__name__, cls.__bases__, attrs)
        new.__qualname__ = cls.__qualname__
    else:
        keep = ("__annotations__", "__module__", "__qualname__", "__doc__")
        for k, v in attrs.items():
            if k not in keep and cls.__dict__.get(k, MISSING) is not v:
                setattr(cls, k, v)
        for f in flds:
            if isinstance(cls.__dict__.get(f.name), Field):
                delattr(cls, f.name)
        new = cls
    new.__init__ = _make_init(new, flds, frozen)  # type: ignore[misc]
    new.__match_args__ = names  # type: ignore[attr-defined,misc]
    return new


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = False, slots: bool = False, eq: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: Any = None, /, *, frozen: bool = False, slots: bool = False, eq: bool = True) -> Any:
    """Make ``cls`` a data class (as ``@dataclass`` with the same options)."""
    def wrap(c: type) -> type:
        return _build(c, frozen, slots, eq)

    return wrap if cls is None else wrap(cls)
