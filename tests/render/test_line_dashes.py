"""Dashed lines measured against MapLibre's dash layout rather than golden images.

Dash lengths are line widths at the integer zoom (floored width, tile ratio), so between integer zooms
they scale with the map; they must not depend on the device pixel ratio or on how a big image is cut
into pieces; a zoom-dependent dasharray shows its value at floor(zoom) (the cross-fade has finished).
The conformance suite only covers ratio 1, one-piece images and constant arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

WIDTH = 6.0


def _style(dasharray: Any) -> dict[str, Any]:
    line = {"type": "LineString", "coordinates": [[-60, 0], [60, 0]]}
    return {
        "version": 8,
        "sources": {"g": {"type": "geojson", "data": line}},
        "layers": [
            {"id": "bg", "type": "background", "paint": {"background-color": "white"}},
            {"id": "l", "type": "line", "source": "g",
             "paint": {"line-width": WIDTH, "line-color": "black", "line-dasharray": dasharray}},
        ],
    }


def _dash_starts(img: np.ndarray, scale: float) -> np.ndarray:
    """CSS x positions where dashes start along the line's centre row."""
    dark = img[..., 0] < 128
    rows = np.flatnonzero(dark.any(axis=1))
    row = dark[int(round(rows.mean()))]
    starts = np.flatnonzero(row[1:] & ~row[:-1]) + 1
    return starts / scale


def _period(starts: np.ndarray) -> float:
    return float(np.median(np.diff(starts)))


def test_dash_period_is_line_widths_at_the_integer_zoom(renderer_factory: Any) -> None:
    r = renderer_factory(_style([2, 1]))
    zoom = 1.5
    img = r.render(center=(0, 0), zoom=zoom, width=256, height=64).array
    # 3 widths of the width at zoom 1, scaled by the half zoom the map has grown since.
    expected = 3 * WIDTH * 2 ** (zoom - math.floor(zoom))
    assert _period(_dash_starts(img, 1)) == pytest.approx(expected, abs=1.0)


def test_dashes_do_not_depend_on_the_pixel_ratio(renderer_factory: Any) -> None:
    r = renderer_factory(_style([2, 1]))
    one = _dash_starts(r.render(center=(0, 0), zoom=1.5, width=256, height=64).array, 1)
    two = _dash_starts(r.render(center=(0, 0), zoom=1.5, width=256, height=64, scale=2).array, 2)
    assert len(one) == len(two) >= 5
    np.testing.assert_allclose(two, one, atol=1.0)


def test_zoom_dependent_dasharray_shows_its_value_at_the_integer_zoom(renderer_factory: Any) -> None:
    r = renderer_factory(_style(["step", ["zoom"], ["literal", [2, 1]], 2, ["literal", [1, 1]]]))
    below = r.render(center=(0, 0), zoom=1.9, width=256, height=64).array
    at = r.render(center=(0, 0), zoom=2.0, width=256, height=64).array
    assert _period(_dash_starts(below, 1)) == pytest.approx(3 * WIDTH * 2**0.9, abs=1.0)
    assert _period(_dash_starts(at, 1)) == pytest.approx(2 * WIDTH, abs=1.0)


def test_pieces_of_a_big_image_continue_the_same_dashes(renderer_factory: Any) -> None:
    whole = renderer_factory(_style([2, 1])).render(center=(0, 0), zoom=1.5, width=256, height=64).array
    pieces = renderer_factory(_style([2, 1]), piece_limit=100).render(center=(0, 0), zoom=1.5, width=256, height=64)
    diff = np.abs(whole.astype(int) - pieces.array.astype(int)).max()
    assert diff <= 2
