"""glrender: headless static-map rendering of MapLibre/Mapbox GL styles."""

from __future__ import annotations

from typing import Any

__all__ = ["Renderer", "render", "Image"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy so that `import glrender.style` and friends never pull in moderngl.
    if name in ("Renderer", "render", "Image"):
        from glrender import api

        return getattr(api, name)
    raise AttributeError(name)
