"""A bounded memo keyed by an object's identity (and more), for values worked out from frozen objects.

Style layers and styles are frozen, so what is derived from one of them at a zoom never changes: it is
kept under ``(id(obj), ...)``. The entry holds the object itself too, so a later object that happens to
get the same id (after the first is freed) is never handed the first one's value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def kept(memo: dict[Any, tuple[Any, Any]], limit: int, owner: Any, key: Any, make: Callable[[], T]) -> T:
    """``make()``, kept in ``memo`` under ``key`` (which includes ``id(owner)``) while ``owner`` is the
    object it was made for; the memo is emptied when it reaches ``limit`` entries."""
    hit = memo.get(key)
    if hit is not None and hit[0] is owner:
        return hit[1]  # type: ignore[no-any-return]
    if len(memo) >= limit:
        memo.clear()
    value = make()
    memo[key] = (owner, value)
    return value
