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
        quads = np.concatenate([q for _, q, _, _, _ in d])
        counts = [len(q) for _, q, _, _, _ in d]
        fs = np.repeat(np.array([e[4] for e in d], np.float64), counts)
        anchor = np.repeat(np.array([(e[2], e[3]) for e in d], np.float64), counts, axis=0)
        px = quads[:, _CORNER_COLUMNS].reshape(len(quads), 4, 2) * fs[:, None, None] + anchor[:, None, :]
        clip = self.view.screen_to_clip(px)
        at = 0
        for (slot, _q, _x, _y, _f), n in zip(d, counts, strict=True):
            self.clip[slot] = clip[at * 4:(at + n) * 4]
            at += n

    def build(self) -> VertexSet | None:
        if not self.clip:
            return None
        self._deferred_clip()
        clip: np.ndarray = np.concatenate([c for c in self.clip if c is not None])  # every slot is filled now
        n = len(clip) // 4
        counts = np.asarray(self.counts)
        per_vertex = counts * 4  # vertices of each added label
        tex = np.concatenate(self.tex)
        x, y, w, h = tex[:, 0], tex[:, 1], tex[:, 2], tex[:, 3]
        t = np.empty((n, 4, 2))
        t[:, 0, 0], t[:, 0, 1] = x, y
        t[:, 1, 0], t[:, 1, 1] = x + w, y
        t[:, 2, 0], t[:, 2, 1] = x, y + h
        t[:, 3, 0], t[:, 3, 1] = x + w, y + h
        data = np.empty((n * 4, 2))
        data[:, 0] = np.repeat(np.asarray(self.scales, np.float64), per_vertex)
        if all(g is None for g in self.gamma):
            data[:, 1] = 1.0
        else:
            data[:, 1] = np.concatenate([g if g is not None else np.ones(c * 4) for g, c in
                                         zip(self.gamma, self.counts, strict=True)])
        if all(f.ndim == 1 for f in self.fill):
            fill = np.repeat(np.array(self.fill, np.float64), counts, axis=0)
        else:
            fill = np.concatenate([f if f.ndim == 2 else np.broadcast_to(f, (c, 4))
                                   for f, c in zip(self.fill, self.counts, strict=True)])
        idx = ((np.arange(n, dtype=np.uint32) * 4)[:, None] + _QUAD_INDICES).reshape(-1, 3)
        # Straight into the interleaved float32 vertices (assignment rounds as astype would).
        packed = np.empty((n * 4, STRIDE), np.float32)
        cols = _columns(packed)
        cols["a_clip"][:] = clip
        cols["a_tex"][:] = t.reshape(n * 4, 2)
        cols["a_data"][:] = data
        cols["a_fill_color"][:] = np.repeat(fill, 4, axis=0)
        cols["a_halo_color"][:] = np.repeat(np.asarray(self.halo, np.float64), per_vertex, axis=0)
        cols["a_props"][:] = np.repeat(np.asarray(self.props, np.float64), per_vertex, axis=0)
        return VertexSet(packed, idx, cols)


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
