"""A real server process is SIGKILLed while templates, API keys and layergroups are being written; every
one it acknowledged must be intact after a restart (SQLite WAL, synchronous=FULL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from server.carto.storage import Storage, Store
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


def start(tmp_path: Path, port: int, storage: str | None = None) -> subprocess.Popen[bytes]:
    """The CARTO app in a process of its own, on SQLite in tmp_path unless ``storage`` names another."""
    script = tmp_path / "app.py"
    script.write_text(APP.format(key=MASTER, storage=storage or str(tmp_path / "store.sqlite")))
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


def map_writer(port: int, stop: threading.Event, tokens: list[str], w: int) -> None:
    """Creates anonymous maps (distinct configs, so distinct tokens) until stopped or cut off."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        i = 0
        while not stop.is_set():
            css = f"#l {{ polygon-fill: #{(w * 100003 + i) % 0xFFFFFF:06x}; }}"
            cfg = {"version": "1.3.0", "layers": [{"type": "mapnik", "options": {
                "sql": "SELECT * FROM countries", "cartocss": css, "cartocss_version": "2.3.0"}}]}
            try:
                r = client.post("/api/v1/map", json=cfg)
            except httpx.TransportError:
                return
            if r.status_code == 200:
                tokens.append(r.json()["layergroupid"])
            i += 1


def check_layergroups(store: Store, port: int, tokens: list[str]) -> None:
    """Every acknowledged layergroup is stored; the last one still draws."""
    try:
        missing = [t for t in tokens if store.get_layergroup(t.split(":")[0]) is None]
    finally:
        store.close()
    assert missing == []
    r = httpx.get(f"http://127.0.0.1:{port}/api/v1/map/static/center/{tokens[-1]}/1/0/0/8/8.png", timeout=60)
    assert r.status_code == 200, r.text


def template_writer(port: int, stop: threading.Event, acknowledged: list[str], w: int) -> None:
    """Creates named maps until stopped or cut off, noting each one the server acknowledged."""
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


def key_writer(port: int, stop: threading.Event, keys: dict[str, str], w: int) -> None:
    """Creates regular API keys until stopped or cut off, noting each acknowledged one and its token."""
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


def sigkill_scenario(tmp_path: Path, storage: str | None, open_store: Callable[[], Store]) -> None:
    """Kill the server mid-writes, restart it on the same storage, and find every acknowledged
    template, API key (same token) and layergroup intact."""
    port = free_port()
    proc = start(tmp_path, port, storage)
    acknowledged: list[str] = []
    keys: dict[str, str] = {}
    layergroups: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=template_writer, args=(port, stop, acknowledged, w)) for w in range(4)]
    threads += [threading.Thread(target=key_writer, args=(port, stop, keys, w)) for w in range(2)]
    threads += [threading.Thread(target=map_writer, args=(port, stop, layergroups, w)) for w in range(2)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 10
        while (len(acknowledged) < 40 or len(keys) < 20 or len(layergroups) < 10) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        if proc.poll() is None:
            proc.kill()
    assert len(acknowledged) >= 40 and len(keys) >= 20 and len(layergroups) >= 10
    proc = start(tmp_path, port, storage)
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
        for name in (acknowledged[0], acknowledged[-1]):
            one = httpx.get(f"http://127.0.0.1:{port}/api/v1/map/named/{name}",
                            params={"api_key": MASTER}).json()["template"]
            assert one == template(name)
        check_layergroups(open_store(), port, layergroups)
    finally:
        proc.terminate()
        proc.wait(10)


def test_sigkill_during_writes_loses_no_acknowledged_template(tmp_path: Path) -> None:
    sigkill_scenario(tmp_path, None, lambda: Storage(tmp_path / "store.sqlite"))
