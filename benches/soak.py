"""Soak test: a few thousand mixed requests against a real `glrender serve` on 127.0.0.1, with the
resident memory of the server and its render workers sampled at the start, every tenth of the run and
the end, to show whether memory grows with the number of requests.

    python benches/soak.py [--requests 3000] [--clients 4] [--workers 2] [--max-seconds 900] [--cache-mb 16]
                           [--worker-max-rss-mb 1536] [--json OUT]

The mix: plain views of every size (some @2x, some with bearing and pitch), pins, paths, GeoJSON
shapes, custom-free overlays in both orders, before_layer, addlayer and setfilter, bbox and auto,
static tiles, repeats (image cache hits and ETag 304s) and bad requests (4xx). The image cache is set
small (``--cache-mb``) so it fills early and its bound shows as a plateau, not as growth.

Bounded: at most ``--requests`` requests and ``--max-seconds`` seconds, loopback only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import DEMO, _free_port, _rss_kb, serving  # noqa: E402 - the sibling bench's helpers

STYLE = "/styles/v1/demo/basic"
SIZES = [(64, 64), (256, 256), (400, 300), (512, 512), (800, 600), (1280, 200)]
POLYLINE = "_pfpJk%7DewCkEoiB"  # across central Helsinki, percent-encoded as clients must
BAD = [
    "/static/0,0,21/100x100", "/static/0,0,2/0x100", "/static/0,95,2/100x100", "/static/pin-q(0,0)/0,0,2/10x10",
    "/static/geojson(%7B%22type%22%3A%22Nope%22%7D)/0,0,2/10x10", "/static/0,0,2/10x10?padding=5",
    "/static/auto/100x100", "/static/[1,2,3]/100x100", "/static/nan,0,2/10x10", "/static/%ZZ/10x10",
    "/static/0,0,2/10x10?setfilter=[1]", "/static/0,0,2/10x10?addlayer={bad", "/tiles/512/3/9/0",
]


def _request(rng: random.Random, i: int) -> str:
    """One request of the mix; ``i`` keeps most of them unique so they really render."""
    lon = 24.94 + rng.uniform(-0.01, 0.01)
    lat = 60.17 + rng.uniform(-0.005, 0.005)
    w, h = rng.choice(SIZES)
    retina = "@2x" if rng.random() < 0.2 and w <= 640 else ""
    zoom = round(rng.uniform(11, 16), 2)
    where = f"{lon:.5f},{lat:.5f},{zoom}"
    kind = rng.randrange(12)
    pin = f"pin-l-{rng.choice(['a', '7', 'bus', 'park'])}+{rng.randrange(16**3):03x}({lon:.4f},{lat:.4f})"
    path = f"path-{rng.randint(1, 8)}+f44-0.7({POLYLINE})"
    square = [[lon - 0.003, lat - 0.002], [lon + 0.003, lat - 0.002], [lon + 0.003, lat + 0.002],
              [lon - 0.003, lat - 0.002]]
    shape = quote(json.dumps({"type": "Feature", "properties": {"fill": "#0af", "stroke-width": 3},
                              "geometry": {"type": "Polygon", "coordinates": [square]}}, separators=(",", ":")),
                  safe="")
    if kind == 0:
        return f"{STYLE}/static/{where}/{w}x{h}{retina}"
    if kind == 1:
        return f"{STYLE}/static/{where},{rng.uniform(0, 360):.1f},{rng.uniform(0, 60):.1f}/{w}x{h}{retina}"
    if kind == 2:
        return f"{STYLE}/static/{pin},{path}/{where}/{w}x{h}{retina}"
    if kind == 3:
        return f"{STYLE}/static/{path},{pin},geojson({shape})/{where}/{w}x{h}{retina}"
    if kind == 4:
        return f"{STYLE}/static/{pin},geojson({shape})/{where}/{w}x{h}?before_layer=road"
    if kind == 5:
        layer = quote(json.dumps({"id": f"x{i % 5}", "type": "line", "source": "helsinki",
                                  "source-layer": "transportation", "paint": {"line-color": "#f0f"}}))
        return f"{STYLE}/static/{where}/{w}x{h}?addlayer={layer}&before_layer=building"
    if kind == 6:
        cls = rng.choice(["primary", "secondary", "minor"])
        return f"{STYLE}/static/{where}/{w}x{h}?setfilter={quote(json.dumps(['==', 'class', cls]))}&layer_id=road"
    if kind == 7:
        return f"{STYLE}/static/{pin},{path}/auto/{w}x{h}?padding={rng.randint(0, 20)}"
    if kind == 8:
        return f"{STYLE}/static/[{lon - 0.01:.4f},{lat - 0.005:.4f},{lon + 0.01:.4f},{lat + 0.005:.4f}]/{w}x{h}"
    if kind == 9:
        z = rng.randint(10, 15)
        x, y = int((24.94 + 180) / 360 * 2**z), int(0.29 * 2**z)
        return f"{STYLE}/tiles/{rng.choice([256, 512])}/{z}/{x}/{y}{retina}"
    if kind == 10:
        return f"{STYLE}/static/24.94,60.17,14/{rng.choice(['300x200', '128x128'])}"  # repeats: cache hits
    return STYLE + rng.choice(BAD)


def soak(base: str, pid: int, total: int, clients: int, max_seconds: float) -> dict[str, object]:
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    done = [0]
    samples: list[tuple[int, float, int]] = []  # (requests done, seconds, RSS KiB)
    stop = time.monotonic() + max_seconds
    start = time.monotonic()
    samples.append((0, 0.0, _rss_kb(pid)))

    def client(k: int) -> None:
        rng = random.Random(k)
        etag: str | None = None
        while time.monotonic() < stop:
            with lock:
                if done[0] >= total:
                    return
                done[0] += 1
                i = done[0]
            url = base + _request(rng, i)
            headers = {"If-None-Match": etag} if etag and rng.random() < 0.05 else {}
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
                    r.read()
                    status = r.status
                    etag = r.headers.get("ETag") or etag
            except urllib.error.HTTPError as e:
                status = e.code
                e.read()
                e.close()
            except OSError:
                status = 0
            with lock:
                statuses[f"{status // 100}xx" if status else "failed"] += 1

    def sampler() -> None:
        marks = {round(total * f / 10) for f in range(1, 10)}
        while time.monotonic() < stop and done[0] < total:
            n = done[0]
            if marks and n >= min(marks):
                marks.discard(min(marks))
                samples.append((n, time.monotonic() - start, _rss_kb(pid)))
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    threads.append(threading.Thread(target=sampler))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    samples.append((done[0], time.monotonic() - start, _rss_kb(pid)))
    return {"requests": done[0], "seconds": round(time.monotonic() - start, 1), "statuses": dict(statuses),
            "rss_mb": [(n, round(s, 1), round(kb / 1024, 1)) for n, s, kb in samples]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=900.0)
    ap.add_argument("--cache-mb", type=float, default=16.0)
    ap.add_argument("--worker-max-rss-mb", type=float, default=1536.0,
                    help="the server's worker memory cap (workers past it are replaced)")
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "soak.toml"
        cfg.write_text(f'[[styles]]\nowner = "demo"\nid = "basic"\npath = "{DEMO / "styles" / "basic.json"}"\n'
                       f"[limits]\nrender_workers = {args.workers}\nrequests_per_minute = 1000000\n"
                       f"cache_mb = {args.cache_mb}\nworker_max_rss_mb = {args.worker_max_rss_mb}\n")
        cmd = [sys.executable, "-m", "glrender", "serve", "--config", str(cfg), "--port", str(port)]
        with serving(cmd, Path(tmp) / "server.log", port, stop_timeout=60) as (base, pid):
            result = soak(base, pid, args.requests, args.clients, args.max_seconds)
            with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
                metrics = r.read().decode()
        for name in ("replaced", "recycled"):
            result[f"{name}_workers"] = next((line.split()[-1] for line in metrics.splitlines()
                                              if line.startswith(f"glrender_render_workers_{name}_total")), "?")
        result["server_log_tail"] = (Path(tmp) / "server.log").read_text(errors="replace").splitlines()[-5:]
    print(f"{result['requests']} requests in {result['seconds']} s, statuses {result['statuses']}, workers "
          f"replaced {result['replaced_workers']}, recycled {result['recycled_workers']}")
    print("RSS of server + workers (requests done, seconds, MB):")
    for n, s, mb in result["rss_mb"]:  # type: ignore[attr-defined]
        print(f"  {n:6d} {s:7.1f} s {mb:8.1f} MB")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
