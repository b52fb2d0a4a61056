"""Speed of glrender against MapLibre Native (pymgl) on the same styles, tiles and cameras.

    python benches/bench.py [--runs N] [--cold-runs N] [--min-warm-seconds S] [--filter SUBSTR]
                            [--quick] [--json OUT] [--renderers glrender,pymgl] [--shared DIR]

Scenarios (benches/scenarios.json): the 14 reference views (basic-nolabels.json), the 6 Berlin views
(streets-nolabels.json) and an 8192x8192 PNG; then the CARTO demo named map at 8192x8192 (carto_bench.py,
glrender only: time and peak memory). Every measurement runs in a child process:

* warm: one renderer per child, one warm-up render, then the median of N timed render + PNG encode
  calls; the renderers' children are alive together and take turns render by render. Fast views
  take more turns, until each renderer has rendered for ``--min-warm-seconds`` (1 s; at most 400
  turns): the median of 7 renders of a 5 ms view moved by 20-30 % from run to run;
* cold: a fresh child per run, timed from importing the renderer and reading the style through the
  PNG bytes (interpreter start and the harness's own imports, numpy among them, are not included; the
  whole child is reported as ``process`` in the JSON). Cold children take turns between the
  renderers, so a slow spell of a shared machine falls on both sides of a ratio.

Prints per scenario the medians and the ratio glrender / MapLibre Native (below 1: glrender faster).
Timings are never asserted anywhere; on a shared machine treat differences under ~20 % as noise.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from backends import View  # noqa: E402

RENDERERS = ("glrender", "pymgl")
CHILD_TIMEOUT = 1200.0


def shared_dir() -> Path:
    return Path(os.environ.get("GLRENDER_SHARED") or REPO.parent / "shared")


def load_scenarios(shared: Path) -> list[dict[str, Any]]:
    """Scenario records: id, absolute style path, view fields, ``huge`` flag."""
    spec = json.loads((HERE / "scenarios.json").read_text())
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group in spec["groups"]:
        base = shared / group["base"]
        for rec in json.loads((shared / group["views"]).read_text())["views"]:
            # The labelled reference set repeats a view of the unlabelled one; time it once.
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])
            out.append({**rec, "style": str((base / rec["style"]).resolve())})
    for rec in spec.get("extra", []):
        out.append({**rec, "style": str((shared / rec["style"]).resolve())})
    return out


# --- child side -----------------------------------------------------------------------------------


def _open(renderer: str, style_path: str) -> Any:
    """Read the style and make a renderer for it, as a user would."""
    import backends

    if renderer == "glrender":
        return backends.GlrenderMap(Path(style_path))
    style = json.loads(Path(style_path).read_text())
    return backends.NativeMap(backends.absolutize(style, Path(style_path).parent))


def child(job: dict[str, Any]) -> dict[str, Any]:
    view = View.from_record(job["view"])
    if job["mode"] == "serve":
        return _serve(job, view)
    if job["mode"] == "cold":
        t0 = time.perf_counter()
        m = _open(job["renderer"], job["style"])
        png = m.render_png(view)
        seconds = time.perf_counter() - t0
        m.close()
        return {"times": [seconds], "png_bytes": len(png)}
    m = _open(job["renderer"], job["style"])
    t0 = time.perf_counter()
    png = m.render_png(view)
    first = time.perf_counter() - t0
    times = []
    for _ in range(job["runs"]):
        t0 = time.perf_counter()
        png = m.render_png(view)
        times.append(time.perf_counter() - t0)
    m.close()
    return {"times": times, "first": first, "png_bytes": len(png)}


def _serve(job: dict[str, Any], view: View) -> dict[str, Any]:
    """Warm, in turns with the other renderer: one untimed render, then one timed render per
    ``render`` line on stdin (answered by a ``TIME`` line), until ``quit`` or the end of stdin."""
    m = _open(job["renderer"], job["style"])
    t0 = time.perf_counter()
    png = m.render_png(view)
    first = time.perf_counter() - t0
    print("READY " + json.dumps({"first": first, "png_bytes": len(png)}), flush=True)
    for line in sys.stdin:
        if line.strip() != "render":
            break
        t0 = time.perf_counter()
        m.render_png(view)
        print(f"TIME {time.perf_counter() - t0!r}", flush=True)
    m.close()
    return {"done": True}


def _child_main(arg: str) -> int:
    job = json.loads(arg)
    if job["renderer"] == "pymgl":
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    try:
        result = child(job)
    except Exception as exc:  # reported to the parent, which prints it in the table
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# --- parent side ----------------------------------------------------------------------------------


def _spawn(job: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    if job["renderer"] == "pymgl":
        env["EGL_PLATFORM"] = "surfaceless"
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CHILD_TIMEOUT:g} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            result["process"] = wall
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"child exited with code {proc.returncode}: {tail}"}


def _view_job(scn: dict[str, Any], renderer: str) -> dict[str, Any]:
    view = {k: scn[k] for k in ("lon", "lat", "zoom", "bearing", "pitch", "width", "height", "ratio") if k in scn}
    return {"renderer": renderer, "style": scn["style"], "view": view}


class _WarmChild:
    """A child keeping one renderer warm, rendering on request (``_serve``). Its output is read by a
    thread into a queue, so waiting for an answer has a deadline even when lines arrive together."""

    def __init__(self, job: dict[str, Any]) -> None:
        env = dict(os.environ)
        if job["renderer"] == "pymgl":
            env["EGL_PLATFORM"] = "surfaceless"
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True, env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)  # end of output: the child is gone

    def answer(self, prefix: str) -> str:
        """The payload of the child's next line starting with ``prefix``; raises with the child's own
        error when it reports one, dies or takes longer than CHILD_TIMEOUT."""
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"timed out after {CHILD_TIMEOUT:g} s") from None
            if line is None:
                self.proc.wait()
                self.err.seek(0)
                tail = (self.err.read().decode(errors="replace").strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"child exited with code {self.proc.returncode}: {tail}")
            if line.startswith("RESULT "):
                raise RuntimeError(json.loads(line[len("RESULT "):]).get("error", "child stopped"))
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def ask(self) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write("render\n")
        self.proc.stdin.flush()
        return float(self.answer("TIME "))

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.reader.join(10)  # it stops at the end of the child's output
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.err.close()


# Fast views get more warm turns: a 5 ms view's median of 7 renders moved by 20-30 % from run to run,
# a whole second of turns by a few percent. Both renderers always get the same number of turns.
MIN_WARM_SECONDS = 1.0
MAX_WARM_TURNS = 400


def _warm_all(scn: dict[str, Any], renderers: list[str], runs: int,
              min_seconds: float = 0.0) -> dict[str, dict[str, Any]]:
    """Warm medians, the renderers taking turns render by render (each in its own child, kept warm):
    a slow spell of a shared machine falls on both sides of a ratio. At least ``runs`` turns, and more
    (up to MAX_WARM_TURNS) until every renderer has rendered for ``min_seconds`` in all."""
    out: dict[str, dict[str, Any]] = {}
    kids: dict[str, _WarmChild] = {}
    for name in renderers:
        out[name] = {"warm": None, "cold": None, "first": None, "error": None}
        kid = _WarmChild({**_view_job(scn, name), "mode": "serve"})
        try:
            ready = json.loads(kid.answer("READY "))
            out[name]["first"], out[name]["png_bytes"] = ready["first"], ready["png_bytes"]
            kids[name] = kid
        except RuntimeError as exc:
            out[name]["error"] = str(exc)
            kid.close()
    times: dict[str, list[float]] = {name: [] for name in kids}
    try:
        turn = 0
        while kids and (turn < runs or (turn < MAX_WARM_TURNS
                                        and min(sum(times[n]) for n in kids) < min_seconds)):
            turn += 1
            for name in list(kids):
                try:
                    times[name].append(kids[name].ask())
                except RuntimeError as exc:
                    out[name]["error"] = str(exc)
                    kids.pop(name).close()
    finally:
        for kid in kids.values():
            kid.close()
    for name, ts in times.items():
        if ts and not out[name]["error"]:
            out[name]["warm"] = statistics.median(ts)
            out[name]["warm_times"] = ts
    return out


def _add_colds(out: dict[str, Any], colds: list[dict[str, Any]]) -> None:
    times = [c["times"][0] for c in colds if c.get("times")]
    errors = [c["error"] for c in colds if c.get("error")]
    if times:
        out["cold"] = statistics.median(times)
        out["cold_times"] = times
        out["cold_process"] = statistics.median(c["process"] for c in colds if c.get("times"))
    if errors and not out.get("error"):
        out["error"] = errors[0]


def measure(scn: dict[str, Any], renderer: str, runs: int, cold_runs: int, min_warm: float = 0.0) -> dict[str, Any]:
    """One renderer on one scenario: the median warm render, then the median of fresh processes."""
    return measure_all(scn, [renderer], runs, cold_runs, min_warm)[renderer]


def measure_all(scn: dict[str, Any], renderers: list[str], runs: int, cold_runs: int,
                min_warm: float = 0.0) -> dict[str, dict[str, Any]]:
    """Every renderer on one scenario. Cold processes take turns between the renderers (glrender, Native,
    glrender, ...), so a slow spell of a shared machine weighs on both sides of a ratio, not on one."""
    out = _warm_all(scn, renderers, runs, min_warm)
    # a renderer that cannot draw the view once will not do better cold
    live = [name for name in renderers if not out[name]["error"]]
    colds: dict[str, list[dict[str, Any]]] = {name: [] for name in live}
    for _ in range(cold_runs):
        for name in live:
            colds[name].append(_spawn({**_view_job(scn, name), "mode": "cold"}))
    for name in live:
        _add_colds(out[name], colds[name])
    return out


def _fmt(v: float | None) -> str:
    return f"{v:.3f}" if v is not None else "-"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "scenario",
        "output px",
        "gl warm s",
        "native warm s",
        "ratio",
        "gl cold s",
        "native cold s",
        "ratio",
    )
    body = []
    for r in rows:
        g, n = r.get("glrender") or {}, r.get("pymgl") or {}
        body.append(
            (
                r["id"],
                r["output"],
                _fmt(g.get("warm")),
                _fmt(n.get("warm")),
                _ratio(g.get("warm"), n.get("warm")),
                _fmt(g.get("cold")),
                _fmt(n.get("cold")),
                _ratio(g.get("cold"), n.get("cold")),
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
    lines = [
        "  ".join(
            str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in [head, *body]
    ]
    for r in rows:
        for name in RENDERERS:
            err = (r.get(name) or {}).get("error")
            if err:
                lines.append(f"! {r['id']} {name}: {err}")
    return "\n".join(lines)


def _precompile() -> None:
    """Write glrender's bytecode once, as `pip install` does for an installed package.

    Without it, a checkout run with PYTHONDONTWRITEBYTECODE=1 (as on our CI machines) compiles every
    module from source in each cold child, which would time Python's compiler, not glrender.
    """
    import compileall

    root = Path(__file__).resolve().parent.parent
    compileall.compile_dir(str(root / "glrender"), quiet=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed warm renders per scenario (default 5)")
    ap.add_argument("--cold-runs", type=int, default=3, help="fresh processes per scenario (default 3)")
    ap.add_argument("--min-warm-seconds", type=float, default=MIN_WARM_SECONDS,
                    help=f"more warm turns, up to {MAX_WARM_TURNS}, until each renderer has rendered this "
                         f"long (default {MIN_WARM_SECONDS:g}; 0 with --quick)")
    ap.add_argument("--filter", dest="substr", help="only scenarios whose id contains this")
    ap.add_argument("--quick", action="store_true", help="2 warm runs, 1 cold run, no 8192px scenario")
    ap.add_argument("--json", type=Path, dest="json_out", help="write all timings as JSON")
    ap.add_argument("--renderers", default=",".join(RENDERERS), help="comma-separated subset of glrender,pymgl")
    ap.add_argument("--shared", type=Path, default=None, help="shared data folder (default ../shared)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child_main(args.child)
    _precompile()

    renderers = [r.strip() for r in args.renderers.split(",") if r.strip()]
    bad = [r for r in renderers if r not in RENDERERS]
    if bad or not renderers:
        print(f"error: unknown renderer(s) {bad}; choose from {RENDERERS}", file=sys.stderr)
        return 2
    runs, cold_runs = (2, 1) if args.quick else (args.runs, args.cold_runs)
    min_warm = 0.0 if args.quick else max(0.0, args.min_warm_seconds)
    shared = args.shared or shared_dir()
    try:
        scenarios = load_scenarios(shared)
    except FileNotFoundError as exc:
        print(f"error: scenario data not found ({exc}); set GLRENDER_SHARED or --shared", file=sys.stderr)
        return 2
    if args.substr:
        scenarios = [s for s in scenarios if args.substr in s["id"]]
    elif args.quick:
        scenarios = [s for s in scenarios if not s.get("huge")]

    rows = []
    for scn in scenarios:
        w, h = View.from_record(scn).pixels
        row: dict[str, Any] = {"id": scn["id"], "output": f"{w}x{h}"}
        row.update(measure_all(scn, renderers, runs, cold_runs, min_warm))
        for name in renderers:
            print(
                f"# {scn['id']} {name}: warm {_fmt(row[name]['warm'])} cold {_fmt(row[name]['cold'])}",
                file=sys.stderr,
                flush=True,
            )
        rows.append(row)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(rows, indent=1) + "\n")
    print(table(rows))
    carto_id = "carto-named-world_population-8192x8192"
    if "glrender" in renderers and not args.quick and (not args.substr or args.substr in carto_id):
        import carto_bench  # the CARTO demo named map at 8192x8192 (glrender only): time and peak memory

        return carto_bench.main(["--runs", str(min(runs, 3))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
