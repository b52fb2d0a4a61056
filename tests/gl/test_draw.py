"""glrender.gpu.draw.draw (ctypes, GIL released) draws what moderngl's VertexArray.render draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

VERT = """#version 330
in vec2 a_pos;
void main() { gl_Position = vec4(a_pos, 0.0, 1.0); }"""
FRAG = """#version 330
out vec4 c; void main() { c = vec4(1.0, 0.5, 0.25, 1.0); }"""

# Two triangles of a quad, and a third triangle elsewhere that only the full count reaches.
POS = np.array([[-0.9, -0.9], [0.1, -0.9], [0.1, 0.1], [-0.9, 0.1], [0.3, 0.3], [0.9, 0.3], [0.6, 0.9]],
               np.float32)
IDX = np.array([0, 1, 2, 0, 2, 3, 4, 5, 6], np.uint32)


def _image(ctx: Any, draw_fn: Any, indexed: bool, vertices: int, first: int) -> np.ndarray:
    import moderngl

    fbo = ctx.simple_framebuffer((64, 64))
    fbo.use()
    fbo.clear(0.0, 0.0, 0.0, 0.0)
    prog = ctx.program(vertex_shader=VERT, fragment_shader=FRAG)
    vbo = ctx.buffer(POS.tobytes() if indexed else POS[IDX].tobytes())
    ibo = ctx.buffer(IDX.tobytes()) if indexed else None
    vao = ctx.vertex_array(prog, [(vbo, "2f", "a_pos")], index_buffer=ibo, index_element_size=4)
    draw_fn(vao, moderngl.TRIANGLES, vertices, first)
    out = np.frombuffer(fbo.read(components=4), np.uint8).copy()
    for o in (vao, vbo, ibo, prog, fbo):
        if o is not None:
            o.release()
    return out


@pytest.mark.parametrize("indexed", [True, False])
@pytest.mark.parametrize(("vertices", "first"), [(-1, 0), (3, 0), (3, 6), (6, 3)])
def test_draw_matches_moderngl(gl_ctx: Any, indexed: bool, vertices: int, first: int,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from glrender.gpu import draw as gdraw

    def reference(vao: Any, mode: int, n: int, f: int) -> None:
        vao.render(mode, n, f)

    want = _image(gl_ctx, reference, indexed, vertices, first)
    got = _image(gl_ctx, gdraw.draw, indexed, vertices, first)
    assert want.any()
    assert np.array_equal(got, want)
    monkeypatch.setattr(gdraw, "_fns", False)  # no GL library to call: moderngl's own call
    assert np.array_equal(_image(gl_ctx, gdraw.draw, indexed, vertices, first), want)


def test_background_vertex_array_is_kept_across_renders() -> None:
    """The background quad's vertex array is made once per program and reused by later renders."""
    from glrender import Renderer

    style = {"version": 8, "sources": {}, "layers": [
        {"id": "bg", "type": "background", "paint": {"background-color": "#336699"}}]}
    with Renderer(style) as r:
        first = r.render(center=(0, 0), zoom=1, width=16, height=16).array
        gpu = r._gpu
        kept = {k: v for k, v in gpu.textures.items() if isinstance(k, tuple) and k[0] == "background-vao"}
        assert len(kept) == 1
        again = r.render(center=(10, 10), zoom=3, width=16, height=16).array
        assert {k: v for k, v in gpu.textures.items() if isinstance(k, tuple) and k[0] == "background-vao"} == kept
    assert (first[..., :3] == (0x33, 0x66, 0x99)).all() and (first[..., 3] == 255).all()
    assert np.array_equal(first, again)


def test_heatmap_draws_the_same_with_its_kept_vertex_array() -> None:
    """The heatmap's colour pass reuses its vertex array: a second render draws what a fresh renderer does."""
    from glrender import Renderer

    pts = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [x * 0.5, y * 0.5]}}
           for x in range(-3, 4) for y in range(-3, 4)]
    style = {"version": 8, "sources": {"p": {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                          "features": pts}}},
             "layers": [{"id": "h", "type": "heatmap", "source": "p", "paint": {"heatmap-radius": 20}}]}
    view = {"center": (0, 0), "zoom": 5, "width": 64, "height": 64}
    with Renderer(style) as r:
        r.render(center=(20, 20), zoom=3, width=64, height=64)
        again = r.render(**view).array
        assert any(isinstance(k, tuple) and k[0] == "heatmap-vao" for k in r._gpu.textures)
    with Renderer(style) as fresh:
        first = fresh.render(**view).array
    assert first[..., 3].max() > 0
    assert np.array_equal(first, again)
