from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from glrender.errors import SourceError
from glrender.tiles._clip import clip_line, clip_points, clip_ring
from glrender.tiles.features import LINESTRING, POINT, POLYGON
from glrender.tiles.geojson import LAYER_NAME, GeoJSONSource
from glrender.tiles.provider import VectorTileProvider
from glrender.tiles.tilecover import (
    MAX_LAT,
    lonlat_to_tile,
    quadkey,
    quadkey_to_tile,
    tile_bounds_lonlat,
    tile_fraction_to_lonlat,
)


def fc(*geoms, props=None, ids=None):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": (props or [{}] * len(geoms))[i],
         **({"id": ids[i]} if ids else {}), "geometry": g} for i, g in enumerate(geoms)]}


def feats(src, z, x, y):
    return src.get_layers(z, x, y)[LAYER_NAME].features


# --- clipping --------------------------------------------------------------------------------------


def test_clip_line_splits_where_it_leaves():
    line = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    a, b = clip_line(line, -1, -1, 5, 20)
    np.testing.assert_array_equal(a, [[0, 0], [5, 0]])
    np.testing.assert_array_equal(b, [[5, 10], [0, 10]])
    assert clip_line(line, 20, 20, 30, 30) == []


def test_clip_line_interpolates_extra_columns():
    (piece,) = clip_line(np.array([[0, 0, 0], [10, 0, 10]], dtype=float), 2, -1, 5, 1)
    np.testing.assert_array_equal(piece, [[2, 0, 2], [5, 0, 5]])


def test_clip_ring_sutherland_hodgman():
    ring = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    np.testing.assert_array_equal(clip_ring(ring, -1, -1, 5, 20), [[0, 0], [5, 0], [5, 10], [0, 10]])
    tri = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    # same ring as [[2, 2], [8, 2], [2, 8]], starting where the last clip pass began
    np.testing.assert_array_equal(clip_ring(tri, 2, 2, 20, 20), [[8, 2], [2, 8], [2, 2]])
    assert clip_ring(ring, 20, 20, 30, 30) is None


def test_clip_points():
    pts = np.array([[0, 0], [5, 5], [9, 1]], dtype=float)
    np.testing.assert_array_equal(clip_points(pts, 1, 0, 9, 9), [[5, 5], [9, 1]])


# --- tiling ----------------------------------------------------------------------------------------


def test_point_exact_and_buffer():
    src = GeoJSONSource(fc({"type": "Point", "coordinates": [0, 0]}), base_dir=None)
    (f,) = feats(src, 1, 1, 1)
    assert f.geom_type == POINT
    np.testing.assert_array_equal(f.geometry[0], [[0, 0]])
    np.testing.assert_array_equal(feats(src, 1, 0, 0)[0].geometry[0], [[8192, 8192]])
    np.testing.assert_array_equal(feats(src, 2, 1, 1)[0].geometry[0], [[8192, 8192]])
    assert feats(src, 2, 0, 0) == []  # outside the tile plus its quarter-tile buffer
    assert src.get_layers(2, 0, 0)[LAYER_NAME].extent == 8192


def test_line_clipped_to_buffer_with_metrics():
    line = {"type": "LineString", "coordinates": [[-90, 0], [90, 0]]}
    (f,) = feats(GeoJSONSource(fc(line)), 2, 1, 1)
    assert f.geom_type == LINESTRING
    np.testing.assert_array_equal(f.geometry[0], [[0, 8192], [10240, 8192]])
    (m,) = feats(GeoJSONSource(fc(line, props=[{"k": 1}]), line_metrics=True), 2, 1, 1)
    assert m.properties == {"k": 1, "mapbox_clip_start": 0.0, "mapbox_clip_end": 0.625}


def test_line_leaving_and_reentering_splits():
    # a U-shaped line whose bottom lies below tile 1/0/0 plus buffer
    line = {"type": "LineString", "coordinates": [[-135, 60], [-135, -60], [-45, -60], [-45, 60]]}
    (f,) = feats(GeoJSONSource(fc(line)), 1, 0, 0)
    assert len(f.geometry) == 2
    assert f.geometry[0][-1, 1] == f.geometry[1][0, 1] == 8192 + 2048  # cut at the buffer edge
    assert f.type_name() == "MultiLineString"


def test_world_copies_across_antimeridian():
    src = GeoJSONSource(fc({"type": "Point", "coordinates": [190, 0]}))
    (f,) = feats(src, 1, 0, 1)
    np.testing.assert_array_equal(f.geometry[0], [[455, 0]])  # 190 deg east is 170 deg west
    line = GeoJSONSource(fc({"type": "LineString", "coordinates": [[170, 0], [190, 0]]}))
    (west,) = feats(line, 1, 0, 1)
    np.testing.assert_array_equal(west.geometry[0], [[-455, 0], [455, 0]])


def test_huge_polygon_clipped_to_window():
    ring = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]
    world = {"type": "Polygon", "coordinates": [ring]}
    (f,) = feats(GeoJSONSource(fc(world)), 3, 3, 3)
    (poly,) = f.geometry
    (ring,) = poly
    corners = [(-2048, -2048), (-2048, 10240), (10240, -2048), (10240, 10240)]
    assert sorted(map(tuple, ring.tolist())) == corners


def test_polygon_with_hole_and_open_rings():
    poly = {"type": "Polygon", "coordinates": [
        [[-10, -10], [10, -10], [10, 10], [-10, 10], [-10, -10]],
        [[-5, -5], [-5, 5], [5, 5], [5, -5], [-5, -5]],
    ]}
    (f,) = feats(GeoJSONSource(fc(poly)), 0, 0, 0)
    assert f.geom_type == POLYGON and len(f.geometry) == 1
    ext, hole = f.geometry[0]
    assert len(ext) == 4 and len(hole) == 4  # the repeated closing position is gone
    np.testing.assert_array_equal(ext[0], [np.floor(8192 * (170 / 360) + 0.5), ext[0][1]])


def test_feature_kinds_ids_and_props():
    data = fc(
        {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [1, 1]},
            {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}]},
        None,
        {"type": "MultiPoint", "coordinates": [[1, 1], [2, 2]]},
        {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]],
                                                 [[[5, 5], [6, 5], [6, 6], [5, 5]]]]},
        props=[{"n": "gc"}, {"n": "null"}, {"n": "mp", "key": 9}, {"n": "mpoly"}],
        ids=["12", 3, "abc", 4.0],
    )
    src = GeoJSONSource(data)
    assert src.feature_count == 4  # GeometryCollection -> 2 features, null geometry skipped
    assert src.bounds == (0.0, 0.0, 6.0, 6.0)
    got = feats(src, 0, 0, 0)
    assert [(f.geom_type, f.id, f.properties["n"]) for f in got] == [
        (POINT, 12, "gc"), (LINESTRING, 12, "gc"), (POINT, None, "mp"), (POLYGON, 4, "mpoly")]
    assert got[2].type_name() == "MultiPoint" and got[3].type_name() == "MultiPolygon"
    promoted = GeoJSONSource(data, promote_id="key")
    assert [f.id for f in feats(promoted, 0, 0, 0)] == [None, None, 9, None]
    generated = GeoJSONSource(data, generate_id=True)
    assert [f.id for f in feats(generated, 0, 0, 0)] == [0, 0, 2, 3]


def test_bare_geometry_and_feature_and_file(tmp_path: Path):
    assert GeoJSONSource({"type": "Point", "coordinates": [0, 0]}).feature_count == 1
    assert GeoJSONSource({"type": "Feature", "properties": None,
                          "geometry": {"type": "Point", "coordinates": [0, 0]}}).feature_count == 1
    (tmp_path / "d.geojson").write_text(json.dumps(fc({"type": "Point", "coordinates": [3, 4]})))
    src = GeoJSONSource("d.geojson", base_dir=str(tmp_path))
    assert src.bounds == (3.0, 4.0, 3.0, 4.0)


@pytest.mark.parametrize("data, match", [
    ({"type": "Nope"}, "'Nope'"),
    ({"type": "FeatureCollection", "features": 3}, "must be a list"),
    (fc({"type": "Point", "coordinates": ["a", 1]}), r"features\[0\].geometry.coordinates"),
    (fc({"type": "LineString", "coordinates": [[1], [2]]}), "lon, lat"),
    (fc({"type": "Hexagon", "coordinates": []}), "'Hexagon'"),
    ({"type": "FeatureCollection", "features": [{"type": "Point"}]}, r"features\[0\] is not a Feature"),
])
def test_invalid_geojson(data, match):
    with pytest.raises(SourceError, match=match):
        GeoJSONSource(data)


def test_missing_and_bad_file(tmp_path: Path):
    with pytest.raises(SourceError, match="not found"):
        GeoJSONSource("nope.json", base_dir=str(tmp_path))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SourceError, match="not valid JSON"):
        GeoJSONSource("bad.json", base_dir=str(tmp_path))


def test_tiles_are_cached_and_thread_safe():
    src = GeoJSONSource(fc(*[{"type": "Point", "coordinates": [i, i]} for i in range(50)]))
    first = src.get_layers(0, 0, 0)
    assert src.get_layers(0, 0, 0) is first
    out: list[int] = []
    threads = [threading.Thread(target=lambda: out.append(len(feats(src, 3, 4, 3)))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 1


# --- provider and helpers ------------------------------------------------------------------------


def test_provider_over_mbtiles_and_geojson():
    p = VectorTileProvider.from_spec({"type": "vector", "url": "mbtiles://helsinki.mbtiles"},
                                     base_dir="/work/shared/data")
    x, y = lonlat_to_tile(24.9443, 60.1716, 14)
    layers = p.get_layers(14, x, y)
    assert layers is not None and "building" in layers
    assert p.get_layers(14, x, y) is layers
    assert p.get_layers(14, 0, 0) is None
    p.close()
    g = VectorTileProvider.from_spec({"type": "geojson", "data": fc({"type": "Point", "coordinates": [0, 0]}),
                                      "maxzoom": 12})
    assert g.maxzoom == 12 and len(g.get_layers(0, 0, 0)[LAYER_NAME].features) == 1
    with pytest.raises(SourceError, match="'raster'"):
        VectorTileProvider.from_spec({"type": "raster", "tiles": ["x/{z}"]})


def test_tilecover_helpers():
    w, s, e, n = tile_bounds_lonlat(0, 0, 0)
    assert (w, e) == (-180.0, 180.0) and n == pytest.approx(MAX_LAT) and s == pytest.approx(-MAX_LAT)
    assert tile_bounds_lonlat(1, 1, 0)[:3] == pytest.approx((0.0, 0.0, 180.0))
    assert quadkey(3, 5, 2) == "121" and quadkey(0, 0, 0) == ""
    assert quadkey_to_tile("121") == (3, 5, 2)
    assert lonlat_to_tile(-180, 89.9, 4) == (0, 0) and lonlat_to_tile(180, -89.9, 4) == (15, 15)
    assert tile_fraction_to_lonlat(8, 8, 4) == pytest.approx((0.0, 0.0))


def test_polygon_rings_rewound_like_geojson_vt():
    # exterior wound clockwise in lon/lat and the hole the same way: the GeoJSON structure still wins
    poly = {"type": "Polygon", "coordinates": [
        [[-10, -10], [-10, 10], [10, 10], [10, -10], [-10, -10]],
        [[-5, -5], [-5, 5], [5, 5], [5, -5], [-5, -5]],
    ]}
    tri = [[[20, 20], [30, 20], [30, 30], [20, 20]]]
    multi = {"type": "MultiPolygon", "coordinates": [poly["coordinates"], tri]}
    (f,) = feats(GeoJSONSource(fc(poly)), 0, 0, 0)
    assert len(f.geometry) == 1 and len(f.geometry[0]) == 2
    ext, hole = f.geometry[0]
    x, y = ext[:, 0], ext[:, 1]
    assert np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y) > 0  # clockwise on screen (y down)
    np.testing.assert_array_equal(ext[0], [3868, 4325])  # reversed as a closed ring: first vertex kept
    (m,) = feats(GeoJSONSource(fc(multi)), 0, 0, 0)
    assert [len(p) for p in m.geometry] == [2, 1]
