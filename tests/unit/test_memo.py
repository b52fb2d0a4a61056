"""glrender._memo.kept: a bounded memo that never hands one object's value to another."""

from __future__ import annotations

from typing import Any

from glrender._memo import kept


class _Owner:
    pass


def test_kept_reuses_checks_identity_and_stays_bounded() -> None:
    memo: dict[Any, tuple[Any, Any]] = {}
    made: list[str] = []

    def make(tag: str) -> str:
        made.append(tag)
        return tag

    a = _Owner()
    assert kept(memo, 3, a, (id(a), 1), lambda: make("a1")) == "a1"
    assert kept(memo, 3, a, (id(a), 1), lambda: make("again")) == "a1"
    assert kept(memo, 3, a, (id(a), 2), lambda: make("a2")) == "a2"
    # another object under the same key (as when an id is reused) gets its own value
    b = _Owner()
    assert kept(memo, 3, b, (id(a), 1), lambda: make("b1")) == "b1"
    assert made == ["a1", "a2", "b1"]
    assert len(memo) == 2
    kept(memo, 3, a, (id(a), 3), lambda: make("a3"))
    kept(memo, 3, a, (id(a), 4), lambda: make("a4"))  # the memo was full: emptied first
    assert len(memo) == 1 and made[-1] == "a4"
