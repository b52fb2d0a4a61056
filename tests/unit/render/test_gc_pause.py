"""Renders raise the collector's youngest threshold while they run and restore the caller's after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from glrender.render.gc_pause import RENDER_THRESHOLD0, fewer_collections


@pytest.fixture(autouse=True)
def _keep_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_threshold_raised_inside_and_restored_after() -> None:
    gc.set_threshold(700, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (RENDER_THRESHOLD0, 10, 10)
        with fewer_collections():  # nested: still raised
            assert gc.get_threshold()[0] == RENDER_THRESHOLD0
        assert gc.get_threshold()[0] == RENDER_THRESHOLD0
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_after_an_error_and_across_threads() -> None:
    gc.set_threshold(500, 10, 10)
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(5)
    try:
        with fewer_collections():
            raise ValueError("render failed")
    except ValueError:
        pass
    assert gc.get_threshold()[0] == RENDER_THRESHOLD0  # the other render is still running
    release.set()
    t.join(5)
    assert gc.get_threshold() == (500, 10, 10)


def test_collection_turned_off_stays_off() -> None:
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
