"""Shared fixtures of the image tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def renderer_factory() -> Iterator[Any]:
    """``make(style, **renderer_kwargs)``: a Renderer that has drawn once (the test skips, with the reason,
    where no EGL context can be made), closed when the module's tests are done."""
    from glrender.api import Renderer
    from glrender.errors import GLUnavailableError

    made: list[Any] = []

    def make(style: dict[str, Any], **kw: Any) -> Any:
        try:
            r = Renderer(style, **kw)
            r.render(center=(0, 0), zoom=0, width=4, height=4)
        except GLUnavailableError as exc:
            pytest.skip(f"no EGL OpenGL context: {exc}")
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
