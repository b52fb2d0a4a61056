"""Render workers: a pool of processes, each with its own RenderSession (GL context, renderers, caches).

GL contexts are bound to one thread and the GIL serialises Python around them, so parallel rendering
needs processes. ``render_workers = 0`` renders on one thread of the server process instead (tests,
small deployments). Either way a request waits at most its deadline (503 past it), the queue is
bounded (503 when full), and closing waits for running renders before the processes exit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from server.compose import RendererFactory, RenderJob, RenderSession, StyleSource, error_response
from server.config import ConfigError
from server.errors import ApiError

log = logging.getLogger("glrender.server")

QUEUE_PER_WORKER = 16  # queued renders per worker before new requests are refused with 503
TASKS_PER_PROCESS = 5000  # a worker process is replaced after this many renders: bounds slow growth

# The worker's session lives on its (only) thread: per process for process workers, per executor thread
# when several in-process pools exist (tests build many apps in one process).
_local = threading.local()


def _init_process(styles: dict[str, StyleSource], factory: RendererFactory | None) -> None:
    _local.setup = (styles, factory)
    _local.session = None


def _session() -> RenderSession:
    if _local.session is None:
        session = RenderSession(*_local.setup)
        session.open_all()
        _local.session = session
    return _local.session


def _warm_task() -> str | None:
    """Open the worker's styles; the error text if one fails (an exception object may not pickle)."""
    try:
        _session()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _run(job: RenderJob) -> tuple[bytes, dict[str, float]]:
    """The worker side of one render; errors come back as picklable ApiErrors."""
    timings: dict[str, float] = {}
    try:
        return _session().run(job, timings), timings
    except BaseException as exc:
        raise error_response(exc) from None


def _close_session() -> None:
    session: RenderSession | None = getattr(_local, "session", None)
    if session is not None:
        session.close()
        _local.session = None


class RenderPool:
    """Runs RenderJobs on worker processes (``workers`` > 0) or one in-process thread (0)."""

    def __init__(self, styles: dict[str, StyleSource], *, workers: int, timeout_s: float,
                 factory: RendererFactory | None = None, eager: bool = True) -> None:
        self.styles = styles
        self.workers = workers
        self.timeout_s = timeout_s
        self.factory = factory
        self.max_pending = QUEUE_PER_WORKER * max(1, workers)
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._executor = self._start()
        if eager:
            self._warm()

    def _start(self) -> Executor:
        if self.workers == 0:
            ex: Executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render",
                                              initializer=_init_process, initargs=(self.styles, self.factory))
        else:
            # spawn, not fork: a forked child would inherit the parent's threads and any GL state.
            ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_init_process, initargs=(self.styles, self.factory),
                                     max_tasks_per_child=TASKS_PER_PROCESS)
        return ex

    def _warm(self) -> None:
        """Start every worker now, so a broken style fails at startup and the first requests are fast."""
        futures = [self._executor.submit(_warm_task) for _ in range(max(1, self.workers))]
        errors = {f.result() for f in futures} - {None}
        if errors:
            self.close()
            raise ConfigError(f"a configured style cannot be rendered: {sorted(errors)[0]}")

    async def run(self, job: RenderJob) -> tuple[bytes, dict[str, float]]:
        with self._lock:
            if self._closed:
                raise ApiError(503, "The server is shutting down.")
            if self._pending >= self.max_pending:
                raise ApiError(503, "Too many renders queued; try again later.")
            self._pending += 1
        try:
            try:
                future = self._executor.submit(_run, job)
            except BrokenProcessPool:
                self._restart()
                future = self._executor.submit(_run, job)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
            except TimeoutError:
                future.cancel()
                raise ApiError(503, f"Rendering took longer than the {self.timeout_s:g} s deadline.") from None
            except BrokenProcessPool:
                log.error("a render worker died; restarting the pool")
                self._restart()
                raise ApiError(503, "A render worker failed; try again.") from None
        finally:
            with self._lock:
                self._pending -= 1

    @property
    def pending(self) -> int:
        return self._pending

    def _restart(self) -> None:
        with self._lock:
            old = self._executor
            self._executor = self._start()
        old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Refuse new work, let running renders finish, release every worker's GL objects."""
        with self._lock:
            self._closed = True
        if self.workers == 0:
            try:
                self._executor.submit(_close_session).result(timeout=30)
            except (concurrent.futures.TimeoutError, RuntimeError):
                pass
        # Process workers release their GL contexts when they exit.
        self._executor.shutdown(wait=True, cancel_futures=True)


def describe(pool: RenderPool) -> dict[str, Any]:
    return {"workers": pool.workers, "pending": pool.pending, "timeout_s": pool.timeout_s}
