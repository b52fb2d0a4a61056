"""A frame piece converts each tile matrix to GL bytes once, however many layers draw the tile."""

from __future__ import annotations

import numpy as np

from glrender.geo.camera import Camera, TileID
from glrender.render.context import FrameContext
from glrender.render.uniforms import gl_matrix


def test_gl_matrix_once_per_matrix_object() -> None:
    cam = Camera(24.94, 60.17, 12.5, 30.0, 20.0, 300, 200)
    fc = FrameContext(gpu=None, fbo=None, camera=cam, piece_clip=np.eye(4), piece_size=(300, 200),  # type: ignore[arg-type]
                      viewport_origin=(0.0, 0.0), viewport=(0, 0, 300, 200), gl_line_viewport=(0, 0, 300, 200),
                      zoom=cam.zoom)
    tile = TileID(12, 2331, 1185, 12)
    m = fc.tile_matrix(tile, 4096)
    first = fc.gl_matrix(m)
    assert first == gl_matrix(m)
    assert fc.gl_matrix(fc.tile_matrix(tile, 4096)) is first  # the cached tile matrix, the cached bytes
    other = m.copy()
    other[0, 3] += 1.0  # another matrix object (a translated layer's): its own bytes
    assert fc.gl_matrix(other) == gl_matrix(other) != first
