"""The per-request deadline: a render that takes too long gets 503 with a message, and the stuck worker
does not keep its slot (a worker process is killed and replaced; an in-process render thread is
abandoned for a fresh one), so the next requests are served. Uses deliberately slow fake renderers."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import ServerConfig, demo_config

BASE = "/styles/v1/demo/basic/static"
SLOW = f"{BASE}/0,0,2/13x13"  # the fakes stall on 13 px wide renders
CRASH = f"{BASE}/0,0,2/14x14"  # and exit the process on 14 px wide ones
FAST = f"{BASE}/0,0,2/10x10"

# A module of its own (not this test module, which pytest imports under a private name) so spawned
# render processes can import the fake by name.
FAKE_MODULE = '''
import os
import time

import numpy as np


class Image:
    def __init__(self, w, h):
        self.array = np.full((h, w, 4), 200, np.uint8)


class SlowRenderer:
    def __init__(self, style, base_dir=None):
        pass

    def render(self, **kw):
        if kw["width"] == 13:
            time.sleep({stall})
        if kw["width"] == 14:
            os._exit(3)
        return Image(round(kw["width"] * kw["scale"]), round(kw["height"] * kw["scale"]))

    def close(self):
        pass
'''


def _fake_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, stall: float) -> Any:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(FAKE_MODULE.replace("{stall}", str(stall))))
    monkeypatch.syspath_prepend(str(tmp_path))  # spawned processes get the parent's sys.path
    monkeypatch.delitem(sys.modules, name, raising=False)
    module = __import__(name)
    return module.SlowRenderer


def _ended(process: Any, timeout: float = 10.0) -> bool:
    """Whether the process has exited (polled: the pool's own thread may be the one that reaps it)."""
    end = time.monotonic() + timeout
    while process.exitcode is None and time.monotonic() < end:
        time.sleep(0.05)
    return process.exitcode is not None


def _config(timeout_s: float) -> ServerConfig:
    cfg = demo_config()
    return dataclasses.replace(cfg, limits=dataclasses.replace(cfg.limits, render_timeout_s=timeout_s))


@pytest.fixture
def thread_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    factory = _fake_factory(tmp_path, monkeypatch, "slow_fake_thread", stall=3.0)
    with TestClient(create_app(_config(0.5), renderer_factory=factory, workers=0)) as c:
        yield c


def test_in_process_render_past_deadline_is_503_and_later_requests_are_served(thread_client: TestClient) -> None:
    started = time.monotonic()
    r = thread_client.get(SLOW)
    assert r.status_code == 503 and r.json() == {"message": "Rendering took longer than the 0.5 s deadline."}
    assert time.monotonic() - started < 2.5  # answered at the deadline, not when the render ends
    # The stuck thread still sleeps; a fresh render thread serves the next request right away.
    started = time.monotonic()
    ok = thread_client.get(FAST)
    assert ok.status_code == 200 and time.monotonic() - started < 2.0
    pool = thread_client.app.state.server.pool  # type: ignore[attr-defined]
    assert pool.replaced == 1 and pool.pending == 0


def test_worker_process_past_deadline_is_killed_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    factory = _fake_factory(tmp_path, monkeypatch, "slow_fake_process", stall=3600.0)
    with TestClient(create_app(_config(3.0), renderer_factory=factory, workers=1)) as client:
        pool = client.app.state.server.pool  # type: ignore[attr-defined]
        (old,) = pool._procs
        started = time.monotonic()
        r = client.get(SLOW)
        assert r.status_code == 503 and r.json()["message"] == "Rendering took longer than the 3 s deadline."
        assert time.monotonic() - started < 6
        assert _ended(old.process)  # killed, not left sleeping with the slot
        ok = client.get(FAST)  # waits for the replacement process, within the deadline
        assert ok.status_code == 200, ok.text
        (new,) = pool._procs
        assert new.process.pid != old.process.pid and pool.replaced == 1
        # A worker that dies mid-render is replaced too.
        crashed = client.get(CRASH)
        assert crashed.status_code == 503 and "worker failed" in crashed.json()["message"]
        assert client.get(FAST.replace("10x10", "11x11")).status_code == 200
        assert pool.replaced == 2
    assert not pool._procs and _ended(new.process)  # closed with the app


def test_fake_renders_are_real_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake stands in for glrender.api.Renderer: it must produce what compose.py expects.
    factory = _fake_factory(tmp_path, monkeypatch, "slow_fake_check", stall=0.0)
    image = factory("style.json").render(width=3, height=2, scale=2)
    assert image.array.shape == (4, 6, 4) and image.array.dtype == np.uint8


def test_worker_over_its_memory_cap_is_recycled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    factory = _fake_factory(tmp_path, monkeypatch, "slow_fake_memory", stall=0.0)
    cfg = _config(20.0)
    cfg = dataclasses.replace(cfg, limits=dataclasses.replace(cfg.limits, worker_max_rss_mb=1.0))
    with TestClient(create_app(cfg, renderer_factory=factory, workers=1)) as client:
        pool = client.app.state.server.pool  # type: ignore[attr-defined]
        (first,) = pool._procs
        assert client.get(FAST).status_code == 200  # served, then retired: any process is over 1 MB
        assert client.get(FAST.replace("10x10", "12x12")).status_code == 200  # by its successor
        assert pool.recycled >= 1 and pool.replaced == 0
        assert _ended(first.process)
        assert "glrender_render_workers_recycled_total" in client.get("/metrics").text
