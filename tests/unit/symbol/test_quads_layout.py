"""Quads.build writes the per-label attributes as one block: LAYOUT must keep them side by side."""

from __future__ import annotations

from glrender.symbol.quads import LAYOUT, PER_LABEL, STRIDE


def test_per_label_attributes_are_one_block_of_the_layout() -> None:
    names = [name for name, _ in LAYOUT]
    first = names.index(PER_LABEL[0])
    assert tuple(names[first:first + len(PER_LABEL)]) == PER_LABEL
    assert STRIDE == sum(n for _, n in LAYOUT)
