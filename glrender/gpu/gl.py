"""The moderngl names the render modules use, re-exported so that only glrender/gpu/ imports moderngl.

Draw modules receive GL objects (context, programs, buffers) from here and call their methods; they
never import the binding themselves, which keeps DESIGN.md's rule checkable by a test.
"""

from __future__ import annotations

from moderngl import (
    BLEND,
    CULL_FACE,
    DEPTH_TEST,
    FUNC_ADD,
    LINEAR,
    LINEAR_MIPMAP_LINEAR,
    LINEAR_MIPMAP_NEAREST,
    LINES,
    NEAREST,
    NOTHING,
    ONE,
    ONE_MINUS_SRC_ALPHA,
    POINTS,
    TRIANGLE_STRIP,
    TRIANGLES,
    Buffer,
    Context,
    Framebuffer,
    Program,
    Texture,
    Uniform,
    VertexArray,
)

__all__ = [
    "BLEND", "CULL_FACE", "DEPTH_TEST", "FUNC_ADD", "LINEAR", "LINEAR_MIPMAP_LINEAR", "LINEAR_MIPMAP_NEAREST",
    "LINES", "NEAREST",
    "NOTHING", "ONE", "ONE_MINUS_SRC_ALPHA", "POINTS", "TRIANGLE_STRIP", "TRIANGLES", "Buffer", "Context",
    "Framebuffer", "Program", "Texture", "Uniform", "VertexArray",
]
