"""Shader programs: load ``shaders/``, resolve includes and property pragmas, cache per variant.

Property pragmas follow the idea of MapLibre's ``#pragma mapbox``: a paint property that may be data
driven is written once as ``#pragma prop: define TYPE NAME`` and ``#pragma prop: initialize TYPE NAME``;
the variant decides whether it becomes a per-vertex attribute (``a_NAME``, passed on as ``v_NAME``) or a
uniform (``u_NAME``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import moderngl

from glrender.errors import RenderError
from glrender.gpu.snap import gl_line_uniforms, snap_uniforms, wrap_vertex

# Programs that draw into their own (not the frame's) viewport and so keep plain clip coordinates:
# the heatmap's density pass renders at a quarter of the image size.
UNSNAPPED = frozenset({"heatmap"})
# Programs drawn as GL lines, whose positions must reach the rasteriser without float error: they draw
# through gpu.snap.gl_line_viewport (render/draw_fill.py switches to it).
LINE_PROGRAMS = frozenset({"fill_outline"})

_PRAGMA = re.compile(r"^\s*#pragma prop: (define|initialize) (\w+) (\w+)\s*$", re.M)
_INCLUDE = re.compile(r'^\s*#include "(\w+\.glsl)"\s*$', re.M)


@functools.cache
def shader_dir() -> Path:
    """``shaders/`` beside the package in a checkout, or ``glrender/shaders`` in an installed wheel
    (looked up once: resolving it for every include cost a cold start 10 ms)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here.parent / "shaders", here / "shaders"):
        if cand.is_dir():
            return cand
    from importlib import resources  # only for unusual installs: it costs a cold start 5 ms

    return Path(str(resources.files("glrender") / "shaders"))


@functools.cache
def _source(name: str) -> str:
    """A shader file's text, read once per process."""
    return (shader_dir() / name).read_text()


def _expand(src: str, stage: str, attrs: frozenset[str], seen: set[str] | None = None) -> str:
    seen = set() if seen is None else seen

    def include(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in seen:
            return ""
        seen.add(name)
        return _expand(_source(name), stage, attrs, seen)

    src = _INCLUDE.sub(include, src)

    def pragma(m: re.Match[str]) -> str:
        op, typ, name = m.groups()
        dd = name in attrs
        if op == "define":
            if stage == "vert":
                # flat: a property is constant over each feature, so every triangle's vertices agree
                return f"in {typ} a_{name};\nflat out {typ} v_{name};" if dd else f"uniform {typ} u_{name};"
            return f"flat in {typ} v_{name};" if dd else f"uniform {typ} u_{name};"
        if stage == "vert":
            return f"{typ} {name} = a_{name};\n    v_{name} = a_{name};" if dd else f"{typ} {name} = u_{name};"
        return f"{typ} {name} = v_{name};" if dd else f"{typ} {name} = u_{name};"

    return _PRAGMA.sub(pragma, src)


class ProgramCache:
    """Compiled programs keyed by (name, data-driven attributes, defines)."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self._programs: dict[tuple[str, frozenset[str], tuple[str, ...]], moderngl.Program] = {}
        # the frame's snap uniforms (gpu/snap.py), plain and exact, and the programs holding them
        self._view: tuple[int, int] | None = None
        self._snap: tuple[Any, Any] = ((), ())
        self._snapped: set[moderngl.Program] = set()

    def set_view(self, width: int, height: int) -> None:
        """The image (device pixels) the next draws belong to."""
        if self._view != (width, height):
            self._view = (width, height)
            self._snap = (snap_uniforms(width, height), gl_line_uniforms(width, height))
            self._snapped.clear()

    def get(self, name: str, attrs: Iterable[str] = (), defines: Iterable[str] = ()) -> moderngl.Program:
        key = (name, frozenset(attrs), tuple(sorted(defines)))
        prog = self._programs.get(key)
        if prog is None:
            prog = self._compile(*key)
            self._programs[key] = prog
        if prog not in self._snapped and key[0] not in UNSNAPPED:
            if self._view is None:
                raise RenderError("ProgramCache.set_view() must be called before drawing")
            values = self._snap[1] if key[0] in LINE_PROGRAMS else self._snap[0]
            for uniform, value in zip(("u_snap", "u_snap_scale"), values, strict=True):
                member = prog[uniform]
                if isinstance(member, moderngl.Uniform):
                    member.value = value
            self._snapped.add(prog)
        return prog

    def ready(self, prog: moderngl.Program) -> bool:
        """Whether ``prog``, got from :meth:`get` before, can draw in the current view as it is (its
        snap uniforms are this view's): callers that keep a program between draws check this and call
        :meth:`get` again when it is not."""
        return prog in self._snapped

    def _compile(self, name: str, attrs: frozenset[str], defines: tuple[str, ...]) -> moderngl.Program:
        d = shader_dir()
        header = "#version 330 core\n" + "".join(f"#define {x}\n" for x in defines)
        try:
            vs = _expand(_source(f"{name}.vert"), "vert", attrs)
            fs = _expand(_source(f"{name}.frag"), "frag", attrs)
        except OSError as exc:
            raise RenderError(f"shader {name!r} not found in {d}") from exc
        if name not in UNSNAPPED:
            vs = wrap_vertex(vs, exact=name in LINE_PROGRAMS)
        vs, fs = header + vs, header + fs
        try:
            return self.ctx.program(vertex_shader=vs, fragment_shader=fs)
        except Exception as exc:
            raise RenderError(f"shader {name!r} failed to compile: {exc}") from exc

    def release(self) -> None:
        for p in self._programs.values():
            p.release()
        self._programs.clear()
        self._snapped.clear()
