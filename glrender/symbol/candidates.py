"""Label candidates of one symbol layer as arrays, for placement.

Placement itself is sequential (each label collides with the ones placed before it), but most of what
it needs per candidate is not: where the anchor lands on screen, the text scale, whether the label can
reach the collision area at all, and, for upright screen-aligned point labels (most labels of a map),
their collision box. This module computes those for all candidates of a layer at once, so the
sequential loop only tests and inserts boxes.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np

from glrender._record import record, replace
from glrender.geo.camera import TileID
from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.collision import CollisionGrid
from glrender.symbol.project import View
from glrender.text.shaping import ONE_EM

Candidate = tuple[int, SymbolBucket, SymbolInstance]  # (item index, bucket at this tile, instance)


@record
class _Static:
    """Per-instance values of a bucket that do not depend on the camera."""

    anchors: np.ndarray   # (n, 2) tile units
    box: np.ndarray       # (n, 4) text box left, top, right, bottom (layout px), 0 without text
    extent: np.ndarray    # (n,) largest |box| over the text and its variable-anchor layouts
    has_text: np.ndarray  # (n,) bool
    plain: np.ndarray     # (n,) bool: text without variants, rotation or inline images
    plain_var: np.ndarray  # (n,) bool: the same with variable-anchor layouts
    has_line: np.ndarray  # (n,) bool
    has_icon: np.ndarray  # (n,) bool
    order: np.ndarray     # (n,) the instance's order in its bucket
    sort_key: np.ndarray  # (n,) symbol-sort-key


def _static(bucket: SymbolBucket) -> _Static:
    got = bucket.cache.get("candidates")
    if got is None:
        insts = bucket.instances
        n = len(insts)
        _none = (0.0, 0.0, 0.0, 0.0)
        box = np.array([i.text.box if i.text is not None else _none for i in insts], np.float64).reshape(n, 4)
        extent = np.abs(box).max(axis=1) if n else np.zeros(0)
        for i, inst in enumerate(insts):
            if inst.variants:  # the largest of all its layouts
                extent[i] = max(max(abs(v) for v in t.box) for t in [inst.text, *inst.variants])  # type: ignore[union-attr]
        got = bucket.cache["candidates"] = _Static(
            anchors=np.array([(i.anchor.x, i.anchor.y) for i in insts], np.float64).reshape(n, 2),
            box=box,
            extent=extent,
            has_text=np.array([i.text is not None for i in insts], bool),
            plain=np.array([i.text is not None and not i.variants and i.text_rotate == 0 and i.text.images is None
                            for i in insts], bool),
            plain_var=np.array([i.text is not None and bool(i.variants) and i.text_rotate == 0
                                and i.text.images is None for i in insts], bool),
            has_line=np.array([i.line is not None for i in insts], bool),
            has_icon=np.array([bool(i.icon) for i in insts], bool),
            order=np.array([i.order for i in insts], np.int64),
            sort_key=np.array([i.sort_key for i in insts], np.float64),
        )
    return got  # type: ignore[no-any-return]


class _Icons(NamedTuple):
    """Per instance, for one sprite sheet (arrays over a bucket's instances, or a layer's candidates)."""

    box: np.ndarray      # (n, 4) icon box at icon-size 1
    upright: np.ndarray  # (n,) bool: an icon the sheet has, not rotated
    has: np.ndarray      # (n,) bool: an icon the sheet has
    radius: np.ndarray   # (n,) how far its corners reach from the anchor at icon-size 1 (``reach_of``)


def _icon_static(bucket: SymbolBucket, sheet: Any) -> _Icons:
    """The icons of a bucket's instances in one sprite sheet (@1x and @2x renders use different sheets,
    so each is kept)."""
    key = ("icons", id(sheet))
    got = bucket.cache.get(key)
    if got is None or got[0] is not sheet:
        from glrender.symbol.icons import shape_icon

        insts = bucket.instances
        box = np.zeros((len(insts), 4))
        ok = np.zeros(len(insts), bool)
        has = np.zeros(len(insts), bool)
        radius = np.zeros(len(insts))
        for i, inst in enumerate(insts):
            img = sheet.get(inst.icon) if inst.icon else None
            if img is None:
                continue
            has[i] = True
            radius[i] = math.hypot(img.width, img.height) / img.pixel_ratio + math.hypot(*inst.icon_offset)
            if inst.icon_rotate == 0:
                box[i] = shape_icon(img, inst.icon_offset, inst.icon_anchor)
                ok[i] = True
        got = bucket.cache[key] = (sheet, _Icons(box, ok, has, radius))
    return got[1]  # type: ignore[no-any-return]


@record
class Batch:
    """All candidates of a layer this frame (index k) with what placement needs of each."""

    cands: list[Candidate]
    world: np.ndarray     # (N, 2) anchor in world px
    screen: np.ndarray    # (N, 2) anchor in CSS px
    w: np.ndarray         # (N,) distance along the view axis
    keep: list[bool]      # on the visible side and able to reach the collision area
    size: list[float]     # text-size (0 without text)
    upright: list[bool]   # an upright screen-aligned label whose box is ``boxes[k]``
    boxes: list[list[float]]
    fs: list[float]       # glyph scale of upright labels
    icon_upright: list[bool]  # an upright screen-aligned icon: box at icon-size 1, its padded collision box
    icon_box: np.ndarray      # (N, 4)
    icon_cbox: list[list[float]]
    icon_scale: list[float]
    text_only: list[bool]     # upright labels without an icon the sprite sheet has
    var_upright: list[bool]   # upright labels with variable anchors: glyph scale and padding below
    var_fs: list[float]
    var_pad: list[float]
    item: np.ndarray          # (N,) index of the candidate's item (tile)
    inst_order: np.ndarray    # (N,) instance order within its bucket
    sort_key: np.ndarray      # (N,)

    def placement_order(self, rank: list[int], by_key: bool, by_screen_y: bool) -> list[int]:
        """Candidate indices in the order placement visits them: tiles by ``rank``, then bucket order;
        re-sorted (stably) by symbol-sort-key or from the bottom of the screen up when asked."""
        order = np.lexsort((self.inst_order, np.asarray(rank, np.int64)[self.item]))
        if by_key:
            order = order[np.argsort(self.sort_key[order], kind="stable")]
        elif by_screen_y:
            order = order[np.argsort(-self.screen[order, 1], kind="stable")]
        return order.tolist()  # type: ignore[no-any-return]


def gather(view: View, grid: CollisionGrid, items: Any, paint: Any, sheet: Any, padding: float,
           text_upright: bool, along_map: bool, icon_upright: tuple[float, float, bool] | None = None
           ) -> Batch | None:
    """The layer's candidates in item order. ``text_upright``: the layer's point labels are drawn upright
    in screen space without translation, so their boxes need no per-label geometry; ``along_map``: labels
    with a line follow it (they never are upright point labels); ``icon_upright``: (icon-size,
    icon-padding, icons follow lines) when the layer's icons are upright in screen space, untranslated
    and not fitted to text, so their boxes come from the batch too."""
    # Anchors behind the camera give infinite or NaN screen positions, which the masks below drop;
    # one errstate for all of it (entering one cost as much as a numpy call).
    with np.errstate(divide="ignore", invalid="ignore"):
        return _gather(view, grid, items, paint, sheet, padding, text_upright, along_map, icon_upright)


def _gather(view: View, grid: CollisionGrid, items: Any, paint: Any, sheet: Any, padding: float,
            text_upright: bool, along_map: bool, icon_upright: tuple[float, float, bool] | None
            ) -> Batch | None:
    """``gather`` inside its errstate."""
    cands: list[Candidate] = []
    statics: list[_Static] = []
    world_parts: list[np.ndarray] = []
    item_of: list[int] = []
    for ti, (tile, bucket) in enumerate(items):
        if isinstance(bucket, SymbolBucket) and bucket.instances:
            # A cached bucket is shared by every world copy of its tile: place it at this copy.
            at = bucket if bucket.tile == tile else replace(bucket, tile=tile)
            st = _static(bucket)
            cands.extend(zip(repeat(ti), repeat(at), bucket.instances))  # (item, bucket, instance), in C
            statics.append(st)
            item_of.append(ti)
            world_parts.append(view.tile_to_world(at.tile, at.extent, st.anchors))
    if not cands:
        return None
    world = np.concatenate(world_parts) if len(world_parts) > 1 else world_parts[0]
    screen, w = view.to_screen(world)
    n = len(cands)
    size_const = float(paint.const["text-size"] or 0.0) if "text-size" in paint.const else None
    ls = _layer_static(statics, item_of, along_map, size_const)
    has_text, has_icon = ls.has_text, ls.has_icon
    sx, sy = screen[:, 0], screen[:, 1]
    valid = (w > 0) & np.isfinite(sx) & np.isfinite(sy)
    # text-size of every labelled candidate on the visible side
    if ls.size is not None:
        size = ls.size
    else:
        size = np.zeros(n)
        for k in np.flatnonzero(has_text & valid).tolist():
            _ti, bucket, inst = cands[k]
            size[k] = float(paint.get("text-size", bucket, inst.feature) or 0.0)
    off = np.maximum(np.maximum(grid.x0 - sx, sx - grid.x1), np.maximum(grid.y0 - sy, sy - grid.y1))
    far = valid & (off > 0)
    keep = valid.copy()
    icons = None
    if sheet is not None and ls.any_icon:
        parts = [_icon_static(b, sheet) for b in _buckets(items)]
        icons = parts[0] if len(parts) == 1 else _Icons(*(np.concatenate(col) for col in zip(*parts, strict=True)))
    if far.any():
        _cull(view, paint, cands, far, off, w, size, ls.extent, has_text, has_icon, sheet, padding, keep,
              icons, icon_upright)
    upright: np.ndarray | None = None
    boxes: list[list[float]] = []
    fs_out: list[float] = [0.0] * n
    pr = np.minimum(np.maximum(0.5 + 0.5 * (view.ccd / w), 0.0), 4.0)  # screen-aligned perspective
    var_ok: np.ndarray | None = None
    var_fs: list[float] = [0.0] * n
    var_pad: list[float] = [0.0] * n
    if text_upright:
        # the base masks hold "has a text size" already when the size is constant
        var_ok = keep & ls.var_base if ls.size is not None else keep & ls.var_base & (size > 0)
        if var_ok.any():
            var_fs = np.where(var_ok, size / ONE_EM * pr, 0.0).tolist()
            var_pad = np.where(var_ok, padding * pr, 0.0).tolist()
        upright = keep & ls.upright_base if ls.size is not None else keep & ls.upright_base & (size > 0)
        if upright.any():
            fs = size / ONE_EM * pr
            box = ls.box
            p = padding * pr
            b = np.empty((n, 4))
            b[:, :2] = screen + box[:, :2] * fs[:, None] - p[:, None]
            b[:, 2:] = screen + box[:, 2:] * fs[:, None] + p[:, None]
            b[~upright] = 0.0
            boxes = b.tolist()  # lists, not tuples: one fewer object per candidate
            fs_out = np.where(upright, fs, 0.0).tolist()
    icon_ok: np.ndarray | None = None
    ibox = np.zeros((n, 4))
    icbox: list[list[float]] = []
    iscale: list[float] = [0.0] * n
    if icon_upright is not None and icons is not None and icon_upright[0] > 0:
        isize, ipad, icons_follow = icon_upright
        ibox = icons.box
        icon_ok = keep & icons.upright
        if icons_follow:
            icon_ok &= ls.no_line
        if icon_ok.any():
            sc = isize * pr
            x1, y1 = sx + ibox[:, 0] * sc, sy + ibox[:, 1] * sc
            x2, y2 = sx + ibox[:, 2] * sc, sy + ibox[:, 3] * sc
            p = ipad * pr
            b = np.empty((n, 4))
            b[:, 0] = np.minimum(x1, x2) - p
            b[:, 1] = np.minimum(y1, y2) - p
            b[:, 2] = np.maximum(x1, x2) + p
            b[:, 3] = np.maximum(y1, y2) + p
            b[~icon_ok] = 0.0
            icbox = b.tolist()
            iscale = np.where(icon_ok, sc, 0.0).tolist()
    if upright is None:
        upright_l, text_only = [False] * n, [False] * n
    else:
        upright_l = upright.tolist()
        text_only = (upright & (ls.no_icon if icons is None else ~icons.has)).tolist()
    return Batch(cands=cands, world=world, screen=screen, w=w, keep=keep.tolist(), size=size.tolist(),
                 upright=upright_l, boxes=boxes, fs=fs_out,
                 icon_upright=icon_ok.tolist() if icon_ok is not None else [False] * n, icon_box=ibox,
                 icon_cbox=icbox, icon_scale=iscale, text_only=text_only,
                 var_upright=var_ok.tolist() if var_ok is not None else [False] * n, var_fs=var_fs,
                 var_pad=var_pad, item=ls.item, inst_order=ls.order, sort_key=ls.sort_key)


class _LayerStatic(NamedTuple):
    """What ``gather`` needs of a layer's buckets that depends neither on the camera nor on the render:
    the buckets' static columns joined, the item of each candidate and the masks of labels that may be
    upright. The same for every render of the same buckets at a zoom, so kept (``_layer_static``)."""

    has_text: np.ndarray
    has_icon: np.ndarray
    any_icon: bool
    no_icon: np.ndarray       # ~has_icon
    no_line: np.ndarray       # ~has_line
    box: np.ndarray
    extent: np.ndarray
    item: np.ndarray          # (N,) int64
    order: np.ndarray
    sort_key: np.ndarray
    size: np.ndarray | None   # a constant text-size on every labelled candidate (else None: per feature)
    var_base: np.ndarray      # plain_var, not along a followed line (and sized, with a constant size)
    upright_base: np.ndarray  # plain, not along a followed line (and sized, with a constant size)


_LAYER_STATICS_KEPT = 256
_layer_statics: dict[Any, tuple[tuple[_Static, ...], _LayerStatic]] = {}


def _layer_static(statics: list[_Static], item_of: list[int], along_map: bool,
                  size_const: float | None) -> _LayerStatic:
    key = (tuple(map(id, statics)), tuple(item_of), along_map, size_const)
    hit = _layer_statics.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], statics, strict=True)):
        return hit[1]
    if len(_layer_statics) >= _LAYER_STATICS_KEPT:
        _layer_statics.clear()

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(st, name) for st in statics]) if len(statics) > 1 else \
            getattr(statics[0], name)

    has_text, has_icon, has_line = cat("has_text"), cat("has_icon"), cat("has_line")
    n = len(has_text)
    not_followed = ~(has_line & along_map)
    var_base = cat("plain_var") & not_followed
    upright_base = cat("plain") & not_followed
    size = None
    if size_const is not None:
        size = np.zeros(n)
        size[has_text] = size_const
        sized = size > 0
        var_base = var_base & sized
        upright_base = upright_base & sized
    item = (np.full(n, item_of[0], np.int64) if len(statics) == 1 else
            np.repeat(np.asarray(item_of, np.int64), [len(st.order) for st in statics]))
    got = _LayerStatic(has_text=has_text, has_icon=has_icon, any_icon=bool(has_icon.any()), no_icon=~has_icon,
                       no_line=~has_line, box=cat("box"), extent=cat("extent"), item=item, order=cat("order"),
                       sort_key=cat("sort_key"), size=size, var_base=var_base, upright_base=upright_base)
    for arr in got:
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False  # shared by every render: nothing may change them
    _layer_statics[key] = (tuple(statics), got)
    return got


def _buckets(items: Any) -> list[SymbolBucket]:
    """The buckets with candidates, in item order (as ``gather`` concatenates them)."""
    return [b for _t, b in items if isinstance(b, SymbolBucket) and b.instances]


def _cull(view: View, paint: Any, cands: list[Candidate], far: np.ndarray, off: np.ndarray, w: np.ndarray,
          size: np.ndarray, extent: np.ndarray, has_text: np.ndarray, has_icon: np.ndarray, sheet: Any,
          padding: float, keep: np.ndarray, icons: _Icons | None,
          icon_const: tuple[float, float, bool] | None) -> None:
    """Drop anchors off the collision area (pitched views see thousands toward the horizon) whose label
    cannot reach back into it (``reach_of``): in one numpy pass for labels with a constant translation
    whose icons, if any, have a constant size and padding and no text-fit."""
    moves = _const_moves(paint)
    if icons is None:
        simple = far
    elif icon_const is not None:
        simple = far.copy()
    else:
        simple = far & ~has_icon
    if moves is not None and simple.any():
        ws = w[simple]
        pr = np.minimum(np.maximum(0.5 + 0.5 * np.maximum(view.ccd / ws, ws / view.ccd), 0.0), 4.0)
        persp = np.maximum(1.0, view.ccd / ws)
        reach_t = np.where(has_text[simple], extent[simple] * size[simple] / ONE_EM * pr * persp + padding * pr, 0.0)
        reach = np.maximum(reach_t, 0.0)
        if icons is not None and icon_const is not None:
            isize, ipad = icon_const[0], icon_const[1]
            reach_i = np.where(icons.has[simple], icons.radius[simple] * isize * pr * persp + ipad * pr, 0.0)
            reach = np.maximum(reach, reach_i)
        reach = reach + moves * persp + 1.0
        idx = np.flatnonzero(simple)
        keep[idx[off[simple] > reach]] = False
        rest = far & ~simple
    else:
        rest = far
    for k in np.flatnonzero(rest).tolist():
        _ti, bucket, inst = cands[k]
        if off[k] > reach_of(view, paint, bucket, inst, sheet, float(w[k]), padding):
            keep[k] = False


def _const_moves(paint: Any) -> float | None:
    """The longest of text-translate and icon-translate when neither depends on the feature."""
    moves = 0.0
    for kind in ("text", "icon"):
        name = f"{kind}-translate"
        if name not in paint.const:
            return None
        tr = paint.const[name] or [0, 0]
        moves = max(moves, math.hypot(float(tr[0]), float(tr[1])))
    return moves


def reach_of(view: View, paint: Any, bucket: SymbolBucket, inst: SymbolInstance, sheet: Any, w: float,
             padding: float) -> float:
    """A bound (CSS px) on how far any shape of a label can lie from its anchor: text and icon boxes at
    the largest perspective scaling either pitch alignment gives, plus padding and translation."""
    fi = inst.feature
    pr = min(max(0.5 + 0.5 * max(view.ccd / w, w / view.ccd), 0.0), 4.0)
    persp = max(1.0, view.ccd / w)  # map-plane shapes near the camera magnify
    reach_t = 0.0
    if inst.text is not None:
        size = float(paint.get("text-size", bucket, fi) or 0.0)
        extent = max(max(abs(v) for v in t.box) for t in [inst.text, *inst.variants])
        reach_t = extent * size / ONE_EM * pr * persp + padding * pr
    reach_i = 0.0
    img = sheet.get(inst.icon) if (sheet is not None and inst.icon) else None
    if img is not None:
        isize = float(paint.get("icon-size", bucket, fi) or 0.0)
        r = (math.hypot(img.width, img.height) / img.pixel_ratio + math.hypot(*inst.icon_offset)) * isize
        fit = paint.get("icon-text-fit", bucket, fi)
        if fit and fit != "none":
            pad = paint.get("icon-text-fit-padding", bucket, fi) or [0, 0, 0, 0]
            r += reach_t + 2 * max(abs(float(v)) for v in pad)
        ipad = paint.get("icon-padding", bucket, fi)
        p = float(ipad[0]) if isinstance(ipad, list | tuple) and ipad else 2.0
        reach_i = r * pr * persp + p * pr
    moves = 0.0
    for kind in ("text", "icon"):
        tr = paint.get(f"{kind}-translate", bucket, fi) or [0, 0]
        moves = max(moves, math.hypot(float(tr[0]), float(tr[1])))
    return max(reach_t, reach_i) + moves * persp + 1.0


def tile_rank(tiles: list[TileID], angle: float) -> list[int]:
    """MapLibre visits tiles top to bottom of the rotated view to place, and draws them in reverse."""
    c, s = math.cos(angle), math.sin(angle)

    def key(i: int) -> tuple[float, float]:
        t = tiles[i]
        x = t.x + t.wrap * 2**t.z
        return (x * s + t.y * c, x * c - t.y * s)

    order = sorted(range(len(tiles)), key=key)
    rank = [0] * len(tiles)
    for r, i in enumerate(order):
        rank[i] = r
    return rank
