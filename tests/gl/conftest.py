from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def gl_ctx() -> Iterator[object]:
    from glrender.errors import GLUnavailableError
    from glrender.gpu.context import create_gl_context

    try:
        ctx = create_gl_context()
    except GLUnavailableError as exc:
        pytest.skip(f"no EGL OpenGL context on this machine: {exc}")
    yield ctx
    ctx.release()
