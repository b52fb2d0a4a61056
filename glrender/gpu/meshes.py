"""GPU copies of CPU buckets: static vertex/index buffers cached per bucket, per-zoom paint buffers, and
streamed buffers for vertices made anew each render (placed symbols)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import moderngl
import numpy as np


def _fmt(arr: np.ndarray) -> str:
    k = 1 if arr.ndim == 1 else arr.shape[1]
    return f"{k}f"


class _Entry:
    def __init__(self) -> None:
        self.buffers: dict[str, moderngl.Buffer] = {}
        self.vaos: dict[Any, moderngl.VertexArray] = {}
        # what callers derived from this entry's vertex arrays (MeshCache.state), dropped with them
        self.states: dict[Any, Any] = {}
        self.nbytes = 0

    def release(self) -> None:
        self.states.clear()
        for v in self.vaos.values():
            v.release()
        for b in self.buffers.values():
            b.release()
        self.vaos.clear()
        self.buffers.clear()


class _Stream:
    """One owner's per-render vertices for one program: an interleaved vertex buffer, an index buffer
    and the vertex array over them, refilled in place while they are big enough."""

    def __init__(self, owner: Any, program: moderngl.Program) -> None:
        self.owner = owner
        self.program = program
        self.vbo: moderngl.Buffer | None = None
        self.ibo: moderngl.Buffer | None = None
        self.vao: moderngl.VertexArray | None = None
        self.serial: Any = None
        self.count = 0

    def release(self) -> None:
        for obj in (self.vao, self.vbo, self.ibo):
            if obj is not None:
                obj.release()
        self.vao = self.vbo = self.ibo = None
        self.serial = None


_STREAM_MIN_BYTES = 4096


def _capacity(nbytes: int) -> int:
    """Room for ``nbytes``: the next power of two, so a layer whose label count wobbles from render to
    render keeps its buffers."""
    return max(_STREAM_MIN_BYTES, 1 << (max(nbytes, 1) - 1).bit_length())


class MeshCache:
    """Buffers keyed by the identity of the CPU object they mirror; least recently used goes first."""

    def __init__(self, ctx: moderngl.Context, max_bytes: int = 512 << 20) -> None:
        self.ctx = ctx
        self.max_bytes = max_bytes
        self._entries: OrderedDict[int, tuple[Any, _Entry]] = OrderedDict()
        self._bytes = 0
        # per (owner, program); not counted in max_bytes: one per symbol layer and program, each as
        # big as that layer's most labels recently
        self._streams: dict[tuple[int, int], _Stream] = {}

    def _entry(self, owner: Any) -> _Entry:
        key = id(owner)
        hit = self._entries.get(key)
        if hit is not None and hit[0] is owner:
            self._entries.move_to_end(key)
            return hit[1]
        if hit is not None:
            # The id was reused by a new object: the old entry's buffers go, and so do their bytes.
            self._bytes -= hit[1].nbytes
            hit[1].release()
        entry = _Entry()
        self._entries[key] = (owner, entry)
        return entry

    def _buffer(self, entry: _Entry, name: str, arr: np.ndarray) -> moderngl.Buffer:
        buf = entry.buffers.get(name)
        if buf is None:
            data = np.ascontiguousarray(arr)
            buf = self.ctx.buffer(data.tobytes())
            entry.buffers[name] = buf
            entry.nbytes += data.nbytes
            self._bytes += data.nbytes
        return buf

    def vertex_array(
        self,
        program: moderngl.Program,
        owner: Any,
        static: dict[str, np.ndarray],
        indices: np.ndarray,
        index_name: str = "indices",
        dynamic: dict[str, np.ndarray] | None = None,
        dynamic_key: Any = None,
    ) -> moderngl.VertexArray:
        """A VAO over the owner's static attributes plus optional per-zoom attributes."""
        entry = self._entry(owner)
        dynamic = dynamic or {}
        vkey = (id(program), index_name, tuple(sorted(dynamic)), dynamic_key)
        vao = entry.vaos.get(vkey)
        if vao is not None:
            return vao
        content = []
        for name, arr in static.items():
            content.append((self._buffer(entry, name, arr), _fmt(arr), name))
        for name, arr in dynamic.items():
            content.append((self._buffer(entry, f"{name}@{dynamic_key}", arr), _fmt(arr), f"a_{name}"))
        ibuf = self._buffer(entry, index_name, np.ascontiguousarray(indices, dtype=np.uint32))
        vao = self.ctx.vertex_array(program, content, ibuf, index_element_size=4, skip_errors=True)
        # Per-zoom buffers accumulate while a renderer pans through zooms: keep the newest few.
        if len(entry.vaos) > 24:
            entry.states.clear()  # they may hold the vertex arrays released here
            for k in list(entry.vaos)[:12]:
                entry.vaos.pop(k).release()
            for name in [n for n in entry.buffers if "@" in n][:-12]:
                buf = entry.buffers.pop(name)
                # Both counts drop, or evicting the entry later would subtract these bytes again.
                self._bytes -= buf.size
                entry.nbytes -= buf.size
                buf.release()
        entry.vaos[vkey] = vao
        self._evict()
        return vao

    def state(self, owner: Any, key: Any) -> Any:
        """What :meth:`keep_state` kept for ``owner`` under ``key``, or None. Kept states go when the
        owner's vertex arrays do (eviction, pruning, release), so one holding a vertex array of the
        owner never outlives it."""
        hit = self._entries.get(id(owner))
        if hit is None or hit[0] is not owner:
            return None
        return hit[1].states.get(key)

    def keep_state(self, owner: Any, key: Any, value: Any) -> None:
        """Keep ``value`` (e.g. a draw's program, vertex array and uniforms) with ``owner``'s buffers;
        the owner must have an entry (a :meth:`vertex_array` of it was made)."""
        hit = self._entries.get(id(owner))
        if hit is not None and hit[0] is owner:
            if len(hit[1].states) > 48:
                hit[1].states.clear()
            hit[1].states[key] = value

    def stream(self, program: moderngl.Program, owner: Any, serial: Any, vertices: np.ndarray,
               layout: Sequence[tuple[str, int]], indices: np.ndarray) -> tuple[moderngl.VertexArray, int]:
        """A vertex array over per-render vertices and the number of indices to draw.

        ``vertices`` is one float32 row per vertex holding the attributes of ``layout`` ((name,
        components), in order). The owner's buffers are refilled when ``serial`` changes (each piece of
        a big image draws the same serial) and remade only when they are too small, or four times too
        big: making buffers and a vertex array for every layer of every render cost more than drawing.
        """
        key = (id(owner), id(program))
        st = self._streams.get(key)
        if st is None or st.owner is not owner or st.program is not program:
            if st is not None:
                st.release()
            st = self._streams[key] = _Stream(owner, program)
        if st.serial == serial and st.vao is not None:
            return st.vao, st.count
        verts = np.ascontiguousarray(vertices, dtype=np.float32)
        idx = np.ascontiguousarray(indices, dtype=np.uint32)
        vb, ib = _capacity(verts.nbytes), _capacity(idx.nbytes)
        if (st.vbo is None or st.ibo is None or st.vbo.size < verts.nbytes or st.ibo.size < idx.nbytes
                or st.vbo.size > 4 * vb or st.ibo.size > 4 * ib):
            st.release()
            st.vbo, st.ibo = self.ctx.buffer(reserve=vb), self.ctx.buffer(reserve=ib)
            fmt = " ".join(f"{n}f" for _, n in layout)
            st.vao = self.ctx.vertex_array(program, [(st.vbo, fmt, *(name for name, _ in layout))], st.ibo,
                                           index_element_size=4, skip_errors=True)
        st.vbo.write(verts)
        st.ibo.write(idx)
        st.serial, st.count = serial, int(idx.size)
        assert st.vao is not None
        return st.vao, st.count

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, (_, entry) = self._entries.popitem(last=False)
            self._bytes -= entry.nbytes
            entry.release()

    def release(self) -> None:
        for _, entry in self._entries.values():
            entry.release()
        self._entries.clear()
        self._bytes = 0
        for st in self._streams.values():
            st.release()
        self._streams.clear()
