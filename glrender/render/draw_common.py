"""Shared pieces of the draw modules: uniform upload and the per-tile loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from glrender._memo import kept
from glrender.buckets.base import Bucket, PropTable, paint_values
from glrender.gpu import gl, modes
from glrender.gpu.draw import draw
from glrender.render.context import FrameContext

_IMMUTABLE = frozenset({bytes, tuple, float, int, bool, str})


def texture_pixels(data: np.ndarray, exact: bool) -> tuple[bytes, str]:
    """8-bit texture data as uploaded: as is, or (``Renderer(exact=True)``) as floats in 0..1.
    llvmpipe filters 8-bit textures with 8-bit weights, so a texture coordinate that rounds
    differently in another framebuffer piece could move an edge (dash, glyph) by a whole weight
    step; float textures filter with float weights."""
    if exact:
        return (np.asarray(data, np.float32) / np.float32(255.0)).tobytes(), "f4"
    return np.ascontiguousarray(data).tobytes(), "f1"
_NONE = object()


def set_uniforms(prog: gl.Program, values: dict[str, Any]) -> None:
    # The values last written to this program (every uniform write goes through here): a program keeps
    # its uniforms between draws, so an unchanged value (most of them, tile after tile) is not re-sent.
    last = prog.extra
    if not isinstance(last, dict):
        last = prog.extra = {}
    for name, v in values.items():
        # a snapshot that later changes to ``v`` cannot alter (lists become tuples; other mutable
        # values are never skipped)
        snap = tuple(v) if type(v) is list else v if type(v) in _IMMUTABLE else None
        if snap is not None:
            try:
                if last.get(name, _NONE) == snap:
                    continue
            except (ValueError, TypeError):  # a tuple holding arrays: compare nothing, write it
                snap = None
        try:
            u = prog[name]
        except KeyError:
            continue  # optimised out by the compiler
        if snap is not None:
            last[name] = snap
        else:
            last.pop(name, None)
        if isinstance(v, bytes):
            u.write(v)  # type: ignore[union-attr]
        elif isinstance(v, list) and isinstance(u, gl.Uniform) and u.array_length > 1:
            u.value = tuple(v)
        else:
            u.value = v  # type: ignore[union-attr]


def paint(fc: FrameContext, layer: Any, name: str, default: Any = None) -> Any:
    """A feature-constant paint/layout property at the camera zoom."""
    return paint_at(layer, fc.zoom, name, default)


def paint_at(layer: Any, zoom: float, name: str, default: Any = None) -> Any:
    """A feature-constant paint/layout property at ``zoom``."""
    prop = layer.paint.get(name) or layer.layout.get(name)
    if prop is None:
        return default
    return prop.evaluate(zoom)


T = TypeVar("T")
_LAYER_KEPT = 1024
_layer_memo: dict[tuple[int, float, Callable[..., Any]], tuple[Any, Any]] = {}


def per_layer(layer: Any, zoom: float, make: Callable[[Any, float], T]) -> T:
    """``make(layer, zoom)``, kept per (layer object, zoom, make): a layer's feature-constant settings
    are the same for each of its tiles and each render at that zoom (style layers are frozen), and
    working them out again for every layer of every render cost a warm thumbnail several percent."""
    return kept(_layer_memo, _LAYER_KEPT, layer, (id(layer), zoom, make), lambda: make(layer, zoom))


def draw_bucket(fc: FrameContext, program_name: str, bucket: Bucket, layer: Any, props: PropTable,
                uniforms: dict[str, Any], mode: modes.DrawMode, *, defines: tuple[str, ...] = (),
                indices: str = "indices", primitive: int = gl.TRIANGLES,
                extra_uniform_props: PropTable | None = None, extra_attrs: dict[str, Any] | None = None,
                extra_key: Any = None) -> None:
    """Draw one bucket with its data-driven properties as attributes and the rest as uniforms.

    ``extra_attrs`` are further per-vertex arrays (patterns, line metrics); ``extra_key`` names what they
    depend on besides the zoom, so their GPU buffers are rebuilt when it changes.
    """
    # A warm render draws the same buckets at the same zoom: the program, the vertex array and the
    # paint uniforms of this draw are kept with the bucket's GPU buffers (MeshCache.state), so only
    # the per-tile uniforms are worked out again. ``props`` is held by the kept state, so its id
    # cannot be reused by another table while the state lives.
    meshes, programs = fc.gpu.meshes, fc.gpu.programs
    key = (program_name, id(props), defines, indices, fc.zoom, extra_key,
           tuple(extra_attrs) if extra_attrs else None)
    st = meshes.state(bucket, key)
    if st is None or st[0] is not layer or st[1] is not props or not programs.ready(st[2]):
        u_values, attrs = paint_values(bucket, layer, props, fc.zoom, fc.global_state)
        if extra_attrs:
            attrs = {**attrs, **extra_attrs}
        prog = programs.get(program_name, attrs.keys(), defines)
        idx = bucket.indices if indices == "indices" else bucket.extra[indices]
        if len(idx) == 0:
            return
        dyn_key = (fc.zoom, extra_key) if extra_attrs else fc.zoom
        vao = meshes.vertex_array(prog, bucket, bucket.arrays, idx, index_name=indices, dynamic=attrs,
                                  dynamic_key=dyn_key if attrs else None)
        st = (layer, props, prog, vao, {f"u_{k}": v for k, v in u_values.items()})
        meshes.keep_state(bucket, key, st)
    _, _, prog, vao, paint_uniforms = st
    all_uniforms = dict(paint_uniforms)
    all_uniforms.update(uniforms)
    all_uniforms["u_layer_depth"] = fc.layer_depth()
    set_uniforms(prog, all_uniforms)
    modes.apply(fc.ctx, fc.fbo, mode)
    draw(vao, primitive)


def tile_matrix_bytes(fc: FrameContext, tile: Any, extent: int) -> bytes:
    return fc.gl_matrix(fc.tile_matrix(tile, extent))


def kept_vertex_array(fc: FrameContext, prog: gl.Program, name: str, quad: gl.Buffer) -> gl.VertexArray:
    """A program's vertex array over one of the GPU's kept quads (``a_pos``, two floats a vertex), made
    once and kept with the GPU's other shared objects: making one per layer per render cost more than
    drawing with it."""
    key = (name, prog.glo)
    vao = fc.gpu.textures.get(key)
    if vao is None:
        vao = fc.ctx.vertex_array(prog, [(quad, "2f", "a_pos")])
        fc.gpu.textures[key] = vao
    return vao  # type: ignore[no-any-return]
