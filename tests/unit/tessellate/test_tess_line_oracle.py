"""The vectorised line tessellator must agree with the sequential oracle on random lines."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.tessellate.line import tessellate_lines
from tests.unit.tessellate.reference_line import reference_line


def _random_lines(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    lines = []
    for _ in range(n):
        k = int(rng.integers(2, 12))
        scale = rng.choice([8.0, 200.0, 3000.0])
        pts = np.round(rng.uniform(-scale, scale, (k, 2)).cumsum(axis=0))
        if rng.random() < 0.3:  # repeated points
            pts = np.repeat(pts, rng.integers(1, 3, k), axis=0)
        lines.append(pts)
    return lines


def _check(lines, closed, **kw) -> None:
    mesh = tessellate_lines(lines, closed=closed, **kw)
    rows, tris, owners = [], [], []
    for i, line in enumerate(lines):
        r, t = reference_line(line, closed=closed, join=kw.get("join", "miter"), cap=kw.get("cap", "butt"),
                              miter_limit=kw.get("miter_limit", 2.0), round_limit=kw.get("round_limit", 1.05))
        tris += [(a + len(rows), b + len(rows), c + len(rows)) for a, b, c in t]
        rows += r
        owners += [i] * len(r)
    ref = np.array(rows, dtype=np.float64).reshape(-1, 8)
    assert len(mesh.pos) == len(ref)
    np.testing.assert_allclose(mesh.pos, ref[:, 0:2], atol=1e-3)
    np.testing.assert_allclose(mesh.extrude, ref[:, 2:4], atol=1e-5)
    np.testing.assert_array_equal(mesh.normal[:, 0], ref[:, 4])
    np.testing.assert_array_equal(mesh.normal[:, 1], np.where(ref[:, 5] > 0, 1, -1))
    np.testing.assert_array_equal(mesh.direction, ref[:, 6])
    np.testing.assert_allclose(mesh.linesofar, ref[:, 7], rtol=1e-6, atol=1e-2)
    np.testing.assert_array_equal(mesh.line_index, owners)
    np.testing.assert_array_equal(mesh.indices, np.array(tris, dtype=np.int64).reshape(-1, 3))


@pytest.mark.parametrize("join", ["miter", "bevel", "round"])
@pytest.mark.parametrize("cap", ["butt", "square", "round"])
@pytest.mark.parametrize("closed", [False, True])
def test_matches_sequential_reference(join: str, cap: str, closed: bool) -> None:
    rng = np.random.default_rng(hash((join, cap, closed)) % 2**32)
    _check(_random_lines(rng, 60), closed, join=join, cap=cap)


def test_matches_reference_with_limits() -> None:
    rng = np.random.default_rng(7)
    _check(_random_lines(rng, 80), False, join="miter", miter_limit=5.0)
    _check(_random_lines(rng, 80), False, join="round", round_limit=1.5)


def test_long_lines_restart_distance_like_reference() -> None:
    # Long zig-zags pass 16384 tile units several times.
    rng = np.random.default_rng(3)
    lines = [np.round(rng.uniform(-4000, 4000, (40, 2))) for _ in range(5)]
    _check(lines, False, join="round", cap="round")
    _check(lines, True, join="miter")


@pytest.mark.parametrize("join", ["miter", "bevel", "round"])
def test_degenerate_turns_match_reference(join: str) -> None:
    # 180 degree turns (zero join normal, infinite miter) and two-point rings, without warnings.
    lines = [np.array([[0.0, 0], [100, 0], [0, 0]]), np.array([[0.0, 0], [300, 0], [300, 1], [0, 1]]),
             np.array([[5.0, 5], [900, 5], [5, 5], [900, 5]])]
    _check(lines, False, join=join, cap="round")
    _check(lines[:2], True, join=join)
