"""Draw calls that let go of the GIL.

moderngl keeps the GIL through ``VertexArray.render``. On llvmpipe a draw call does real work in the
calling thread: the vertex shader runs and triangles are binned there, and the first draw of a program
in a new context loads its compiled shader variants (about 5 ms each on a cold start). ctypes releases
the GIL around foreign calls, so issuing the same GL calls through ctypes lets the planning thread
(decoding, tessellating, placing labels) run meanwhile.

``draw`` does what moderngl's ``VertexArray.render`` does: use the program, bind the vertex array, then
``glDrawElements`` (indexed) or ``glDrawArrays``. Without a GL library to call (a platform where
neither libGL.so.1 nor libOpenGL.so.0 is found) it falls back to moderngl's own call.
"""

from __future__ import annotations

import ctypes
from typing import Any

_INDEX_TYPES = {1: 0x1401, 2: 0x1403, 4: 0x1405}  # GL_UNSIGNED_BYTE / _SHORT / _INT

_fns: Any = None


def _load() -> Any:
    """(glUseProgram, glBindVertexArray, glDrawElements, glDrawArrays), or False when not found."""
    for name in ("libGL.so.1", "libOpenGL.so.0"):
        try:
            lib = ctypes.CDLL(name)
            use, bind = lib.glUseProgram, lib.glBindVertexArray
            elements, arrays = lib.glDrawElements, lib.glDrawArrays
        except (OSError, AttributeError):
            continue
        use.argtypes, use.restype = [ctypes.c_uint], None
        bind.argtypes, bind.restype = [ctypes.c_uint], None
        elements.argtypes, elements.restype = [ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p], None
        arrays.argtypes, arrays.restype = [ctypes.c_uint, ctypes.c_int, ctypes.c_int], None
        return use, bind, elements, arrays
    return False


def draw(vao: Any, mode: int, vertices: int = -1, first: int = 0) -> None:
    """``vao.render(mode, vertices, first)`` without holding the GIL during the GL calls."""
    global _fns
    if _fns is None:
        _fns = _load()
    if not _fns:
        vao.render(mode, vertices, first)
        return
    use, bind, elements, arrays = _fns
    n = vao.vertices if vertices < 0 else vertices
    use(vao.program.glo)
    bind(vao.glo)
    if vao.index_buffer is not None:
        # moderngl keeps the index size only in a private attribute; glrender's indices are uint32
        size = getattr(vao, "_index_element_size", 4)
        elements(mode, n, _INDEX_TYPES[size], first * size)
    else:
        arrays(mode, first, n)
