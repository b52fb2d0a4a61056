"""One Renderer per configured style, each living on its own worker thread.

GL contexts are bound to the thread that made them current and are not thread-safe, and the tile
sources hold SQLite connections that refuse other threads. So each style gets a single-thread executor:
its Renderer is built there, every render runs there (requests for one style queue up), and it is
closed there. Different styles render in parallel. Encoding is done by the caller on the shared thread
pool so the style's thread can start the next render at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from server.config import ServerConfig, StyleEntry
from server.errors import ApiError

MAX_PENDING_PER_STYLE = 32  # beyond this a request is refused with 503 instead of queueing for minutes


class RenderedImage(Protocol):
    def encode(self, fmt: str = "png", *, quality: int = 85) -> bytes: ...


class RendererLike(Protocol):
    # A read-only callable member, so glrender.api.Renderer's explicit keyword signature matches.
    @property
    def render(self) -> Callable[..., RenderedImage]: ...

    def close(self) -> None: ...


RendererFactory = Callable[[Path], RendererLike]


def default_renderer_factory(path: Path) -> RendererLike:
    from glrender.api import Renderer  # lazy: the app can be built and tested without GL

    return Renderer(str(path))


class StyleWorker:
    """A style's Renderer plus the one thread allowed to touch it."""

    def __init__(self, entry: StyleEntry, factory: RendererFactory) -> None:
        self.entry = entry
        self._factory = factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"render-{entry.key}")
        self._renderer: RendererLike | None = None
        self._pending = 0
        self._pending_lock = threading.Lock()

    def open(self) -> None:
        """Build the Renderer now (on the worker thread) so a broken style fails at startup."""
        self._executor.submit(self._open).result()

    def _open(self) -> None:
        if self._renderer is None:
            self._renderer = self._factory(self.entry.path)

    def _render(self, kwargs: dict[str, Any]) -> RenderedImage:
        try:
            self._open()
            assert self._renderer is not None
            return self._renderer.render(**kwargs)
        finally:
            with self._pending_lock:
                self._pending -= 1

    async def render(self, **kwargs: Any) -> RenderedImage:
        with self._pending_lock:
            if self._pending >= MAX_PENDING_PER_STYLE:
                raise ApiError(503, "Too many pending renders for this style; try again later.")
            self._pending += 1
        try:
            future = self._executor.submit(self._render, kwargs)
        except RuntimeError:  # executor shut down: the server is stopping
            with self._pending_lock:
                self._pending -= 1
            raise ApiError(503, "The server is shutting down.") from None
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        def _close() -> None:
            if self._renderer is not None:
                self._renderer.close()
                self._renderer = None

        try:
            self._executor.submit(_close).result()
        finally:
            self._executor.shutdown(wait=True)


class RendererPool:
    """The StyleWorkers of a configuration, looked up by owner and style id."""

    def __init__(self, config: ServerConfig, factory: RendererFactory | None = None, *, eager: bool = True):
        self.config = config
        make = factory or default_renderer_factory
        self._workers = {(e.owner, e.id): StyleWorker(e, make) for e in config.styles}
        if eager:
            try:
                for worker in self._workers.values():
                    worker.open()
            except BaseException:
                self.close()
                raise

    def get(self, owner: str, style_id: str) -> StyleWorker | None:
        return self._workers.get((owner, style_id))

    def keys(self) -> list[str]:
        return [w.entry.key for w in self._workers.values()]

    def close(self) -> None:
        for worker in self._workers.values():
            worker.close()
