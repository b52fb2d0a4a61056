"""Join line features that carry the same label and touch end to start (MapLibre's mergeLines).

A road split into many short features would otherwise get no label at all, or one per piece; one long
line gives anchors at the same places MapLibre chooses. Only the first part of a multi-line is joined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def merge_lines(items: Sequence[tuple[str | None, list[np.ndarray]]]) -> list[tuple[int, list[np.ndarray]]]:
    """(feature index, lines) for every surviving feature, in MapLibre's output order."""
    merged: list[list] = []  # [feature index, lines or None]
    left: dict[tuple, int] = {}
    right: dict[tuple, int] = {}

    def key(text: str, line: np.ndarray, at_end: bool) -> tuple:
        p = line[-1] if at_end else line[0]
        return (text, float(p[0]), float(p[1]))

    def from_right(lk: tuple, rk: tuple, lines: list[np.ndarray]) -> int:
        i = right.pop(lk)
        right[rk] = i
        merged[i][1][0] = np.vstack([merged[i][1][0][:-1], lines[0]])
        return i

    def from_left(lk: tuple, rk: tuple, lines: list[np.ndarray]) -> int:
        i = left.pop(rk)
        left[lk] = i
        merged[i][1][0] = np.vstack([lines[0], merged[i][1][0][1:]])
        return i

    for k, (text, lines) in enumerate(items):
        if not text or not lines or len(lines[0]) == 0:
            merged.append([k, list(lines)])
            continue
        lines = list(lines)
        lk, rk = key(text, lines[0], False), key(text, lines[0], True)
        if lk in right and rk in left and right[lk] != left[rk]:
            j = from_left(lk, rk, lines)
            i = from_right(lk, rk, merged[j][1])
            left.pop(lk, None)
            right.pop(rk, None)
            right[key(text, merged[i][1][0], True)] = i
            merged[j][1] = None
        elif lk in right:
            from_right(lk, rk, lines)
        elif rk in left:
            from_left(lk, rk, lines)
        else:
            merged.append([k, lines])
            left[lk] = len(merged) - 1
            right[rk] = len(merged) - 1
    return [(k, lines) for k, lines in merged if lines is not None]
