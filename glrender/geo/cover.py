"""Which tiles cover a camera view (pure).

Follows MapLibre's approach: a quadtree walk from z0 that culls tiles outside the view frustum and,
for pitched views, stops splitting tiles far from the camera (so the horizon is drawn from lower
zooms), emitting tiles drawn at the ideal zoom near the camera.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from glrender.geo import mercator
from glrender.geo.camera import Camera, TileID

# MapLibre keeps this many max-zoom tiles around the camera before it lowers the level of detail.
_RADIUS_OF_MAX_LOD_TILES = 3


def covering_zoom(camera: Camera, tile_size: int, round_zoom: bool) -> int:
    """The ideal integer tile zoom for a source, as MapLibre's coveringZoomLevel computes it."""
    z = camera.zoom + math.log2(512.0 / tile_size)
    # Never below 0: at negative map zooms the z0 tile is drawn shrunk (before the minzoom check).
    return max(0, int(math.floor(z + 0.5) if round_zoom else math.floor(z)))


def frustum_planes(clip_matrix: np.ndarray) -> np.ndarray:
    """Six planes (a, b, c, d) with a*x + b*y + c*z + d >= 0 inside (Gribb-Hartmann extraction)."""
    r = clip_matrix
    return np.array([r[3] + r[0], r[3] - r[0], r[3] + r[1], r[3] - r[1], r[3] + r[2], r[3] - r[2]])


def _box_visible(planes: Sequence[tuple[float, float, float, float]], x0: float, y0: float, x1: float,
                 y1: float) -> bool:
    # The box is flat (z = 0): test its "positive vertex" against every plane. Plain floats: this runs
    # for every tile the quadtree walk visits, where numpy's per-call cost dominated.
    for a, b, _c, d in planes:
        if a * (x1 if a >= 0 else x0) + b * (y1 if b >= 0 else y0) + d < 0:
            return False
    return True


def covering_tiles(
    camera: Camera,
    *,
    tile_size: int = 512,
    minzoom: int = 0,
    maxzoom: int = 22,
    round_zoom: bool = False,
    clip_matrix: np.ndarray | None = None,
    max_tiles: int = 4096,
) -> list[TileID]:
    """Tiles of a source needed to draw the view, nearest to the centre first.

    ``clip_matrix`` restricts the frustum (a framebuffer piece); by default the whole view is used.
    Below the source's minzoom nothing is drawn (the spec's rule); above its maxzoom tiles are
    overzoomed (data tile z = maxzoom, drawn at the ideal zoom).

    The whole-view cover is kept with the camera per set of arguments: the sources of a style mostly
    share tile size and zoom range, and each asks for its tiles.
    """
    if clip_matrix is not None:
        return _covering_tiles(camera, tile_size, minzoom, maxzoom, round_zoom, clip_matrix, max_tiles)
    key = ("cover", tile_size, minzoom, maxzoom, round_zoom, max_tiles)
    got = camera._cache.get(key)
    if got is None:
        got = camera._cache[key] = tuple(_covering_tiles(camera, tile_size, minzoom, maxzoom, round_zoom, None,
                                                         max_tiles))
    return list(got)


def _covering_tiles(camera: Camera, tile_size: int, minzoom: int, maxzoom: int, round_zoom: bool,
                    clip_matrix: np.ndarray | None, max_tiles: int) -> list[TileID]:
    ideal = covering_zoom(camera, tile_size, round_zoom)
    if ideal < minzoom:
        return []
    ideal = max(ideal, 0)
    data_max = min(ideal, maxzoom)
    clip = camera.world_matrix() if clip_matrix is None else clip_matrix
    planes = [(float(a), float(b), float(c), float(d)) for a, b, c, d in frustum_planes(clip)]
    ws = camera.world_size
    eye = camera.camera_world_position()
    # The ground point under the camera, in tiles of the deepest data zoom (MapLibre measures LOD
    # distance from there).
    n_max = 2**data_max
    eye_t = np.array([eye[0], eye[1]]) / ws * n_max
    # World copies: a wide view at a low zoom shows several (MapLibre's renderWorldCopies). The
    # frustum test below drops the invisible ones, so it is enough to offer enough of them.
    half = int(math.ceil(max(camera.width, camera.height) / camera.world_size)) + 1
    wraps = range(-half, half + 1)
    if camera.pitch == 0 and clip_matrix is None:
        flat = _flat_cover(camera, planes, ideal, data_max, eye_t, wraps, max_tiles)
        if flat is not None:
            return flat
    out: list[tuple[float, TileID]] = []
    stack: list[tuple[int, int, int, int]] = [(0, 0, 0, w) for w in wraps]
    while stack:
        z, x, y, w = stack.pop()
        ts = ws / 2**z
        x0 = x * ts + w * ws
        y0 = y * ts
        if not _box_visible(planes, x0, y0, x0 + ts, y0 + ts):
            continue
        # Distance from the camera's ground point to the box, in max-zoom tile units.
        k = 2 ** (data_max - z)
        bx0, by0 = (x + w * 2**z) * k, y * k
        dx = max(bx0 - eye_t[0], 0.0, eye_t[0] - (bx0 + k))
        dy = max(by0 - eye_t[1], 0.0, eye_t[1] - (by0 + k))
        longest = max(dx, dy)
        dist_to_split = _RADIUS_OF_MAX_LOD_TILES + (1 << (data_max - z)) - 2
        if z == data_max or (longest > dist_to_split and z >= minzoom and camera.pitch > 0):
            overscaled = ideal if z == data_max else z
            cx = (x0 + ts / 2) / ws * n_max - eye_t[0]
            cy = (y0 + ts / 2) / ws * n_max - eye_t[1]
            out.append((cx * cx + cy * cy, TileID(z, x, y, overscaled, w)))
            if len(out) > max_tiles:
                break
            continue
        for cy_ in (0, 1):
            for cx_ in (0, 1):
                stack.append((z + 1, 2 * x + cx_, 2 * y + cy_, w))
    out.sort(key=lambda t: t[0])
    return [t for _, t in out]


def _flat_cover(camera: Camera, planes: Sequence[tuple[float, float, float, float]], ideal: int, data_max: int,
                eye_t: np.ndarray, wraps: range, max_tiles: int) -> list[TileID] | None:
    """``covering_tiles`` of an unpitched view without walking down from zoom 0.

    Unpitched, the walk splits every visible tile down to ``data_max``, so the cover is the tiles of
    that zoom whose squares pass the frustum test. Their candidates lie within the view's half diagonal
    of the centre (one world pixel is one CSS pixel on the ground), plus a tile. They come in the walk's
    order: nearest first, ties in the order the walk meets them (world copies from the east, then each
    level's quadrants from the bottom right, i.e. descending Morton order with y above x). None when
    there would be more than ``max_tiles`` (the walk decides which to keep)."""
    ws = camera.world_size
    n = 2**data_max
    ts = ws / 2**data_max
    cx, cy = camera.center_point
    reach = math.hypot(camera.width, camera.height) / 2 + ts
    tx0, tx1 = math.floor((cx - reach) / ts), math.floor((cx + reach) / ts)
    ty0, ty1 = max(0, math.floor((cy - reach) / ts)), min(n - 1, math.floor((cy + reach) / ts))
    if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 4 * max_tiles:
        return None
    found: list[tuple[float, int, int, TileID]] = []
    ex, ey = float(eye_t[0]), float(eye_t[1])  # Python floats: numpy scalars are slow to add
    for xu in range(tx0, tx1 + 1):
        w, x = divmod(xu, n)
        if w not in wraps:
            continue
        x0 = x * ts + w * ws
        for y in range(ty0, ty1 + 1):
            y0 = y * ts
            if not _box_visible(planes, x0, y0, x0 + ts, y0 + ts):
                continue
            dx = (x0 + ts / 2) / ws * n - ex
            dy = (y0 + ts / 2) / ws * n - ey
            found.append((dx * dx + dy * dy, -w, -_morton(x, y), TileID(data_max, x, y, ideal, w)))
    if len(found) > max_tiles:
        return None
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found]


def _morton(x: int, y: int) -> int:
    """x and y bits interleaved, y's above x's at each level."""
    out, bit = 0, 0
    while x or y:
        out |= ((x & 1) << bit) | ((y & 1) << (bit + 1))
        x >>= 1
        y >>= 1
        bit += 2
    return out


def tile_in_bounds(z: int, x: int, y: int, bounds: tuple[float, float, float, float] | None) -> bool:
    """Whether a canonical tile touches a source's ``bounds`` (W, S, E, N degrees), as MapLibre's
    TileBounds decides which tiles a source has: tiles outside are never requested."""
    if bounds is None:
        return True
    w, s, e, n = max(-180.0, bounds[0]), max(-90.0, bounds[1]), min(180.0, bounds[2]), min(90.0, bounds[3])
    size = 2**z
    min_x = math.floor(float(mercator.lon_to_x(w)) * size)
    max_x = math.ceil(float(mercator.lon_to_x(e)) * size)
    min_y = math.floor(float(mercator.lat_to_y(n)) * size)
    max_y = math.ceil(float(mercator.lat_to_y(s)) * size)
    return min_x <= x < max_x and min_y <= y < max_y


Rect = tuple[float, float, float, float]


def unmasked_rects(tiles: list[TileID]) -> dict[TileID, list[Rect]]:
    """The parts of each raster tile left visible by the tiles drawn over it.

    MapLibre draws raster tiles highest ``overscaled_z`` first with a stencil per zoom, so a pixel shows
    the most detailed tile covering it (a parent standing in for a missing child shows only where no
    child is drawn). We get the same result without a stencil buffer: each tile is cut into quadtree
    cells not covered by a higher tile of the same world copy. Rects are fractions of the tile
    (x0, y0, x1, y1) in 0..1.
    """
    by_wrap: dict[int, list[TileID]] = {}
    for t in tiles:
        by_wrap.setdefault(t.wrap, []).append(t)
    out: dict[TileID, list[Rect]] = {}
    for t in tiles:
        above = [o for o in by_wrap[t.wrap] if o.overscaled_z > t.overscaled_z]
        out[t] = _free_cells(t, above)
    return out


def _free_cells(t: TileID, above: list[TileID]) -> list[Rect]:
    rects: list[Rect] = []
    stack = [(t.z, t.x, t.y)]
    while stack:
        z, x, y = stack.pop()
        covered = False
        inside = False
        for o in above:
            if o.z <= z:
                if (x >> (z - o.z)) == o.x and (y >> (z - o.z)) == o.y:
                    covered = True
                    break
            elif (o.x >> (o.z - z)) == x and (o.y >> (o.z - z)) == y:
                inside = True
        if covered:
            continue
        if not inside:
            k = 2.0 ** (z - t.z)
            fx, fy = x / k - t.x, y / k - t.y
            rects.append((fx, fy, fx + 1 / k, fy + 1 / k))
            continue
        for dy in (0, 1):
            for dx in (0, 1):
                stack.append((z + 1, 2 * x + dx, 2 * y + dy))
    rects.sort()
    return rects
