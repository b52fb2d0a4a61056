"""within and distance on tile-coordinate features."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glrender.errors import ExpressionError
from glrender.style.expressions import EvalContext, compile_expression
from glrender.style.expressions.geo import tile_to_lnglat
from glrender.tiles.features import Feature

SQUARE = {"type": "Polygon", "coordinates": [[[-10, -10], [10, -10], [10, 10], [-10, 10], [-10, -10]]]}
# World tile 0/0/0 with extent 4096: (2048, 2048) is lon 0, lat 0.
CTX = {"canonical": (0, 0, 0), "extent": 4096}


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array(xy, dtype=np.float64)


def run(expr: object, f: Feature, **kw: object) -> object:
    e = compile_expression(expr, path="p")
    return e.evaluate(EvalContext(feature=f, **{**CTX, **kw}))  # type: ignore[arg-type]


def test_tile_to_lnglat() -> None:
    assert tile_to_lnglat(2048, 2048, (0, 0, 0), 4096) == pytest.approx((0, 0))
    lng, lat = tile_to_lnglat(0, 0, (0, 0, 0), 4096)
    assert lng == -180 and lat == pytest.approx(85.0511287798)
    assert tile_to_lnglat(0, 0, (1, 1, 1), 4096) == pytest.approx((0, 0))


def test_within_points() -> None:
    inside = Feature(1, [pts((2048, 2048))])
    outside = Feature(1, [pts((0, 0))])
    mixed = Feature(1, [pts((2048, 2048), (0, 0))])
    assert run(["within", SQUARE], inside) is True
    assert run(["within", SQUARE], outside) is False
    assert run(["within", SQUARE], mixed) is False
    assert run(["within", {"type": "Feature", "geometry": SQUARE}], inside) is True
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": SQUARE}]}
    assert run(["within", fc], inside) is True
    # Without a tile position the feature cannot be placed: false, never an error.
    assert compile_expression(["within", SQUARE], path="p").evaluate(EvalContext(feature=inside)) is False


def test_within_lines_and_holes() -> None:
    line_in = Feature(2, [pts((2040, 2048), (2056, 2048))])
    line_out = Feature(2, [pts((2048, 2048), (0, 2048))])
    assert run(["within", SQUARE], line_in) is True
    assert run(["within", SQUARE], line_out) is False
    holed = {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0],  # type: ignore[index]
                                                [[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]]}
    assert run(["within", holed], Feature(1, [pts((2048, 2048))])) is False
    polygon_feature = Feature(3, [[pts((2040, 2040), (2056, 2040), (2056, 2056))]])
    assert run(["within", SQUARE], polygon_feature) is False  # only points and lines are supported


def test_within_parse_error() -> None:
    with pytest.raises(ExpressionError, match=r"p\[1\]: 'within' expression requires valid geojson"):
        compile_expression(["within", {"type": "Point", "coordinates": [0, 0]}], path="p")
    e = compile_expression(["within", SQUARE], path="p")
    assert not e.is_feature_constant


def test_distance_point_to_point_and_line() -> None:
    origin = Feature(1, [pts((2048, 2048))])
    d = run(["distance", {"type": "Point", "coordinates": [1, 0]}], origin)
    assert d == pytest.approx(111319.49, rel=1e-6)
    d = run(["distance", {"type": "LineString", "coordinates": [[1, -1], [1, 1]]}], origin)
    assert d == pytest.approx(111319.49, rel=1e-6)
    d = run(["distance", {"type": "MultiPoint", "coordinates": [[5, 0], [0, 2]]}], origin)
    assert d == pytest.approx(2 * 110574.3, rel=1e-3)


def test_distance_inside_polygon_is_zero_and_lines() -> None:
    origin = Feature(1, [pts((2048, 2048))])
    assert run(["distance", SQUARE], origin) == 0
    line = Feature(2, [pts((2048, 2048), (2048, 0))])
    d = run(["distance", {"type": "Point", "coordinates": [3, 10]}], line)
    assert d == pytest.approx(3 * 111319.49, rel=1e-6)


def test_distance_without_position_is_nan() -> None:
    e = compile_expression(["distance", {"type": "Point", "coordinates": [0, 0]}], path="p")
    assert math.isnan(e.evaluate(EvalContext(feature=Feature(1, [pts((1, 1))]))))
