"""GL threads for Renderers. An OpenGL context is current per thread, and a Renderer releases its GL
objects without making its context current first, so two live Renderers on one thread could free each
other's objects: every live Renderer gets a thread of its own. Those threads are reused, never ended,
because Mesa keeps about 5 MB for every GL context made on a thread that then exits (measured).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.compose import RenderedImage, RendererFactory

# Idle GL threads, kept for the next renderer. A worker keeps at most its configured styles, the
# edited-style LRU and the overlay LRU alive at once, so this bound is rarely reached.
_IDLE_GL_THREADS: list[ThreadPoolExecutor] = []
_IDLE_GL_LOCK = threading.Lock()
MAX_IDLE_GL_THREADS = 32


def _gl_thread() -> ThreadPoolExecutor:
    with _IDLE_GL_LOCK:
        if _IDLE_GL_THREADS:
            return _IDLE_GL_THREADS.pop()
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="gl")


def _return_gl_thread(thread: ThreadPoolExecutor) -> None:
    with _IDLE_GL_LOCK:
        if len(_IDLE_GL_THREADS) < MAX_IDLE_GL_THREADS:
            _IDLE_GL_THREADS.append(thread)
            return
    thread.shutdown(wait=True)


class ThreadBoundRenderer:
    """A Renderer that lives on a GL thread of its own, which goes back to the pool when it is closed."""

    def __init__(self, factory: RendererFactory, style: Path | dict[str, Any], base_dir: str | None) -> None:
        self._thread = _gl_thread()
        try:
            self._renderer = self._thread.submit(factory, style, base_dir).result()
        except BaseException:
            _return_gl_thread(self._thread)
            raise

    def render(self, **kwargs: Any) -> RenderedImage:
        return self._thread.submit(lambda: self._renderer.render(**kwargs)).result()

    def close(self) -> None:
        try:
            self._thread.submit(self._renderer.close).result()
        finally:
            _return_gl_thread(self._thread)
