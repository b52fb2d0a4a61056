"""glrender._record.record behaves like @dataclass for the options glrender uses."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import numpy as np
import pytest

from glrender._record import FrozenInstanceError, field, fields, record, replace


@record(frozen=True, slots=True)
class Point:
    x: float
    y: float = 0.0
    tags: tuple[str, ...] = ()


@record
class Bag:
    name: str
    items: list[int] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    label: str = "bag"


@record(frozen=True, eq=False)
class Handle:
    key: str


@record(frozen=True)
class Ranged:
    lo: int
    hi: int
    span: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError("lo > hi")
        object.__setattr__(self, "span", self.hi - self.lo)


@dataclasses.dataclass(frozen=True, slots=True)
class DPoint:
    x: float
    y: float = 0.0
    tags: tuple[str, ...] = ()


def test_init_defaults_and_factories() -> None:
    assert (Point(1).x, Point(1).y, Point(1, 2, ("a",)).tags) == (1, 0.0, ("a",))
    a, b = Bag("a"), Bag("b")
    a.items.append(1)
    assert b.items == [] and a.items == [1] and a.label == "bag"
    assert Point(y=3, x=1) == Point(1, 3)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_eq_hash_repr_like_dataclasses() -> None:
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2, ("t",))) == hash(Point(1, 2, ("t",)))
    assert {Point(1, 2): "x"}[Point(1, 2)] == "x"
    assert repr(Point(1, 2)) == repr(DPoint(1, 2)).replace("DPoint", "Point")
    assert Point(1, 2).__eq__((1, 2)) is NotImplemented
    assert Bag("a", [1], {"k": 1}) == Bag("a", [1], {"other": 2})  # compare=False ignored
    assert "cache" not in repr(Bag("a"))
    with pytest.raises(TypeError):
        hash(Bag("a"))  # mutable and compared by value: unhashable
    h1, h2 = Handle("k"), Handle("k")
    assert h1 != h2 and hash(h1) != hash(h2) or h1 is not h2  # identity semantics


def test_frozen_and_slots() -> None:
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.z = 3  # type: ignore[attr-defined]
    assert not hasattr(p, "__dict__")
    assert Point.__slots__ == ("x", "y", "tags")  # type: ignore[attr-defined]
    r = Ranged(2, 5)
    assert r.span == 3 and r == Ranged(2, 5, span=99)
    with pytest.raises(ValueError):
        Ranged(5, 2)


def test_replace_fields_and_pickle() -> None:
    p = Point(1, 2, ("a",))
    q = replace(p, y=5)
    assert q == Point(1, 5, ("a",)) and p.y == 2
    assert [f.name for f in fields(Bag)] == ["name", "items", "cache", "label"]
    for obj in (p, Bag("a", [1]), Ranged(1, 4)):
        assert pickle.loads(pickle.dumps(obj)) == obj
    arr = Bag("n", [1])
    arr.cache["a"] = np.zeros(3)
    assert pickle.loads(pickle.dumps(arr)).items == [1]


def test_default_order_is_checked() -> None:
    with pytest.raises(TypeError, match="follows default"):
        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_mutable_defaults_are_refused() -> None:
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012
