"""Fill-extrusion meshes (MapLibre's FillExtrusionBucket): one wall quad per ring edge plus an earcut
roof, for a batch of polygons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from glrender._record import record

from ._batch import as_flags, close_rings, flatten, js_round, starts_of
from .distance import restart_runs
from .polygon import EARCUT_MAX_RINGS, limit_rings, tessellate_polygons

# MapLibre packs edge distance into an int16 and restarts it before it would pass this value, in
# its own tile units (every tile scaled to 8192 on load).
MAX_EDGE_DISTANCE = 32768.0
MAPLIBRE_EXTENT = 8192
NORMAL_FACTOR = 2.0**13


@record
class ExtrusionMesh:
    """Walls then roofs. ``normal`` is MapLibre's: walls ``unit(perp(p_i - p_(i-1)))`` with
    perp(x, y) = (-y, x), which for vector-tile exterior rings (clockwise on screen, y down) points INTO
    the polygon; MapLibre's light vector uses the matching convention, so port its lighting unchanged.
    Roofs (0, 0, 1)."""

    pos: np.ndarray  # (N, 2) float32
    normal: np.ndarray  # (N, 3) float32
    top: np.ndarray  # (N,) float32: 1 roof and upper wall vertices, 0 wall base
    edge_distance: np.ndarray  # (N,) float32 distance along the ring (walls), 0 on roofs
    polygon_index: np.ndarray  # (N,) int32
    indices: np.ndarray  # (M, 3) uint32, MapLibre's winding (it culls back faces)

    def __len__(self) -> int:
        return len(self.pos)


def pack_normal_ed(mesh: ExtrusionMesh, extent: int = 4096) -> np.ndarray:
    """MapLibre's a_normal_ed attribute exactly (int16 values as float32), for a verbatim shader port:
    (floor(nx * 8192) * 2 + top, ny * 16384, nz * 16384, round(edge distance in 8192-unit tiles))."""
    n = mesh.normal.astype(np.float64)
    out = np.stack([
        np.floor(n[:, 0] * NORMAL_FACTOR) * 2 + mesh.top,
        np.trunc(n[:, 1] * NORMAL_FACTOR * 2),
        np.trunc(n[:, 2] * NORMAL_FACTOR * 2),
        js_round(mesh.edge_distance.astype(np.float64) * (MAPLIBRE_EXTENT / extent)),
    ], axis=1)
    return (((out + 32768) % 65536) - 32768).astype(np.float32)  # int16 wrap-around, as MapLibre stores


def _count_per(flag: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner[flag], minlength=n)


def _entirely_outside(pts: np.ndarray, counts: np.ndarray, extent: int) -> np.ndarray:
    """MapLibre's isEntirelyOutside: every point beyond the same tile edge."""
    owner = np.repeat(np.arange(len(counts)), counts)
    n = len(counts)
    x, y = pts[:, 0], pts[:, 1]
    out = np.zeros(n, bool)
    for side in (x < 0, x > extent, y < 0, y > extent):
        out |= _count_per(side, owner, n) == counts
    return out & (counts > 0)


def _walls(pts: np.ndarray, counts: np.ndarray, ring_poly: np.ndarray, extent: int):
    owner = np.repeat(np.arange(len(counts)), counts)
    p2, p1 = pts[:-1], pts[1:]  # MapLibre walks edge p-1 -> p
    same_ring = owner[1:] == owner[:-1]
    boundary = ((p1[:, 0] == p2[:, 0]) & ((p1[:, 0] < 0) | (p1[:, 0] > extent))) | (
        (p1[:, 1] == p2[:, 1]) & ((p1[:, 1] < 0) | (p1[:, 1] > extent)))
    d = p1 - p2
    length = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    # Zero-length edges would give NaN normals in MapLibre and draw nothing; skip them.
    keep = np.flatnonzero(same_ring & ~boundary & (length > 0))
    d, length, p1, p2 = d[keep], length[keep], p1[keep], p2[keep]
    ring = owner[1:][keep]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / length[:, None]

    # Edge distance accumulates over the kept edges of each ring, restarting before 32768.
    cum = np.cumsum(length)
    new_ring = np.ones(len(ring), bool)
    new_ring[1:] = ring[1:] != ring[:-1]
    ring_base = np.maximum.accumulate(np.where(new_ring, np.arange(len(ring)), 0))
    start = cum - length - (cum - length)[ring_base]
    end = start + length
    base = restart_runs(start, end, ring, MAX_EDGE_DISTANCE * extent / MAPLIBRE_EXTENT)
    e0, e1 = start - base, end - base

    m = len(keep)
    pos = np.stack([p1, p1, p2, p2], axis=1).reshape(-1, 2)
    nrm = np.repeat(np.concatenate([normal, np.zeros((m, 1))], axis=1), 4, axis=0)
    top = np.tile(np.array([0.0, 1.0, 0.0, 1.0]), m)
    ed = np.stack([e0, e0, e1, e1], axis=1).reshape(-1)
    b = 4 * np.arange(m)[:, None]
    quads = (b + np.array([[0, 2, 1], [1, 2, 3]]).reshape(1, 6)).reshape(-1, 3)
    return pos, nrm, top, ed, np.repeat(ring_poly[ring], 4), quads


def tessellate_extrusions(
    polygons: Sequence[Sequence[np.ndarray]],
    *,
    extent: int = 4096,
    is_polygon: Sequence[bool] | bool = True,
    max_rings: int = EARCUT_MAX_RINGS,
) -> ExtrusionMesh:
    """Walls and roofs of [exterior, hole, ...] polygons in tile coordinates.

    A polygon whose exterior is entirely beyond one tile edge is dropped, rings entirely outside get no
    walls, and walls along the tile edge outside the tile are skipped (all as MapLibre). Items with
    ``is_polygon`` False are line features: MapLibre builds their walls (unclosed) but no roof.
    """
    n_poly = len(polygons)
    poly_flag = as_flags(is_polygon, n_poly, "is_polygon")
    # Nearly every polygon is under the ring limit: only the others are copied and trimmed.
    ring_lists = [p if len(p) <= max_rings or not f else limit_rings(p, max_rings)
                  for p, f in zip(polygons, poly_flag.tolist(), strict=True)]
    rpp = np.fromiter((len(r) for r in ring_lists), dtype=np.int64, count=n_poly)
    rings = [r for rl in ring_lists for r in rl]
    ring_poly = np.repeat(np.arange(n_poly), rpp)
    pts, counts = flatten(rings)

    outside = _entirely_outside(pts, counts, extent)
    first_ring = starts_of(rpp)
    poly_out = np.zeros(n_poly, bool)
    has = rpp > 0
    poly_out[has] = outside[first_ring[has]]
    use_ring = ~outside & ~poly_out[ring_poly] & (counts > 0)

    sel = np.repeat(use_ring, counts)
    wpts, wcounts = close_rings(pts[sel], counts[use_ring], poly_flag[ring_poly[use_ring]])
    wpos, wnrm, wtop, wed, wpoly, wtri = _walls(wpts, wcounts, ring_poly[use_ring], extent)

    roof_items = np.flatnonzero(poly_flag & ~poly_out)
    roof = tessellate_polygons([ring_lists[i] for i in roof_items], max_rings=max_rings)
    nr = len(roof.pos)
    base = len(wpos)
    # Earcut's triangles reversed, as MapLibre does, so roofs face up under back-face culling.
    roof_tri = roof.triangles.astype(np.int64)[:, [0, 2, 1]] + base

    return ExtrusionMesh(
        pos=np.concatenate([wpos, roof.pos.astype(np.float64)]).astype(np.float32),
        normal=np.concatenate([wnrm, np.tile([0.0, 0.0, 1.0], (nr, 1))]).astype(np.float32),
        top=np.concatenate([wtop, np.ones(nr)]).astype(np.float32),
        edge_distance=np.concatenate([wed, np.zeros(nr)]).astype(np.float32),
        polygon_index=np.concatenate([wpoly, roof_items[roof.polygon_index]]).astype(np.int32),
        indices=np.concatenate([wtri, roof_tri]).astype(np.uint32),
    )
