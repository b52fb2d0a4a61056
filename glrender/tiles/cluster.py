"""Point clustering for GeoJSON sources with ``cluster: true``, following supercluster as MapLibre
configures it: a greedy pass per zoom from maxZoom down to 0, each unvisited point (or cluster of the
zoom above) absorbing its unvisited neighbours within ``radius`` pixels of a 512-px tile, the cluster
placed at the count-weighted centre. Tiles list the clusters and points of their zoom.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.tiles.features import POINT, Feature


@record
class _Node:
    x: float  # world fraction, 0..1
    y: float
    count: int
    props: dict[str, Any]  # original properties (points) or cluster properties
    id: Any = None
    zoom: float = math.inf  # the last zoom at which this node was visited
    children: list[_Node] = field(default_factory=list)


def abbreviate(count: int) -> str | int:
    """supercluster's point_count_abbreviated (JavaScript rounding: halves go up)."""
    if count >= 10000:
        return f"{math.floor(count / 1000 + 0.5)}k"
    if count >= 1000:
        v = math.floor(count / 100 + 0.5) / 10
        return f"{v:g}k"
    return count


def _cluster_props(cid: int, count: int) -> dict[str, Any]:
    return {"cluster": True, "cluster_id": cid, "point_count": count, "point_count_abbreviated": abbreviate(count)}


class Clusters:
    """Clusters of the points of one source at each integer zoom 0..max_zoom (+1: the raw points)."""

    def __init__(self, points: list[tuple[float, float, dict[str, Any], Any]], *, radius: float = 50.0,
                 max_zoom: int = 17, min_points: int = 2, tile_size: float = 512.0) -> None:
        self.radius, self.max_zoom, self.min_points, self.tile_size = radius, max_zoom, min_points, tile_size
        level = [_Node(x, y, 1, props, fid) for x, y, props, fid in points]
        self.levels: dict[int, list[_Node]] = {max_zoom + 1: level}
        self._next_id = len(level)
        for z in range(max_zoom, -1, -1):
            level = self._cluster(level, z)
            self.levels[z] = level

    def _cluster(self, nodes: list[_Node], zoom: int) -> list[_Node]:
        r = self.radius / (self.tile_size * 2**zoom)
        if not nodes:
            return []
        xy = np.array([(n.x, n.y) for n in nodes])
        order = np.argsort(xy[:, 0], kind="stable")
        sx = xy[order, 0]
        out: list[_Node] = []
        for i, p in enumerate(nodes):
            if p.zoom <= zoom:
                continue
            p.zoom = zoom
            lo = int(np.searchsorted(sx, p.x - r, side="left"))
            hi = int(np.searchsorted(sx, p.x + r, side="right"))
            cand = order[lo:hi]
            d2 = (xy[cand, 0] - p.x) ** 2 + (xy[cand, 1] - p.y) ** 2
            near = [nodes[j] for j in sorted(cand[d2 <= r * r].tolist()) if j != i and nodes[j].zoom > zoom]
            total = p.count + sum(n.count for n in near)
            if total > p.count and total >= self.min_points:
                wx, wy = p.x * p.count, p.y * p.count
                for n in near:
                    n.zoom = zoom
                    wx, wy = wx + n.x * n.count, wy + n.y * n.count
                cid = (i << 5) + (zoom + 1) + self._next_id
                out.append(_Node(wx / total, wy / total, total, _cluster_props(cid, total), cid,
                                 children=[p, *near]))
            else:
                out.append(p)
                if total > 1:
                    for n in near:
                        n.zoom = zoom
                        out.append(n)
        return out

    def tile_features(self, z: int, x: int, y: int, extent: int, buffer: float) -> list[Feature]:
        """Points and clusters of tile z/x/y in tile units, with ``buffer`` (tile fraction) around it."""
        level = self.levels[max(0, min(z, self.max_zoom + 1))]
        n = 2**z
        out: list[Feature] = []
        for node in level:
            for shift in (-1, 0, 1):  # copies across the antimeridian
                tx = (node.x + shift) * n - x
                ty = node.y * n - y
                if -buffer <= tx <= 1 + buffer and -buffer <= ty <= 1 + buffer:
                    pt = np.array([[round(tx * extent), round(ty * extent)]], dtype=np.float64)
                    out.append(Feature(POINT, [pt], dict(node.props), node.id))
        return out
