"""PostgreSQL storage keeps every acknowledged write: a real server process is SIGKILLed while four
clients create templates, two API keys and two anonymous maps, and after a restart each one it
acknowledged is there, intact.
Also: the template limit holds under concurrent creations (the advisory lock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from server.carto.errors import CartoError
from server.carto.pgstorage import PostgresStorage
from tests.server.carto.conftest import template
from tests.server.carto.test_crash import APP, MAPS, MASTER, check_layergroups, free_port, map_writer


def start(tmp_path: Path, port: int, storage: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "app.py"
    script.write_text(APP.format(key=MASTER, storage=storage))
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


def test_sigkill_during_writes_loses_no_acknowledged_template(tmp_path: Path, pg_empty: str) -> None:
    port = free_port()
    proc = start(tmp_path, port, pg_empty)
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

    layergroups: list[str] = []
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    threads += [threading.Thread(target=key_writer, args=(w,)) for w in range(2)]
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
    proc = start(tmp_path, port, pg_empty)
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
        check_layergroups(PostgresStorage(pg_empty), port, layergroups)
    finally:
        proc.terminate()
        proc.wait(10)


def test_limit_holds_under_concurrent_creations(pg_empty: str) -> None:
    stores = [PostgresStorage(pg_empty) for _ in range(8)]  # as many servers sharing one database
    results: list[int | str] = []
    barrier = threading.Barrier(len(stores))

    def create(i: int) -> None:
        barrier.wait()
        for k in range(3):
            try:
                results.append(stores[i].create_template("u", f"t{i}_{k}", {"n": i}, 10))
            except CartoError as exc:
                results.append(exc.message)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 11))
        assert len(stores[0].list_templates("u")) == 10
        assert results.count("User 'u' reached limit on number of templates (10/10)") == 14
        stores[0].put_layergroup("abc", {"x": 1}, None)
        stores[0].put_layergroup("abc", {"x": 2}, None)  # a token names one config: the first stays
        assert stores[1].get_layergroup("abc") == ({"x": 1}, None)
        stores[0].set_meta("k", "1")
        stores[0].set_meta("k", "2")
        assert stores[1].get_meta("k") == "2" and stores[1].get_meta("none") is None
        name = stores[0].list_templates("u")[0]
        assert stores[0].delete_template("u", name) and not stores[1].delete_template("u", name)
    finally:
        for s in stores:
            s.close()
