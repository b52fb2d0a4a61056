"""Bounded loopback load test: 16 concurrent clients for 30 s against `glrender serve` (demo style, mixed
sizes and overlays), then the same load against MapLibre Native through pymgl in a minimal server of
this script's own (a child process). Prints requests/s, p50/p99 latency, errors and server peak RSS.

    python benches/load.py [--clients 16] [--seconds 30] [--workers 2] [--only glrender|pymgl]

Traffic goes to 127.0.0.1 only, and every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "glrender" / "data" / "demo"
MAX_REQUESTS = 200_000  # a hard cap on top of the time bound
SIZES = [(256, 256), (400, 300), (512, 512), (800, 600)]
# The polyline (percent-encoded, as clients must) runs across central Helsinki.
OVERLAYS = ["", "pin-s-a+f00({lon},{lat})/", "pin-l-bus+462eff({lon},{lat}),path-4+00f-0.8(_pfpJk%7DewCkEoiB)/"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the render workers), in KiB."""
    total = 0
    try:
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        total += sum(int(x) for x in out.split())
        total += int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        pass
    return total


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


@contextlib.contextmanager
def serving(cmd: list[str], log_path: Path, port: int, stop_timeout: float = 30) -> Iterator[tuple[str, int]]:
    """Run a server command (its output to ``log_path``) until it answers /health; yields its base URL
    and pid, and stops it (terminate, then kill) however the block ends."""
    env = dict(os.environ, EGL_PLATFORM="surfaceless", PYTHONPATH=str(REPO))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base + "/health", proc)
            yield base, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()


def _path(rng: random.Random, glrender: bool) -> str:
    w, h = rng.choice(SIZES)
    lon = 24.94 + rng.uniform(-0.01, 0.01)
    lat = 60.17 + rng.uniform(-0.005, 0.005)
    zoom = rng.choice([12, 13, 14, 15])
    retina = "@2x" if rng.random() < 0.25 else ""
    if glrender:
        overlay = rng.choice(OVERLAYS).format(lon=round(lon, 4), lat=round(lat, 4))
        return f"/styles/v1/demo/basic/static/{overlay}{lon:.4f},{lat:.4f},{zoom}/{w}x{h}{retina}"
    return f"/render?lon={lon:.4f}&lat={lat:.4f}&zoom={zoom}&width={w}&height={h}&ratio={2 if retina else 1}"


def run_load(base: str, glrender: bool, clients: int, seconds: float, pid: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = {"5xx": 0, "4xx": 0, "other": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    peak = [0]

    def client(i: int) -> None:
        rng = random.Random(i)
        while time.monotonic() < stop and len(latencies) + sum(errors.values()) < MAX_REQUESTS:
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(base + _path(rng, glrender), timeout=60) as r:
                    r.read()
                kind = None
            except urllib.error.HTTPError as e:
                kind = "5xx" if e.code >= 500 else "4xx"
            except OSError:
                kind = "other"
            with lock:
                if kind:
                    errors[kind] += 1
                else:
                    latencies.append(time.perf_counter() - t)

    def sampler() -> None:
        while time.monotonic() < stop:
            peak[0] = max(peak[0], _rss_kb(pid))
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)] + [threading.Thread(target=sampler)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat = sorted(latencies) or [float("nan")]
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": 1000 * statistics.median(lat),
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))], **errors, "peak_rss_mb": peak[0] / 1024}


PYMGL_SERVER = r'''
import json, os, sys, threading
from http.server import HTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs
import pymgl
style = json.loads(open(sys.argv[1]).read())
demo = sys.argv[2]
for src in style["sources"].values():
    if src.get("url", "").startswith("mbtiles://"):
        src["url"] = "mbtiles://" + os.path.abspath(os.path.join(demo, "styles", src["url"][len("mbtiles://"):]))
style["glyphs"] = "file://" + os.path.abspath(os.path.join(demo, "glyphs")) + "/{fontstack}/{range}.pbf"
text = json.dumps(style)
local = threading.local()
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/health":
            self.send_response(200); self.end_headers(); self.wfile.write(b"ok"); return
        q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        w, h, ratio = int(q["width"]), int(q["height"]), int(q["ratio"])
        # One pymgl Map per thread and size: a Map's size and ratio are fixed when it is made.
        maps = local.__dict__.setdefault("maps", {})
        m = maps.get((w, h, ratio))
        if m is None:
            m = maps[(w, h, ratio)] = pymgl.Map(text, w, h, ratio)
        m.setCenter(float(q["lon"]), float(q["lat"])); m.setZoom(float(q["zoom"]))
        png = m.renderPNG()
        self.send_response(200); self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(png))); self.end_headers(); self.wfile.write(png)
# One thread: pymgl Maps cannot switch GL contexts across threads ("Switching OpenGL context failed").
HTTPServer.request_queue_size = 64
HTTPServer(("127.0.0.1", int(sys.argv[3])), H).serve_forever()
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=["glrender", "pymgl"])
    args = ap.parse_args()
    results = {}
    for name in ("glrender", "pymgl"):
        if args.only and args.only != name:
            continue
        port = _free_port()
        with tempfile.TemporaryDirectory() as tmp:
            if name == "glrender":
                cfg = Path(tmp) / "load.toml"
                style = DEMO / "styles" / "basic.json"
                cfg.write_text(f'[[styles]]\nowner = "demo"\nid = "basic"\npath = "{style}"\n'
                               f"[limits]\nrender_workers = {args.workers}\nrequests_per_minute = 1000000\n"
                               "cache_mb = 0\n")
                cmd = [sys.executable, "-m", "glrender", "serve", "--config", str(cfg), "--port", str(port)]
            else:
                script = Path(tmp) / "pymgl_server.py"
                script.write_text(PYMGL_SERVER)
                cmd = [sys.executable, str(script), str(DEMO / "styles" / "basic.json"), str(DEMO), str(port)]
            with serving(cmd, Path(tempfile.gettempdir()) / f"load-{name}.log", port) as (base, pid):
                results[name] = run_load(base, name == "glrender", args.clients, args.seconds, pid)
    print(f"{'server':10} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'5xx':>4} {'4xx':>4} "
          f"{'other':>5} {'peak RSS MB':>11}")
    for name, r in results.items():
        print(f"{name:10} {r['requests']:8d} {r['rps']:7.1f} {r['p50_ms']:7.0f} {r['p99_ms']:7.0f} {r['5xx']:4d} "
              f"{r['4xx']:4d} {r['other']:5d} {r['peak_rss_mb']:11.0f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
