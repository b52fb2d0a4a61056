"""Plan on one thread, draw on another.

Planning a frame (decoding tiles, tessellating, evaluating paint values, placing labels) is Python;
drawing it is mostly C inside the GL driver. The draw calls release the GIL (glrender/gpu/draw.py),
so while the calling thread draws a layer, a planner thread can plan the next ones, and while it draws
the layers under the labels, the planner places the labels. On llvmpipe a cold render's draw calls
also load each shader's compiled variants (~5 ms per program), which then overlap with planning too.

Each Renderer keeps one planner thread (a one-worker executor): the thread's SQLite connections and
other per-thread state are made once, not per render. The calling thread keeps the GL context; the
planner never touches GL. A render whose buckets are all cached has next to nothing to plan, and
handing its layers between threads would only cost time: it is planned inline (:class:`InlineFrame`).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from glrender.render.context import LayerWork

_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class PlannedFrame:
    """The layers of one render, planned on the planner thread; iterate to get them in style order.

    ``place`` (all works -> placed symbol layers by id) runs on the planner right after the last layer
    is planned; :meth:`placed` waits for its result.
    """

    def __init__(self, executor: ThreadPoolExecutor, works: Iterator[LayerWork],
                 place: Callable[[Sequence[LayerWork]], dict[str, LayerWork]] | None) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._place = place
        self._cancelled = False
        self._job: Future[dict[str, LayerWork] | None] = executor.submit(self._run, works)

    def _run(self, works: Iterator[LayerWork]) -> dict[str, LayerWork] | None:
        planned: list[LayerWork] = []
        try:
            for w in works:
                if self._cancelled:
                    return None
                planned.append(w)
                self._queue.put(w)
        except BaseException as exc:  # re-raised in the drawing thread, where the render was asked for
            self._queue.put(_Failed(exc))
            raise
        self._queue.put(_END)
        if self._cancelled or self._place is None:
            return None
        return self._place(planned)

    def __iter__(self) -> Iterator[LayerWork]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item

    def placed(self, _works: Sequence[LayerWork] = ()) -> dict[str, LayerWork]:
        """The placed symbol layers (waits for the planner); the works argument is what the frame
        has seen, which the planner already knows."""
        result = self._job.result()
        return result if result is not None else {}

    def cancel(self) -> None:
        """Stop planning after the layer in hand (the drawing side failed: nothing more is needed)."""
        self._cancelled = True

    def wait(self) -> None:
        """Block until the planner is done with this frame, whatever happened to it (the caller's lock
        must not be released while the planner still reads the caches)."""
        try:
            self._job.result()
        except BaseException:  # noqa: BLE001 - reported through iteration or placed()
            pass


def planner() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="glrender-plan")


class InlineFrame:
    """The same interface, planned lazily on the drawing thread itself: for renders whose buckets are
    all cached, where handing layers between threads costs more than it hides. Labels are placed when
    the frame first needs them, with the layers it has seen (FrameRenderer has then planned them all).
    """

    def __init__(self, works: Iterator[LayerWork],
                 place: Callable[[Sequence[LayerWork]], dict[str, LayerWork]] | None) -> None:
        self._works = works
        self._place = place
        self._placed: dict[str, LayerWork] | None = None

    def __iter__(self) -> Iterator[LayerWork]:
        return self._works

    def placed(self, works: Sequence[LayerWork] = ()) -> dict[str, LayerWork]:
        if self._placed is None:
            self._placed = self._place(works) if self._place is not None else {}
        return self._placed

    def cancel(self) -> None:
        pass

    def wait(self) -> None:
        pass
