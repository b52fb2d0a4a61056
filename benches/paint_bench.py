"""Cold-render time of one view and the time spent in ``paint_values`` (fresh process per run).

    python benches/paint_bench.py [--runs N] [--save OUT.npy]

Defaults to the dense Berlin view (streets-nolabels.json, 13.425293 52.49616 z16 p60 b30, 1280x1280)
whose ``building-3d`` layer evaluates data-driven extrusion height and colour for ~9,000 buildings.
Each run is a child process: a new Renderer, one render, timed from the constructor to the pixels.
Prints the medians; timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STYLE = Path(os.environ.get("GLRENDER_SHARED") or REPO.parent / "shared") / "data" / "bench" / "streets-nolabels.json"


def child(save: str | None) -> None:
    sys.path.insert(0, str(REPO))
    import numpy as np

    import glrender.buckets.base as base
    from glrender.api import Renderer
    from glrender.render import draw_common, draw_heatmap, draw_line

    spent = [0.0]
    orig = base.paint_values

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t

    for mod in (base, draw_common, draw_heatmap, draw_line):
        mod.paint_values = timed  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    r = Renderer(str(STYLE))
    img = r.render(center=(13.425293, 52.49616), zoom=16, pitch=60, bearing=30, width=1280, height=1280)
    total = time.perf_counter() - t0
    if save:
        np.save(save, img.array if hasattr(img, "array") else np.asarray(img))
    print(json.dumps({"total": total, "paint_values": spent[0]}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--save", default=None)
    ap.add_argument("--child", action="store_true")
    a = ap.parse_args()
    if a.child:
        child(a.save)
        return
    rows = []
    for i in range(a.runs):
        cmd = [sys.executable, __file__, "--child"] + (["--save", a.save] if a.save and i == 0 else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    tot = statistics.median(r["total"] for r in rows)
    pv = statistics.median(r["paint_values"] for r in rows)
    print(f"cold render median {tot * 1000:.0f} ms, paint_values median {pv * 1000:.1f} ms ({a.runs} runs)")


if __name__ == "__main__":
    main()
