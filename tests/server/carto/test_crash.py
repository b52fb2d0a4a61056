"""A real server process is SIGKILLed while templates and API keys are being written; every template
and key it acknowledged must be intact after a restart (SQLite WAL, synchronous=FULL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.server.carto.conftest import template

MASTER = "crash-key"
MAPS = [{"type": "apis", "apis": ["maps"]}]
APP = """
import sys
from starlette.applications import Starlette
import uvicorn
from server.carto.config import CartoConfig
from server.carto.routes import carto_routes
cfg = CartoConfig(master_api_key={key!r}, storage={storage!r}, max_templates=100000, demo_map=False)
uvicorn.run(Starlette(routes=carto_routes(cfg)), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    script = tmp_path / "app.py"
    script.write_text(APP.format(key=MASTER, storage=str(tmp_path / "store.sqlite")))
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen([sys.executable, str(script), str(port)], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/map/named", params={"api_key": MASTER}, timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start")


def test_sigkill_during_writes_loses_no_acknowledged_template(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(w: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            i = 0
            while not stop.is_set():
                name = f"w{w}_{i}"
                try:
                    r = client.post("/api/v1/map/named", json=template(name), params={"api_key": MASTER})
                except httpx.TransportError:
                    return
                if r.status_code == 200:
                    acknowledged.append(name)
                i += 1

    keys: dict[str, str] = {}

    def key_writer(w: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            i = 0
            while not stop.is_set():
                name = f"k{w}_{i}"
                try:
                    r = client.post("/api/v3/api_keys", json={"name": name, "grants": MAPS},
                                    params={"api_key": MASTER})
                except httpx.TransportError:
                    return
                if r.status_code == 201:
                    keys[name] = r.json()["token"]
                i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    threads += [threading.Thread(target=key_writer, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 10
        while (len(acknowledged) < 40 or len(keys) < 20) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        if proc.poll() is None:
            proc.kill()
    assert len(acknowledged) >= 40 and len(keys) >= 20
    proc = start(tmp_path, port)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/map/named", params={"api_key": MASTER})
        stored = set(r.json()["template_ids"])
        assert set(acknowledged) <= stored
        listed = httpx.get(f"http://127.0.0.1:{port}/api/v3/api_keys", params={"api_key": MASTER}).json()
        tokens = {k["name"]: k["token"] for k in listed["result"]}
        assert {name: tokens.get(name) for name in keys} == keys  # every acknowledged key, same token
        name, token = next(iter(keys.items()))
        r = httpx.get(f"http://127.0.0.1:{port}/api/v3/api_keys/{name}", params={"api_key": MASTER})
        assert r.json()["grants"] == MAPS and r.json()["token"] == token
        one = httpx.get(f"http://127.0.0.1:{port}/api/v1/map/named/{acknowledged[-1]}",
                        params={"api_key": MASTER}).json()["template"]
        assert one == template(acknowledged[-1])
    finally:
        proc.terminate()
        proc.wait(10)
