"""Placed symbols to vertex arrays: glyph and icon quads with their per-quad paint values.

Placement decides which labels show; this module turns them into the arrays the symbol shaders draw.
Everything per label is appended as raw values and the arrays are built once per layer, in numpy:
upright screen-aligned labels (most of them) even hand over only their anchor and scale, and their
glyph corners are computed for all of them at once (per-label numpy calls made placement slow).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glrender._record import record, replace
from glrender.buckets.base import as_vec4
from glrender.geo.camera import Camera
from glrender.symbol.bucket import SymbolBucket, SymbolInstance
from glrender.symbol.icons import icon_tex
from glrender.symbol.project import _CORNER_COLUMNS, View

_QUAD_INDICES = np.array([0, 1, 2, 1, 3, 2], np.uint32)

# The symbol shaders' vertex attributes, (name, float components), in the order one vertex holds them:
# a layer's vertices are one float32 array, uploaded as one buffer.
LAYOUT: tuple[tuple[str, int], ...] = (("a_clip", 4), ("a_tex", 2), ("a_data", 2), ("a_fill_color", 4),
                                       ("a_halo_color", 4), ("a_props", 3))
STRIDE = sum(n for _, n in LAYOUT)


def _columns(packed: np.ndarray) -> dict[str, np.ndarray]:
    """Each attribute of LAYOUT as a view of its columns in ``packed`` (vertices, STRIDE)."""
    out: dict[str, np.ndarray] = {}
    at = 0
    for name, n in LAYOUT:
        out[name] = packed[:, at:at + n]
        at += n
    return out


@record
class VertexSet:
    """Quads ready to draw: interleaved float32 vertices (4 per quad, LAYOUT), triangle indices, and
    ``arrays``, each attribute as a view of its columns in ``packed``."""

    packed: np.ndarray
    indices: np.ndarray
    arrays: dict[str, np.ndarray]

    @classmethod
    def of(cls, arrays: dict[str, np.ndarray], indices: np.ndarray) -> VertexSet:
        """Pack per-attribute arrays (every name of LAYOUT, one row per vertex)."""
        n = len(arrays["a_clip"])
        packed = np.empty((n, STRIDE), np.float32)
        cols = _columns(packed)
        for name, _ in LAYOUT:
            cols[name][:] = arrays[name]
        return cls(packed, indices, cols)


class Quads:
    """Accumulates glyph or icon quads of one layer, in draw order.

    A label comes either with its clip-space corners (n, 4, 4) or, for an upright screen-aligned label,
    as ``(glyph quads, anchor x, anchor y, scale)`` whose corners ``build`` computes in one batch."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.clip: list[np.ndarray | None] = []
        self.deferred: list[tuple[int, np.ndarray, float, float, float]] = []
        self.tex: list[np.ndarray] = []
        self.counts: list[int] = []
        self.scales: list[float] = []
        self.gamma: list[np.ndarray | None] = []   # None: 1 for every vertex
        self.fill: list[np.ndarray] = []            # (4,) for the whole label or (n, 4) per glyph
        self.halo: list[tuple[float, ...]] = []
        self.props: list[tuple[float, float, float]] = []

    def _common(self, n: int, tex: np.ndarray, font_scale: float, gamma: np.ndarray | None, fill: np.ndarray,
                halo: tuple[float, ...], props: tuple[float, float, float]) -> None:
        self.tex.append(tex)
        self.counts.append(n)
        self.scales.append(font_scale)
        self.gamma.append(gamma)
        self.fill.append(fill)
        self.halo.append(halo)
        self.props.append(props)

    def add(self, clip: np.ndarray, tex: np.ndarray, font_scale: float, gamma: np.ndarray | None,
            fill: np.ndarray, halo: tuple[float, ...], props: tuple[float, float, float]) -> None:
        n = len(tex)
        self.clip.append(clip.reshape(n * 4, 4))
        if gamma is not None:
            gamma = np.broadcast_to(np.asarray(gamma, np.float64).reshape(-1), (n * 4,))
        self._common(n, tex, font_scale, gamma, fill, halo, props)

    def add_upright(self, quads: np.ndarray, ax: float, ay: float, fs: float, tex: np.ndarray, font_scale: float,
                    fill: np.ndarray, halo: tuple[float, ...], props: tuple[float, float, float]) -> None:
        """A screen-aligned label without rotation: glyph corners are ``anchor + quad * fs``."""
        self.deferred.append((len(self.clip), quads, ax, ay, fs))
        self.clip.append(None)
        self._common(len(tex), tex, font_scale, None, fill, halo, props)

    def _deferred_clip(self) -> None:
        """Fill in the clip corners of every upright label at once."""
        d = self.deferred
        if not d:
            return
        counts = [len(q) for _, q, _, _, _ in d]
        clip = self.view.screen_to_clip(self._upright_px(counts))
        at = 0
        for (slot, _q, _x, _y, _f), n in zip(d, counts, strict=True):
            self.clip[slot] = clip[at * 4:(at + n) * 4]
            at += n

    def _upright_px(self, counts: list[int]) -> np.ndarray:
        """The screen corners (glyphs, 4, 2) of the upright labels: anchor + quad corner * scale."""
        d = self.deferred
        quads = np.concatenate([q for _, q, _, _, _ in d]) if len(d) > 1 else d[0][1]
        fs = np.repeat(np.array([e[4] for e in d], np.float64), counts)
        anchor = np.repeat(np.array([(e[2], e[3]) for e in d], np.float64), counts, axis=0)
        return quads[:, _CORNER_COLUMNS].reshape(len(quads), 4, 2) * fs[:, None, None] + anchor[:, None, :]  # type: ignore[no-any-return]

    def build(self) -> VertexSet | None:
        """The layer's vertices, written straight into the interleaved float32 array (assignment rounds
        as astype would). Per-label values are repeated to the vertices in one go: a layer with few
        labels used to spend more on the number of numpy calls than on the work."""
        if not self.clip:
            return None
        n = sum(self.counts)
        packed = np.empty((n * 4, STRIDE), np.float32)
        if len(self.deferred) == len(self.clip):
            # every label upright: their corners go straight into a_clip (View.screen_to_clip)
            p = self._upright_px(self.counts).reshape(-1, 2)
            packed[:, 0] = p[:, 0] / self.view.width * 2 - 1
            packed[:, 1] = 1 - p[:, 1] / self.view.height * 2
            packed[:, 2] = 0.0
            packed[:, 3] = 1.0
        else:
            self._deferred_clip()
            packed[:, 0:4] = np.concatenate(self.clip)  # type: ignore[arg-type]  # every slot is filled now
        tex = np.concatenate(self.tex) if len(self.tex) > 1 else self.tex[0]
        corners = packed.reshape(n, 4, STRIDE)
        # (x, y), (x + w, y), (x, y + h), (x + w, y + h); adding w * 0 leaves x as it is
        corners[:, :, _TEX] = tex[:, 0:1] + tex[:, 2:3] * np.array(_TEX_X, tex.dtype)
        corners[:, :, _TEX + 1] = tex[:, 1:2] + tex[:, 3:4] * np.array(_TEX_Y, tex.dtype)
        # One row per label: a_data (scale, gamma 1), a_fill_color, a_halo_color, a_props, which LAYOUT
        # keeps side by side.
        labels = len(self.counts)
        per_label = np.empty((labels, _LABEL_COLUMNS))
        per_label[:, 0] = self.scales
        per_label[:, 1] = 1.0
        flat_fill = all(f.ndim == 1 for f in self.fill)
        per_label[:, 2:6] = self.fill if flat_fill else 0.0
        per_label[:, 6:10] = self.halo
        per_label[:, 10:13] = self.props
        per_vertex = np.asarray(self.counts) * 4  # vertices of each added label
        packed[:, _DATA:_DATA + _LABEL_COLUMNS] = np.repeat(per_label, per_vertex, axis=0)
        if any(g is not None for g in self.gamma):
            packed[:, _DATA + 1] = np.concatenate([g if g is not None else np.ones(c * 4) for g, c in
                                                   zip(self.gamma, self.counts, strict=True)])
        if not flat_fill:
            fill = np.concatenate([f if f.ndim == 2 else np.broadcast_to(f, (c, 4))
                                   for f, c in zip(self.fill, self.counts, strict=True)])
            packed[:, _DATA + 2:_DATA + 6] = np.repeat(fill, 4, axis=0)
        return VertexSet(packed, quad_indices(n), _columns(packed))


_COLUMN = {name: sum(n for _, n in LAYOUT[:i]) for i, (name, _) in enumerate(LAYOUT)}  # first column
_TEX = _COLUMN["a_tex"]
# build repeats these per-label attributes to the vertices in one block, so LAYOUT keeps them side by
# side in this order (tests/unit/symbol/test_quads_layout.py)
PER_LABEL = ("a_data", "a_fill_color", "a_halo_color", "a_props")
_DATA = _COLUMN[PER_LABEL[0]]
_LABEL_COLUMNS = sum(n for name, n in LAYOUT if name in PER_LABEL)
_TEX_X = (0.0, 1.0, 0.0, 1.0)
_TEX_Y = (0.0, 0.0, 1.0, 1.0)
_quad_index_memo: list[np.ndarray] = [np.zeros((0, 3), np.uint32)]


def quad_indices(n: int) -> np.ndarray:
    """Triangle indices of ``n`` quads of 4 vertices each, (2n, 3); a read-only view of one array
    kept for the most quads asked so far."""
    have = _quad_index_memo[0]
    if len(have) < 2 * n:
        have = ((np.arange(max(n, len(have) + 64), dtype=np.uint32) * 4)[:, None]
                + _QUAD_INDICES).reshape(-1, 3)
        have.flags.writeable = False
        _quad_index_memo[0] = have
    return have[:2 * n]


def text_style(paint: Any, bucket: SymbolBucket, fi: int) -> tuple[np.ndarray, tuple[float, ...],
                                                                   tuple[float, float, float], bool]:
    """Fill colour, halo colour, (opacity, halo width, halo blur) and "has a visible halo" of a label;
    made once per layer when none of them depends on the feature."""
    const = paint.text_style_const
    if const is not None:
        return const  # type: ignore[no-any-return]
    color = as_vec4(paint.get("text-color", bucket, fi))
    halo = as_vec4(paint.get("text-halo-color", bucket, fi))
    hw = float(paint.get("text-halo-width", bucket, fi) or 0.0)
    props = (float(paint.get("text-opacity", bucket, fi)), hw, float(paint.get("text-halo-blur", bucket, fi) or 0))
    out = (np.asarray(color, np.float64), halo, props, hw > 0 and halo[3] > 0)
    if paint.text_style_is_const:
        paint.text_style_const = out
    return out


def _label_fill(fill: np.ndarray, inst: SymbolInstance) -> np.ndarray:
    text = inst.text
    assert text is not None
    if any(c is not None for c in text.colors):  # formatted sections with their own text-color
        fill = np.tile(fill, (len(text.tex), 1))
        for gi, c in enumerate(text.colors):
            if c is not None:
                fill[gi] = as_vec4(c)
    return fill


def emit_text(quads: Quads, paint: Any, bucket: SymbolBucket, inst: SymbolInstance, clip: np.ndarray,
              fs: float, pitch_align: str, cam: Camera, view: View) -> bool:
    text = inst.text
    assert text is not None
    fill, halo, props, has_halo = text_style(paint, bucket, inst.feature)
    gamma = clip[..., 3] / (math.cos(cam.pitch_rad) * view.ccd) if pitch_align == "map" else None
    quads.add(clip, text.tex, fs, gamma, _label_fill(fill, inst), halo, props)
    return has_halo


def emit_upright_text(quads: Quads, paint: Any, bucket: SymbolBucket, inst: SymbolInstance, ax: float, ay: float,
                      fs: float) -> bool:
    text = inst.text
    assert text is not None
    fill, halo, props, has_halo = text_style(paint, bucket, inst.feature)
    quads.add_upright(text.quads, ax, ay, fs, text.tex, fs, _label_fill(fill, inst), halo, props)
    return has_halo


def emit_inline_images(quads: Quads, paint: Any, bucket: SymbolBucket, inst: SymbolInstance,
                       clip: np.ndarray, sheet: Any, atlas: Any) -> tuple[np.ndarray, SymbolInstance]:
    """Queue the inline images of a label (drawn from the icon atlas with the text's opacity) and return
    the clip corners and a copy of the instance with its glyphs only (the cached one stays whole)."""
    text = inst.text
    assert text is not None and text.images is not None
    is_img = np.array([n is not None for n in text.images])
    if sheet is not None and atlas is not None:
        opacity = float(paint.get("text-opacity", bucket, inst.feature))
        for qi in np.flatnonzero(is_img):
            img = sheet.get(text.images[qi])
            if img is None:
                continue
            x, y, w, h = icon_tex(atlas, img)
            tex = np.array([(x - 1, y - 1, w + 2, h + 2)], np.float64)  # with the padding texel
            quads.add(clip[qi:qi + 1], tex, 1.0, None, np.ones(4), (0.0, 0.0, 0.0, 0.0), (opacity, 0.0, 0.0))
    keep = ~is_img
    glyphs = replace(text, quads=text.quads[keep], tex=text.tex[keep], centers=text.centers[keep],
                     colors=[c for c, k in zip(text.colors, keep, strict=True) if k], images=None)
    return clip[keep], replace(inst, text=glyphs)
