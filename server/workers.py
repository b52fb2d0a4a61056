"""Render workers: a pool of processes, each with its own RenderSession (GL context, renderers, caches).

GL contexts are bound to one thread and the GIL serialises Python around them, so parallel rendering
needs processes. Each worker is a process of our own with a pipe to the server (not a
ProcessPoolExecutor: that cannot tell which process runs a task, so a render stuck past its deadline
could only be abandoned, keeping its slot, CPU and memory forever). A request waits at most its
deadline, then gets 503 and its worker is killed and replaced, so later requests are served. The
queue is bounded (503 when full), and closing lets running renders finish before the processes exit.

``render_workers = 0`` renders on one thread of the server process instead (tests, small
deployments). A thread cannot be killed: past the deadline the stuck thread is abandoned to finish on
its own and a fresh render thread takes the next requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from server.compose import RendererFactory, RenderJob, RenderSession, StyleSource, error_response
from server.config import ConfigError
from server.errors import ApiError

log = logging.getLogger("glrender.server")

QUEUE_PER_WORKER = 16  # queued renders per worker before new requests are refused with 503
TASKS_PER_PROCESS = 5000  # a worker process is replaced after this many renders: bounds slow growth
WARM_TIMEOUT_S = 300.0  # opening every style of a worker (tiles, fonts, programs) at startup
CLOSE_GRACE_S = 30.0  # how long closing waits for running renders

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


def _rss_mb() -> float:
    """This process's resident memory (Linux; 0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker_main(conn: Connection, styles: dict[str, StyleSource], factory: RendererFactory | None) -> None:
    """A render process: answer ("warm", None) and ("job", RenderJob) messages until None or EOF. Every
    reply is (status, value, resident MB), so the server can replace a worker that grew too big."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it stops us in order
    _init_process(styles, factory)
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                break
            if message is None:
                break
            kind, payload = message
            reply: tuple[str, Any]
            if kind == "warm":
                reply = ("ok", _warm_task())
            else:
                try:
                    reply = ("ok", _run(payload))
                except ApiError as exc:
                    reply = ("error", exc)
            conn.send((*reply, _rss_mb()))
    finally:
        _close_session()


class _Worker:
    """One render process and the server's end of its pipe."""

    def __init__(self, ctx: Any, styles: dict[str, StyleSource], factory: RendererFactory | None) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        # spawn, not fork: a forked child would inherit the server's threads and any GL state.
        self.process = ctx.Process(target=_worker_main, args=(child, styles, factory), name="glrender-render",
                                   daemon=True)
        self.process.start()
        child.close()
        self.tasks = 0
        self.rss_mb = 0.0

    def warm(self, timeout: float) -> str | None:
        self.conn.send(("warm", None))
        if not self.conn.poll(timeout):
            return f"a render worker did not open its styles within {timeout:g} s"
        status, error, self.rss_mb = self.conn.recv()
        return error if status == "ok" else str(error)

    def stop(self, grace: float = 10.0) -> None:
        """Ask the process to close its session and exit; kill it if it does not in ``grace`` seconds."""
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(grace)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class RenderPool:
    """Runs RenderJobs on worker processes (``workers`` > 0) or one in-process thread (0)."""

    def __init__(self, styles: dict[str, StyleSource], *, workers: int, timeout_s: float,
                 factory: RendererFactory | None = None, eager: bool = True, max_rss_mb: float = 0.0) -> None:
        self.styles = styles
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_rss_mb = max_rss_mb
        self.factory = factory
        self.max_pending = QUEUE_PER_WORKER * max(1, workers)
        self.replaced = 0  # workers killed past a deadline or found dead (for tests and metrics)
        self.recycled = 0  # workers retired in order: too many renders or too much memory
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._thread: ThreadPoolExecutor | None = None
        self._procs: set[_Worker] = set()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        # Requests wait for a free worker on these threads, so the event loop never blocks.
        self._waiters = ThreadPoolExecutor(max_workers=self.max_pending, thread_name_prefix="render-wait")
        self._ctx = multiprocessing.get_context("spawn")
        if workers == 0:
            self._thread = self._new_thread()
        else:
            for _ in range(workers):
                worker = _Worker(self._ctx, styles, factory)
                self._procs.add(worker)
                self._idle.put(worker)
        if eager:
            self._warm()

    def _new_thread(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="render", initializer=_init_process,
                                  initargs=(self.styles, self.factory))

    def _warm(self) -> None:
        """Start every worker now, so a broken style fails at startup and the first requests are fast."""
        results: list[str | None] = []
        if self._thread is not None:
            results.append(self._thread.submit(_warm_task).result())
        else:
            for worker in list(self._procs):
                try:
                    results.append(worker.warm(WARM_TIMEOUT_S))
                except (EOFError, OSError) as exc:  # the process died while starting
                    results.append(f"a render worker exited while starting ({type(exc).__name__})")
        errors = sorted(e for e in results if e is not None)
        if errors:
            self.close()
            raise ConfigError(f"a configured style cannot be rendered: {errors[0]}")

    @property
    def deadline_message(self) -> str:
        return f"Rendering took longer than the {self.timeout_s:g} s deadline."

    async def run(self, job: RenderJob) -> tuple[bytes, dict[str, float]]:
        with self._lock:
            if self._closed:
                raise ApiError(503, "The server is shutting down.")
            if self._pending >= self.max_pending:
                raise ApiError(503, "Too many renders queued; try again later.")
            self._pending += 1
        try:
            if self._thread is not None:
                return await self._run_on_thread(job)
            deadline = time.monotonic() + self.timeout_s
            return await asyncio.wrap_future(self._waiters.submit(self._run_on_process, job, deadline))
        finally:
            with self._lock:
                self._pending -= 1

    async def _run_on_thread(self, job: RenderJob) -> tuple[bytes, dict[str, float]]:
        assert self._thread is not None
        executor = self._thread
        future = executor.submit(_run, job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError:
            if not future.cancel():
                # Running and stuck: later requests go to a fresh thread; the old one closes its
                # session once the stuck render returns.
                with self._lock:
                    if self._thread is executor and not self._closed:
                        self._thread = self._new_thread()
                        self.replaced += 1
                        executor.submit(_close_session)
                        executor.shutdown(wait=False)
            raise ApiError(503, self.deadline_message) from None

    def _run_on_process(self, job: RenderJob, deadline: float) -> tuple[bytes, dict[str, float]]:
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise ApiError(503, self.deadline_message) from None
        healthy = False
        try:
            worker.conn.send(("job", job))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                log.error("a render passed the %g s deadline; replacing its worker (pid %s)", self.timeout_s,
                          worker.process.pid)
                raise ApiError(503, self.deadline_message)
            status, value, worker.rss_mb = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            log.error("render worker (pid %s) died; replacing it", worker.process.pid)
            raise ApiError(503, "A render worker failed; try again.") from None
        finally:
            self._release(worker, healthy)
        if status == "error":
            raise value
        result: tuple[bytes, dict[str, float]] = value
        return result

    def _release(self, worker: _Worker, healthy: bool) -> None:
        """Back to the idle queue, or replaced when it is stuck, dead or has done its share of renders."""
        if healthy:
            worker.tasks += 1
            too_big = bool(self.max_rss_mb) and worker.rss_mb > self.max_rss_mb
            if worker.tasks < TASKS_PER_PROCESS and not too_big and not self._closed:
                self._idle.put(worker)
                return
            if too_big:
                log.info("render worker (pid %s) uses %.0f MB > %g MB; replacing it", worker.process.pid,
                         worker.rss_mb, self.max_rss_mb)
        with self._lock:
            self._procs.discard(worker)
            closed = self._closed
            if not healthy:
                self.replaced += 1
            elif not closed:
                self.recycled += 1
        # Stop the old process and start (and warm) its successor off the request's thread; the slot
        # comes back to the idle queue only when the new process can render.
        threading.Thread(target=self._replace, args=(worker, healthy, closed), daemon=True,
                         name="render-replace").start()

    def _replace(self, old: _Worker, healthy: bool, closed: bool) -> None:
        if healthy:
            old.stop()
        else:
            old.kill()
        delay = 1.0
        while not (closed or self._closed):
            try:
                new = _Worker(self._ctx, self.styles, self.factory)
            except OSError as exc:
                log.error("cannot start a render worker: %s", exc)
            else:
                try:
                    error = new.warm(WARM_TIMEOUT_S)
                except (EOFError, OSError) as exc:
                    error = f"it exited ({type(exc).__name__})"
                if error is None:
                    with self._lock:
                        if not self._closed:
                            self._procs.add(new)
                            self._idle.put(new)
                            return
                    new.stop()
                    return
                log.error("a replacement render worker failed to start: %s", error)
                new.kill()
            # Keep trying (with backoff) so a passing failure does not cost the pool a worker for good.
            time.sleep(delay)
            delay = min(delay * 2, 30.0)

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process as of its last reply (empty in in-process mode)."""
        with self._lock:
            return [w.rss_mb for w in self._procs]

    def close(self) -> None:
        """Refuse new work, let running renders finish, release every worker's GL objects."""
        with self._lock:
            self._closed = True
        if self._thread is not None:
            try:
                self._thread.submit(_close_session).result(timeout=CLOSE_GRACE_S)
            except (concurrent.futures.TimeoutError, RuntimeError):
                pass
            self._thread.shutdown(wait=True, cancel_futures=True)
        # Busy workers come back to the idle queue when their render ends; stop each as it does.
        end = time.monotonic() + CLOSE_GRACE_S
        while time.monotonic() < end:
            with self._lock:
                if not self._procs:
                    break
            try:
                # Short waits: a worker that ends its last render while closing is stopped by _release
                # and never comes back to the queue.
                worker = self._idle.get(timeout=0.1)
            except queue.Empty:
                continue
            with self._lock:
                self._procs.discard(worker)
            worker.stop()
        with self._lock:
            stuck, self._procs = list(self._procs), set()
        for worker in stuck:
            worker.kill()
        self._waiters.shutdown(wait=False, cancel_futures=True)

