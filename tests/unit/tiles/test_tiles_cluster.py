"""GeoJSON clustering with supercluster's rules, and the source filter."""

from __future__ import annotations

from glrender.tiles.cluster import Clusters, abbreviate
from glrender.tiles.geojson import GeoJSONSource


def _pt(lon: float, lat: float, **props: object) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_abbreviations() -> None:
    assert [abbreviate(n) for n in (7, 999, 1000, 1250, 9999, 10000, 123456)] == [
        7, 999, "1k", "1.3k", "10k", "10k", "123k"]


def test_points_within_radius_merge_at_low_zoom_only() -> None:
    # 0.01 world apart: 5.12 px at z0, 41 px at z3, 82 px at z4 (radius 50 px of a 512-px tile)
    c = Clusters([(0.50, 0.5, {"a": 1}, 1), (0.51, 0.5, {"a": 2}, 2), (0.9, 0.9, {"a": 3}, 3)],
                 radius=50, max_zoom=16)
    z0 = c.levels[0]
    assert sorted(n.count for n in z0) == [1, 2]
    cluster = next(n for n in z0 if n.count == 2)
    assert abs(cluster.x - 0.505) < 1e-12 and cluster.props["cluster"] is True
    assert cluster.props["point_count"] == 2 and cluster.props["point_count_abbreviated"] == 2
    assert sorted(n.count for n in c.levels[3]) == [1, 2]
    assert [n.count for n in c.levels[4]] == [1, 1, 1]
    assert len(c.levels[17]) == 3  # max_zoom + 1: the raw points


def test_cluster_centre_is_weighted_by_counts() -> None:
    pts = [(0.5, 0.5, {}, 1), (0.5001, 0.5, {}, 2), (0.5004, 0.5, {}, 3)]
    c = Clusters(pts, radius=50, max_zoom=16)
    top = c.levels[0]
    assert len(top) == 1 and top[0].count == 3
    assert abs(top[0].x - (0.5 + 0.5001 + 0.5004) / 3) < 1e-12


def test_source_clusters_and_filters() -> None:
    data = {"type": "FeatureCollection", "features": [
        _pt(0, 0, kind="cape"), _pt(0.5, 0, kind="cape"), _pt(1, 0, kind="bay"), _pt(120, 40, kind="cape")]}
    src = GeoJSONSource(data, maxzoom=18, feature_filter=lambda f: f.properties.get("kind") == "cape",
                        cluster={"radius": 50, "max_zoom": 17})
    feats = src.get_layers(0, 0, 0)["_geojson"].features
    clusters = [f for f in feats if f.properties.get("cluster")]
    singles = [f for f in feats if not f.properties.get("cluster")]
    assert len(clusters) == 1 and clusters[0].properties["point_count"] == 2
    assert len(singles) == 1 and singles[0].properties["kind"] == "cape"
    # at high zoom the two capes are separate points
    assert all(not f.properties.get("cluster") for f in src.get_layers(12, 2048, 2048)["_geojson"].features)
