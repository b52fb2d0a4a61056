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
