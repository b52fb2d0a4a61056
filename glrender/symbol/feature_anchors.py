"""Where a feature's symbols go in its tile: the anchors of point, line and line-center placement
(MapLibre's getAnchors for each geometry type), before any text is laid out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glrender.symbol.anchors import Anchor, center_anchor, clip_lines, line_anchors
from glrender.symbol.polylabel import pole_of_inaccessibility
from glrender.tiles.features import LINESTRING, POINT, POLYGON, Feature


def point_anchor_table(features: Sequence[Feature], extent: int) -> list[list[tuple[Anchor, np.ndarray | None]]]:
    """The anchors of point-placed features, by feature: what feature_anchors gives each, with the usual
    features (one point, as decoders make them) tested inside the tile in one numpy pass."""
    out: list[list[tuple[Anchor, np.ndarray | None]]] = [[] for _ in features]
    first = [f.geometry[0] if f.geom_type == POINT and len(f.geometry) == 1 else None for f in features]
    simple = [i for i, p in enumerate(first) if p is not None]
    single: list[int] = []
    if simple:
        parts: list[Any] = [first[i] for i in simple]
        try:
            pts = np.concatenate(parts).astype(np.float64, copy=False)
            if pts.ndim != 2 or pts.shape[1] != 2:
                raise ValueError("not (n, 2) points")
            counts = np.fromiter(map(len, parts), np.int64, len(parts))
        except (ValueError, TypeError):  # unusual geometry arrays: each feature the general way
            simple = []
        else:
            start = np.cumsum(counts) - counts
            one = counts == 1
            x, y = pts[start[one], 0], pts[start[one], 1]
            inside = (x >= 0) & (x < extent) & (y >= 0) & (y < extent)
            ones = np.flatnonzero(one)
            for k, px, py in zip(ones[inside].tolist(), x[inside].tolist(), y[inside].tolist(), strict=True):
                out[simple[k]] = [(Anchor(px, py, 0.0, -1), None)]
            single = ones.tolist()
    done = set(simple[k] for k in single)
    for i, f in enumerate(features):
        if i not in done:
            out[i] = feature_anchors(f, None, "point", 0.0, 0.0, 0.0, 0.0, 1.0, extent, 0.0)
    return out


def feature_anchors(f: Feature, lines_override: list[np.ndarray] | None, placement: str, spacing: float,
                    max_angle: float, label_len: float, window: float, overscaling: float, extent: int,
                    box_scale: float) -> list[tuple[Anchor, np.ndarray | None]]:
    """A feature's anchors, each with the line it follows (None for point anchors); ``lines_override``
    are its merged lines for line placement."""
    out: list[tuple[Anchor, np.ndarray | None]] = []

    def inside(x: float, y: float) -> bool:
        return 0 <= x < extent and 0 <= y < extent

    if placement in ("line", "line-center"):
        lines: list[np.ndarray] = []
        if lines_override is not None:
            lines = lines_override
        elif f.geom_type == LINESTRING:
            lines = list(f.geometry)
        elif f.geom_type == POLYGON:
            lines = [np.vstack([r, r[:1]]) for poly in f.geometry for r in poly if len(r)]
        if placement == "line":
            # Only the part inside the tile carries anchors; neighbours place their own parts.
            lines = clip_lines(lines, 0, 0, extent, extent)
        for line in lines:
            line = np.asarray(line, np.float64)
            if placement == "line-center":
                a = center_anchor(line, max_angle, label_len, window)
                if a is not None and inside(a.x, a.y):
                    out.append((a, line))
            else:
                for a in line_anchors(line, spacing, max_angle, label_len, window, overscaling, extent,
                                      box_scale=box_scale):
                    out.append((a, line))
        return out
    if f.geom_type == POINT:
        for pts in f.geometry:
            if not (isinstance(pts, np.ndarray) and pts.dtype == np.float64 and pts.ndim == 2):
                pts = np.asarray(pts, np.float64).reshape(-1, 2)
            for x, y in pts.tolist():  # floats, not numpy scalars
                if 0 <= x < extent and 0 <= y < extent:
                    out.append((Anchor(x, y, 0.0, -1), None))
    elif f.geom_type == LINESTRING:
        for line in f.geometry:
            if len(line) and inside(*line[0]):
                out.append((Anchor(float(line[0][0]), float(line[0][1]), 0.0, -1), None))
    elif f.geom_type == POLYGON:
        for poly in f.geometry:
            if not poly or len(poly[0]) < 3:
                continue
            x, y = pole_of_inaccessibility([np.asarray(r, np.float64) for r in poly])
            if inside(x, y):
                out.append((Anchor(x, y, 0.0, -1), None))
    return out
