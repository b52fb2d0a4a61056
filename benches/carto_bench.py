"""CARTO scenario: the demo named map (world_population) as an 8192x8192 static PNG.

Runs in a child process so its peak memory (max RSS) is its own; prints cold (first request of a new
service: SQL, CartoCSS, GL context) and warm (same request again) times. Usage:
``python benches/carto_bench.py [--size 8192] [--zoom 5] [--format png] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(size: int, zoom: int, fmt: str, runs: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from server.carto.config import CartoConfig
    from server.carto.routes import carto_routes

    with tempfile.TemporaryDirectory() as tmp:
        cfg = CartoConfig(storage=str(Path(tmp) / "store.sqlite"))
        app = Starlette(routes=carto_routes(cfg))
        url = f"/api/v1/map/static/named/world_population/{size}/{size}.{fmt}?zoom={zoom}&lon=0&lat=0"
        times = []
        with TestClient(app) as client:
            for _ in range(runs + 1):
                t0 = time.perf_counter()
                r = client.get(url)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            nbytes = len(r.content)
            app.state.carto.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"scenario": f"carto-named-world_population-{size}x{size}.{fmt}", "cold_s": times[0],
            "warm_median_s": statistics.median(times[1:]), "bytes": nbytes, "peak_rss_mb": peak_mb}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--zoom", type=int, default=5)
    ap.add_argument("--format", default="png", choices=["png", "jpg"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.size, args.zoom, args.format, args.runs)))
        return 0
    out = subprocess.run([sys.executable, __file__, "--child", "--size", str(args.size), "--zoom", str(args.zoom),
                          "--format", args.format, "--runs", str(args.runs)], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return out.returncode
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{res['scenario']}: cold {res['cold_s']:.2f} s, warm median {res['warm_median_s']:.2f} s, "
          f"{res['bytes'] / 1e6:.1f} MB, peak RSS {res['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
