from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from glrender.encode import encode


class FakeImage:
    def __init__(self, width: int, height: int, scale: float) -> None:
        self.array = np.full((round(height * scale), round(width * scale), 4), (10, 20, 30, 255), np.uint8)

    def encode(self, fmt: str = "png", *, quality: int = 85) -> bytes:
        return encode(self.array, fmt, quality=quality)


class FakeRenderer:
    """Stands in for glrender.api.Renderer: records calls, draws a flat image, needs no GL."""

    instances: list[FakeRenderer] = []

    def __init__(self, style: Path | dict[str, Any], base_dir: str | None = None) -> None:
        self.path = style if isinstance(style, Path) else None
        self.style = style if isinstance(style, dict) else None
        self.base_dir = base_dir
        self.calls: list[dict[str, Any]] = []
        self.closed = False
        self.raise_on_render: Exception | None = None
        FakeRenderer.instances.append(self)

    def render(self, **kwargs: Any) -> FakeImage:
        self.calls.append(kwargs)
        if self.raise_on_render is not None:
            raise self.raise_on_render
        image = FakeImage(kwargs["width"], kwargs["height"], kwargs.get("scale", 1))
        if self.style is not None and not any(layer.get("type") == "background" for layer in self.style["layers"]):
            image.array[...] = 0  # an overlay-only style draws on a transparent canvas
        return image

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_renderers() -> list[FakeRenderer]:
    """The FakeRenderers made during the test (fresh list per test)."""
    FakeRenderer.instances = []
    return FakeRenderer.instances


@pytest.fixture
def fake_factory(fake_renderers: list[FakeRenderer]) -> type[FakeRenderer]:
    """A renderer_factory for create_app that needs no GL."""
    return FakeRenderer


@pytest.fixture
def real_api() -> Any:
    """glrender.api, or skip with the reason when it is not importable yet."""
    try:
        import glrender.api as api
    except ImportError as exc:
        pytest.skip(f"glrender.api is not importable yet: {exc}")
    return api
