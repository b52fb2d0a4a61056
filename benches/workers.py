"""A small process pool that survives crashing and hanging tasks.

concurrent.futures marks the whole pool broken when one worker dies, and multiprocessing.Pool hangs
on a segfaulted task. Here each worker is a process with its own pipe; the parent waits on all pipes
and process sentinels at once, so a worker that dies (a segfault in GL or in MapLibre Native) or
overruns its timeout costs exactly one task: that task is recorded as failed, the worker is
replaced, and the run goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

# Workers are spawned, not forked: a forked child would share the parent's EGL/driver state.
_CTX = mp.get_context("spawn")

# How long a new worker may take to import its libraries before it counts as broken.
_STARTUP_TIMEOUT = 180.0
_MAX_BROKEN_STARTS = 3


@dataclass
class Outcome:
    """The result of one task: ``value`` from the task function, or ``error`` text."""

    key: Any
    value: Any = None
    error: str | None = None


def _worker_main(conn: Connection, setup: Callable[[], Any] | None, func: Callable[[Any, Any], Any]) -> None:
    state = setup() if setup is not None else None
    conn.send(("ready", None))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        key, task = msg
        try:
            conn.send(("ok", func(state, task)))
        except BaseException as exc:  # any failure, even SystemExit, is the task's result
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            conn.send(("error", tb))
        del key


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    ready: bool = False
    key: Any = None
    started: float = 0.0


class CrashSafePool:
    """Run ``func(state, task)`` for many tasks in ``jobs`` processes, ``state = setup()`` once each.

    ``func`` and ``setup`` must be importable module-level callables (spawned workers import them).
    """

    def __init__(
        self,
        func: Callable[[Any, Any], Any],
        jobs: int,
        timeout: float,
        setup: Callable[[], Any] | None = None,
    ) -> None:
        self.func = func
        self.setup = setup
        self.jobs = max(1, jobs)
        self.timeout = timeout

    def _spawn(self) -> _Slot:
        parent, child = _CTX.Pipe()
        proc = _CTX.Process(target=_worker_main, args=(child, self.setup, self.func), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc=proc, conn=parent, started=time.monotonic())

    @staticmethod
    def _kill(slot: _Slot) -> None:
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        slot.conn.close()

    def map(self, tasks: Iterable[tuple[Any, Any]]) -> Iterator[Outcome]:
        """Yield an Outcome per ``(key, task)`` in completion order."""
        pending = list(tasks)
        pending.reverse()  # pop() from the end keeps the input order
        slots: list[_Slot] = []
        broken_starts = 0
        try:
            for _ in range(min(self.jobs, len(pending))):
                slots.append(self._spawn())
            while slots:
                # Dispatch to idle, ready workers; retire idle ones when nothing is left.
                for slot in list(slots):
                    if slot.ready and slot.key is None:
                        if pending:
                            key, task = pending.pop()
                            slot.key, slot.started = key, time.monotonic()
                            slot.conn.send((key, task))
                        else:
                            slot.conn.send(None)
                            slot.proc.join(10)
                            self._kill(slot)
                            slots.remove(slot)
                if not slots:
                    break
                waitables: list[Any] = [s.conn for s in slots] + [s.proc.sentinel for s in slots]
                wait(waitables, timeout=0.5)
                now = time.monotonic()
                for slot in list(slots):
                    outcome, replace = self._poll(slot, now)
                    if outcome is not None:
                        yield outcome
                    if not replace:
                        continue
                    self._kill(slot)
                    slots.remove(slot)
                    if not slot.ready:
                        broken_starts += 1
                    if broken_starts >= _MAX_BROKEN_STARTS:
                        # Workers cannot even start (bad environment): fail the rest, don't loop.
                        while pending:
                            key, _ = pending.pop()
                            yield Outcome(key, error="worker failed to start")
                    if pending:
                        slots.append(self._spawn())
        finally:
            for slot in slots:
                self._kill(slot)

    def _poll(self, slot: _Slot, now: float) -> tuple[Outcome | None, bool]:
        """(outcome to report or None, whether the worker must be replaced)."""
        try:
            if slot.conn.poll():
                kind, payload = slot.conn.recv()
                if kind == "ready":
                    slot.ready = True
                    return None, False
                key, slot.key = slot.key, None
                if kind == "ok":
                    return Outcome(key, value=payload), False
                return Outcome(key, error=str(payload)), False
        except (EOFError, OSError):
            pass  # the worker died mid-message; handled below as a crash
        if not slot.proc.is_alive() or slot.conn.closed:
            slot.proc.join(1)
            code = slot.proc.exitcode
            if slot.key is None:
                return None, True
            key, slot.key = slot.key, None
            return Outcome(key, error=f"worker crashed (exit code {code})"), True
        if slot.key is not None and now - slot.started > self.timeout:
            key, slot.key = slot.key, None
            return Outcome(key, error=f"timed out after {self.timeout:g} s"), True
        if not slot.ready and now - slot.started > _STARTUP_TIMEOUT:
            return None, True
        return None, False


def probe(state: Any, task: tuple[str, float]) -> str:
    """A task for testing the pool itself: ``("ok"|"raise"|"crash"|"hang", arg)``."""
    import os

    kind, arg = task
    if kind == "raise":
        raise RuntimeError(f"probe raised {arg}")
    if kind == "crash":
        os._exit(int(arg))
    if kind == "hang":
        time.sleep(arg)
    return f"{kind} {arg}"
