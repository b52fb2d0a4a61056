"""MeshCache byte accounting: the bound on GPU memory only holds if the count matches the buffers."""

from __future__ import annotations

from typing import Any

import numpy as np

VERT = """#version 330
in vec2 a_pos; in float a_t;
void main() { gl_Position = vec4(a_pos, a_t, 1.0); }"""
FRAG = """#version 330
out vec4 c; void main() { c = vec4(1.0); }"""


class _Owner:
    pass


def _live_bytes(cache: Any) -> int:
    return sum(b.size for _, e in cache._entries.values() for b in e.buffers.values())


def test_trimmed_per_zoom_buffers_leave_the_counts_exact(gl_ctx: Any) -> None:
    from glrender.gpu.meshes import MeshCache

    cache = MeshCache(gl_ctx)
    prog = gl_ctx.program(vertex_shader=VERT, fragment_shader=FRAG)
    owner = _Owner()
    pos = np.zeros((4, 2), np.float32)
    idx = np.array([0, 1, 2], np.uint32)
    for z in range(40):  # past the trim threshold, several times
        cache.vertex_array(prog, owner, {"a_pos": pos}, idx, index_name=f"i@{z}",
                           dynamic={"t": np.zeros((4, 1), np.float32)}, dynamic_key=z)
    entry = cache._entries[id(owner)][1]
    assert cache._bytes == entry.nbytes == _live_bytes(cache)
    cache._evict()
    cache.max_bytes = 0
    other = _Owner()
    cache.vertex_array(prog, other, {"a_pos": pos}, idx)
    assert cache._bytes == _live_bytes(cache) >= 0


def test_reused_id_drops_the_old_bytes(gl_ctx: Any) -> None:
    from glrender.gpu.meshes import MeshCache

    cache = MeshCache(gl_ctx)
    prog = gl_ctx.program(vertex_shader=VERT, fragment_shader=FRAG)
    pos = np.zeros((100, 2), np.float32)
    idx = np.array([0, 1, 2], np.uint32)
    for _ in range(20):
        owner = _Owner()  # freed each round: CPython often hands the next one the same id
        cache.vertex_array(prog, owner, {"a_pos": pos}, idx, dynamic={"t": np.zeros((100, 1), np.float32)},
                           dynamic_key=0)
        del owner
    assert cache._bytes == _live_bytes(cache)


STREAM_VERT = """#version 330
in vec2 a_pos; in vec4 a_col; out vec4 v_col;
void main() { v_col = a_col; gl_Position = vec4(a_pos, 0.0, 1.0); }"""
STREAM_FRAG = """#version 330
in vec4 v_col; out vec4 c; void main() { c = v_col; }"""
LAYOUT = (("a_pos", 2), ("a_col", 4))


def _quads(rects: list[tuple[float, float, float, float, tuple[float, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved (x, y, r, g, b, a) vertices and triangle indices of clip-space rectangles."""
    verts, idx = [], []
    for i, (x0, y0, x1, y1, col) in enumerate(rects):
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            verts.append((x, y, *col))
        idx += [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 1, 4 * i + 3, 4 * i + 2]
    return np.array(verts, np.float32), np.array(idx, np.uint32).reshape(-1, 3)


def _draw_stream(ctx: Any, cache: Any, prog: Any, owner: Any, serial: int, verts: np.ndarray,
                 idx: np.ndarray) -> np.ndarray:
    from glrender.gpu.draw import draw

    fbo = ctx.simple_framebuffer((8, 8))
    fbo.use()
    fbo.clear(0.0, 0.0, 0.0, 0.0)
    vao, count = cache.stream(prog, owner, serial, verts, LAYOUT, idx)
    draw(vao, ctx.TRIANGLES, count)
    out = np.frombuffer(fbo.read(components=4), np.uint8).reshape(8, 8, 4)[::-1].copy()
    fbo.release()
    return out


def test_streamed_vertices_are_refilled_per_serial(gl_ctx: Any) -> None:
    from glrender.gpu.meshes import MeshCache

    cache = MeshCache(gl_ctx)
    prog = gl_ctx.program(vertex_shader=STREAM_VERT, fragment_shader=STREAM_FRAG)
    owner = _Owner()
    red, green = (1.0, 0.0, 0.0, 1.0), (0.0, 1.0, 0.0, 1.0)
    # serial 1: the left half red
    v, i = _quads([(-1, -1, 0, 1, red)])
    img = _draw_stream(gl_ctx, cache, prog, owner, 1, v, i)
    assert (img[:, :4, 0] == 255).all() and (img[:, 4:, 3] == 0).all()
    st = next(iter(cache._streams.values()))
    vbo = st.vbo
    # serial 2: fewer bytes than the buffer holds -> the same buffer, refilled (right half green)
    v, i = _quads([(0, -1, 1, 1, green)])
    img = _draw_stream(gl_ctx, cache, prog, owner, 2, v, i)
    assert st.vbo is vbo
    assert (img[:, 4:, 1] == 255).all() and (img[:, :4, 3] == 0).all()
    # the same serial again (another framebuffer piece): drawn as it is, whatever is handed in
    img = _draw_stream(gl_ctx, cache, prog, owner, 2, *_quads([(-1, -1, 1, 1, red)]))
    assert (img[:, 4:, 1] == 255).all() and (img[:, :4, 3] == 0).all()
    # serial 3: more than the buffer holds -> new buffers, every quad drawn
    many = [(-1 + k / 500, -1, -1 + (k + 1) / 500, 1, green) for k in range(1000)]
    v, i = _quads(many)
    assert v.nbytes > vbo.size
    img = _draw_stream(gl_ctx, cache, prog, owner, 3, v, i)
    assert st.vbo is not vbo and st.vbo.size >= v.nbytes
    assert (img[..., 1] == 255).all()
    # serial 4: tiny again -> the oversized buffers are given back
    v, i = _quads([(-1, -1, 0, 1, red)])
    img = _draw_stream(gl_ctx, cache, prog, owner, 4, v, i)
    assert st.vbo.size <= 4 * 4096
    assert (img[:, :4, 0] == 255).all() and (img[:, 4:, 3] == 0).all()
    cache.release()
    assert not cache._streams


def test_vertex_set_packs_every_attribute() -> None:
    from glrender.symbol.quads import LAYOUT as SYMBOL_LAYOUT
    from glrender.symbol.quads import STRIDE, VertexSet

    rng = np.random.default_rng(3)
    arrays = {name: rng.normal(size=(8, n)) for name, n in SYMBOL_LAYOUT}
    vs = VertexSet.of(arrays, np.array([[0, 1, 2]], np.uint32))
    assert vs.packed.shape == (8, STRIDE) and vs.packed.dtype == np.float32
    at = 0
    for name, n in SYMBOL_LAYOUT:
        assert np.array_equal(vs.packed[:, at:at + n], arrays[name].astype(np.float32))
        assert np.array_equal(vs.arrays[name], arrays[name].astype(np.float32))
        at += n
