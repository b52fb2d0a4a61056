"""Offscreen framebuffers: RGBA8 (or RGBA16, ``deep``) colour + 24-bit depth, read back top-down as numpy."""

from __future__ import annotations

import moderngl
import numpy as np


class FrameTarget:
    """One framebuffer piece. Reused across renders while the size fits."""

    def __init__(self, ctx: moderngl.Context, width: int, height: int, deep: bool = False) -> None:
        self.ctx = ctx
        self.width = width
        self.height = height
        self.deep = deep
        # deep: 16-bit normalised channels, so blending rounds at 1/65535 and only the read-back rounds
        # to 8 bits
        self.color = ctx.renderbuffer((width, height), 4, dtype="nu2" if deep else "f1")
        self.depth = ctx.depth_renderbuffer((width, height))
        self.fbo = ctx.framebuffer(color_attachments=[self.color], depth_attachment=self.depth)
        # Read-backs land here: a fresh bytes object per read cost an allocation (and for big pieces
        # the page faults of a new mapping) every render.
        self._readback: np.ndarray | None = None

    def use(self, width: int, height: int, viewport: tuple[int, int, int, int] | None = None) -> None:
        """Bind and clear the top-left width x height region; draw through ``viewport`` (may be offset)."""
        self.fbo.viewport = viewport or (0, 0, width, height)
        self.fbo.depth_mask = True
        self.fbo.color_mask = (True, True, True, True)
        self.fbo.use()
        self.ctx.scissor = None
        self.fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0, viewport=(0, 0, width, height))

    def read(self, width: int, height: int) -> np.ndarray:
        """Premultiplied RGBA, (height, width, 4) uint8, first row at the top (a deep target is rounded
        to 8 bits by the driver as it is read). A view of the target's read-back buffer: valid until
        the next read, so copy it out."""
        if self._readback is None:
            self._readback = np.empty(self.width * self.height * 4, np.uint8)
        data = self._readback[:width * height * 4]
        self.fbo.read_into(data, viewport=(0, 0, width, height), components=4, alignment=1)
        return data.reshape(height, width, 4)[::-1]

    def release(self) -> None:
        self.fbo.release()
        self.color.release()
        self.depth.release()
