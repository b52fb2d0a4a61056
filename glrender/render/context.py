"""What every draw module receives: the GL objects, the camera and the current framebuffer piece."""

from __future__ import annotations

from typing import Any

import numpy as np

from glrender._record import field, record
from glrender.geo.camera import Camera, TileID
from glrender.geo.cover import frustum_planes
from glrender.gpu import gl
from glrender.gpu.meshes import MeshCache
from glrender.gpu.programs import ProgramCache
from glrender.render.uniforms import gl_matrix


@record
class GPU:
    """GL objects a Renderer keeps across renders."""

    ctx: gl.Context
    programs: ProgramCache
    meshes: MeshCache
    # Textures, and the holders some draw modules keep beside them (gradient and pattern caches).
    textures: dict[Any, Any] = field(default_factory=dict)
    quad: gl.Buffer | None = None
    # Shader states already readied in this context by a warm-up draw (draw_symbol.warm_up)
    warmed: set[Any] = field(default_factory=set)

    def fullscreen_quad(self) -> gl.Buffer:
        if self.quad is None:
            self.quad = self.ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype=np.float32).tobytes())
        return self.quad


@record
class LayerWork:
    """One style layer and what to draw for it: (tile, bucket-or-texture) pairs, nearest first."""

    layer: Any
    items: list[tuple[TileID, Any]]


# Images at least this big (device px) take building depth from face planes (render/draw_extrusion.py)
# so that near-ties between walls resolve the same in any number of framebuffer pieces. It costs
# llvmpipe about 15 % of an extrusion layer, which smaller images, one piece unless piece_limit is set
# below their size, do not pay.
PLANE_DEPTH_FROM = 2048


@record
class FrameContext:
    gpu: GPU
    fbo: gl.Framebuffer
    camera: Camera
    piece_clip: np.ndarray          # clip-space correction for this piece (used for culling only)
    piece_size: tuple[int, int]     # device pixels
    viewport_origin: tuple[float, float]  # where the full image's origin sits in this piece (GL window)
    viewport: tuple[int, int, int, int]        # this piece's viewport (gpu/snap.py piece_viewport)
    gl_line_viewport: tuple[int, int, int, int]  # GL-line programs draw through this one (gpu/snap.py)
    zoom: float
    plane_depth: bool = False       # building depth from face planes (PLANE_DEPTH_FROM, or exact)
    exact: bool = False             # Renderer(exact=True): 16-bit blending, float texture atlases
    light: Any = None
    global_state: Any = None
    sprites: Any = None             # the style's SpriteAtlas at this pixel ratio (patterns), or None
    behind_3d: bool = False         # a fill-extrusion layer was drawn: later 2D layers go behind it
    extrusion_depth_cleared: bool = False
    _proj: np.ndarray | None = None
    _planes: np.ndarray | None = None
    _matrices: dict[Any, np.ndarray] = field(default_factory=dict)
    _gl_bytes: dict[int, tuple[np.ndarray, bytes]] = field(default_factory=dict)
    _visible: dict[TileID, bool] = field(default_factory=dict)

    @property
    def ctx(self) -> gl.Context:
        return self.gpu.ctx

    @property
    def proj(self) -> np.ndarray:
        if self._proj is None:
            # Pieces draw with the full view's matrices through an offset viewport, so every vertex
            # lands on exactly the same (integer-shifted) window position as in a one-piece render.
            self._proj = self.camera.proj_matrix()
        return self._proj

    def tile_matrix(self, tile: TileID, extent: int) -> np.ndarray:
        # Every layer of a source draws the same tiles: compute each matrix once per frame piece.
        key = (tile, extent)
        m = self._matrices.get(key)
        if m is None:
            m = self._matrices[key] = self.camera.tile_matrix(tile, extent, self.proj)
        return m

    def gl_matrix(self, m: np.ndarray) -> bytes:
        """``uniforms.gl_matrix``, once per matrix object and frame piece: every layer of a source draws
        its tiles with the same matrices (``tile_matrix``)."""
        hit = self._gl_bytes.get(id(m))
        if hit is None or hit[0] is not m:
            hit = self._gl_bytes[id(m)] = (m, gl_matrix(m))
        return hit[1]

    def tile_visible(self, tile: TileID) -> bool:
        """Whether the tile square intersects this piece's frustum (cheap culling for big images)."""
        hit = self._visible.get(tile)
        if hit is None:
            hit = self._visible[tile] = self._tile_visible(tile)
        return hit

    def _tile_visible(self, tile: TileID) -> bool:
        if self._planes is None:
            self._planes = frustum_planes(self.piece_clip @ self.camera.world_matrix())
        ws = self.camera.world_size
        ts = ws / 2**tile.z
        x0 = tile.x * ts + tile.wrap * ws
        y0 = tile.y * ts
        p = self._planes
        # Generous margin: lines, circles and translated geometry may reach past the tile square.
        m = ts * 0.25
        px = np.where(p[:, 0] >= 0, x0 + ts + m, x0 - m)
        py = np.where(p[:, 1] >= 0, y0 + ts + m, y0 - m)
        return bool(np.all(p[:, 0] * px + p[:, 1] * py + p[:, 3] >= 0))

    def layer_depth(self) -> float:
        return 0.9999 if self.behind_3d else 0.0
