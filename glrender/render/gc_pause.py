"""Fewer garbage-collector passes while a render runs.

A cold render allocates about a million short-lived objects (decoded features, their property dicts,
label instances). Python's cyclic collector runs its youngest generation every 700 net allocations and
walks the older generations now and then, which on a dense city view added up to 60-80 ms of a
~900 ms render, for garbage that reference counting frees anyway (renders make no reference cycles
of note). While any render is running, the youngest generation's threshold is raised, so the collector
still runs, only less often; the caller's thresholds come back when the last render ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RENDER_THRESHOLD0 = 100_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the youngest generation's threshold for the duration (nested and concurrent uses share one
    raise; the thresholds in force before the first one are restored after the last)."""
    global _active, _saved
    with _lock:
        if _active == 0:
            current = gc.get_threshold()
            _saved = (current[0], current[1], current[2])
            if current[0] and current[0] < RENDER_THRESHOLD0:  # 0 means collection is off: leave it
                gc.set_threshold(RENDER_THRESHOLD0, current[1], current[2])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
