"""Polygon fills: earcut triangles plus ring-edge pairs for fill outlines, for a batch of polygons."""

from __future__ import annotations

from collections.abc import Sequence

import mapbox_earcut
import numpy as np

from glrender._record import record

from ._batch import flatten, starts_of

EARCUT_MAX_RINGS = 500


@record
class PolygonMesh:
    pos: np.ndarray  # (N, 2) float32 ring points, rings kept as given (open or closed)
    triangles: np.ndarray  # (M, 3) uint32
    outlines: np.ndarray  # (K, 2) uint32 index pairs, one per ring edge (fill-outline GL_LINES)
    polygon_index: np.ndarray  # (N,) int32 index of the input polygon

    def __len__(self) -> int:
        return len(self.pos)


def signed_areas(pts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Twice the signed area of each ring, as MapLibre's calculateSignedArea (positive: clockwise on
    screen with y down, i.e. an exterior ring in vector tiles)."""
    if len(pts) == 0:
        return np.zeros(len(counts))
    starts = starts_of(counts)
    nxt = np.arange(1, len(pts) + 1)
    ends = starts + counts - 1
    nxt[ends[counts > 0]] = starts[counts > 0]  # close each ring implicitly
    x1, y1 = pts[:, 0], pts[:, 1]
    x2, y2 = pts[nxt, 0], pts[nxt, 1]
    # The same sum as MapLibre's (previous.x - x) * (y + previous.y), indexed one point later.
    terms = (x1 - x2) * (y1 + y2)
    owner = np.repeat(np.arange(len(counts)), counts)
    return np.bincount(owner, weights=terms, minlength=len(counts))


def limit_rings(polygon: Sequence[np.ndarray], max_rings: int = EARCUT_MAX_RINGS) -> list[np.ndarray]:
    """Keep the exterior ring and the max_rings - 1 largest holes (MapLibre's classifyRings limit,
    which bounds earcut's cost). The kept holes stay in input order."""
    rings = list(polygon)
    if max_rings <= 1 or len(rings) <= max_rings:
        return rings
    pts, counts = flatten(rings[1:])
    area = np.abs(signed_areas(pts, counts))
    keep = np.sort(np.argsort(-area, kind="stable")[: max_rings - 1])
    return [rings[0]] + [rings[1 + i] for i in keep]


def _outline_pairs(counts: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Every ring edge, closing edge included unless the ring already repeats its first point."""
    starts = starts_of(counts)
    n = len(pts)
    idx = np.arange(n)
    owner = np.repeat(np.arange(len(counts)), counts)
    nxt = idx + 1
    last = starts + counts - 1
    has = counts > 0
    nxt[last[has]] = starts[has]
    keep = np.ones(n, bool)
    # Zero-length closing edge of an explicitly closed ring draws nothing; leave it out.
    closing = np.zeros(n, bool)
    closing[last[has]] = True
    keep &= ~(closing & np.all(pts == pts[np.minimum(nxt, n - 1)], axis=1))
    keep &= counts[owner] >= 2
    return np.stack([idx[keep], nxt[keep]], axis=1).astype(np.uint32)


def tessellate_polygons(
    polygons: Sequence[Sequence[np.ndarray]], *, max_rings: int = EARCUT_MAX_RINGS
) -> PolygonMesh:
    """Triangulate polygons given as [exterior, hole, ...] rings in tile coordinates.

    Rings may be open or closed. Only the max_rings largest rings of a polygon are kept, like MapLibre.
    Earcut runs once per polygon (it cannot take several polygons at once); all bookkeeping around it
    is batched.
    """
    # Nearly every polygon is under the ring limit: only the others are copied and trimmed.
    ring_lists = [poly if len(poly) <= max_rings else limit_rings(poly, max_rings) for poly in polygons]
    rings = [r for rl in ring_lists for r in rl]
    rings_per_poly = np.fromiter((len(rl) for rl in ring_lists), dtype=np.int64, count=len(ring_lists))
    pts, counts = flatten(rings)
    ring_owner = np.repeat(np.arange(len(ring_lists)), rings_per_poly)
    poly_counts = np.bincount(ring_owner, weights=counts, minlength=len(ring_lists)).astype(np.int64)
    poly_starts = starts_of(poly_counts)
    ring_ends = np.cumsum(counts)  # global end offset of each ring

    # Earcut wants each polygon's ring ends relative to its first point: all computed at once, then
    # sliced per polygon (views, no copies). The loop body is only the earcut call: a dense tile has
    # thousands of small polygons (buildings), so per-polygon numpy work used to dominate.
    rel_ends = (ring_ends - np.repeat(poly_starts, rings_per_poly)).astype(np.uint32)
    first_ring = starts_of(rings_per_poly).tolist()
    triangulate = mapbox_earcut.triangulate_float64
    tris: list[np.ndarray] = []
    offsets: list[int] = []
    for s, n, nr, r0 in zip(poly_starts.tolist(), poly_counts.tolist(), rings_per_poly.tolist(), first_ring,
                            strict=True):
        if nr == 0 or n < 3:
            continue
        t = triangulate(pts[s:s + n], rel_ends[r0:r0 + nr])
        if len(t):
            tris.append(t)
            offsets.append(s)
    if tris:
        lengths = np.fromiter(map(len, tris), dtype=np.int64, count=len(tris))
        flat = np.concatenate(tris).astype(np.int64) + np.repeat(np.asarray(offsets, dtype=np.int64), lengths)
    else:
        flat = np.zeros(0, np.int64)
    triangles = flat.reshape(-1, 3).astype(np.uint32)

    return PolygonMesh(
        pos=pts.astype(np.float32),
        triangles=triangles,
        outlines=_outline_pairs(counts, pts),
        polygon_index=np.repeat(np.arange(len(ring_lists)), poly_counts).astype(np.int32),
    )
