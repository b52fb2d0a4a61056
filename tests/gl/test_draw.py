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


def _fill_style(color: str) -> dict[str, Any]:
    poly = {"type": "Feature", "properties": {"k": 1},
            "geometry": {"type": "Polygon", "coordinates": [[[-5, -5], [5, -5], [5, 5], [-5, 5], [-5, -5]]]}}
    return {"version": 8, "sources": {"p": {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                          "features": [poly]}}},
            "layers": [{"id": "f", "type": "fill", "source": "p",
                        "paint": {"fill-color": ["interpolate", ["linear"], ["zoom"], 2, color, 6, "#ff0000"]}}]}


def test_kept_draw_state_follows_the_zoom_and_matches_a_fresh_renderer() -> None:
    """draw_bucket keeps each draw's program, vertex array and paint uniforms with the bucket: the second
    render at a zoom reuses them (paint values are not worked out again), another zoom gets its own,
    and every render draws what a fresh renderer draws."""
    from unittest import mock

    import glrender.render.draw_common as dc
    from glrender import Renderer

    style = _fill_style("#0000ff")
    views = [{"center": (0, 0), "zoom": z, "width": 32, "height": 32} for z in (3.0, 3.0, 4.5, 3.0)]
    with Renderer(style) as r, mock.patch.object(dc, "paint_values", wraps=dc.paint_values) as spy:
        got = []
        for v in views:
            spy.reset_mock()
            got.append((r.render(**v).array, spy.call_count))
    assert [calls > 0 for _, calls in got] == [True, False, True, False]
    for v, (arr, _) in zip(views, got, strict=True):
        with Renderer(style) as fresh:
            assert np.array_equal(fresh.render(**v).array, arr)
    assert not np.array_equal(got[0][0], got[2][0])  # the colour does follow the zoom


def test_kept_draw_state_goes_with_the_evicted_buffers(gl_ctx: Any) -> None:
    """A state kept with an owner's buffers is gone once they are released or pruned, so it never hands
    out a released vertex array."""
    from glrender.gpu.meshes import MeshCache

    vert = "#version 330\nin vec2 a_pos; in float a_t; void main() { gl_Position = vec4(a_pos, a_t, 1.0); }"
    frag = "#version 330\nout vec4 c; void main() { c = vec4(1.0); }"
    cache = MeshCache(gl_ctx)
    prog = gl_ctx.program(vertex_shader=vert, fragment_shader=frag)
    class Owner:
        pass

    owner, other = Owner(), Owner()
    pos = np.zeros((4, 2), np.float32)
    idx = np.array([0, 1, 2], np.uint32)
    cache.keep_state(owner, "k", 1)  # no buffers yet: nothing to keep it with
    assert cache.state(owner, "k") is None
    vao = cache.vertex_array(prog, owner, {"a_pos": pos}, idx)
    cache.keep_state(owner, "k", vao)
    assert cache.state(owner, "k") is vao and cache.state(other, "k") is None
    for z in range(30):  # past the per-owner trim of per-zoom vertex arrays
        cache.vertex_array(prog, owner, {"a_pos": pos}, idx, dynamic={"t": np.zeros((4, 1), np.float32)},
                           dynamic_key=z)
    assert cache.state(owner, "k") is None
    cache.keep_state(owner, "k", 2)
    cache.max_bytes = 0
    cache.vertex_array(prog, other, {"a_pos": pos}, idx)  # evicts the owner's entry
    assert cache.state(owner, "k") is None
