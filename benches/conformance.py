"""Run a MapLibre-format render-test suite and report pass/fail per test and per family.

    python benches/conformance.py SUITE_DIR [--list FILE] [--json OUT] [--out DIR] [--jobs N]
                                            [--filter SUBSTR] [--timeout S] [--renderer glrender|pymgl]

SUITE_DIR has the layout of ../shared/conformance/maplibre-render (render/tests/<id>/style.json with
expected*.png, assets/). Prints one line per failing test, a table per family, and last a line
``N passed, M failed``. Tests run in worker processes; a test that raises, crashes its worker or
times out is a failure with a message, and the run continues.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from backends import BACKENDS  # noqa: E402
from suite import Case, Result, discover, run_case  # noqa: E402
from workers import CrashSafePool  # noqa: E402


def _setup() -> dict[str, Any]:
    # Quiet MapLibre Native's logging and make it start headless; harmless for glrender.
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    return {}


def _run_one(state: dict[str, Any], task: tuple[Case, str, str, str | None]) -> dict[str, Any]:
    case, suite, backend, out = task
    result = run_case(case, Path(suite), backend, Path(out) if out else None)
    return result.to_json()


def run(
    suite: Path,
    *,
    list_file: Path | None = None,
    substr: str | None = None,
    backend: str = "glrender",
    jobs: int | None = None,
    timeout: float = 120.0,
    out_dir: Path | None = None,
    progress: bool = False,
) -> list[Result]:
    """Run the selected tests of ``suite``; results in the order of the test list."""
    cases = discover(suite, list_file, substr)
    by_id = {c.id: c for c in cases}
    jobs = jobs or os.cpu_count() or 1
    pool = CrashSafePool(_run_one, jobs=jobs, timeout=timeout, setup=_setup)
    out = str(out_dir.resolve()) if out_dir else None
    tasks = [(c.id, (c, str(suite.resolve()), backend, out)) for c in cases]
    results: dict[str, Result] = {}
    for done, outcome in enumerate(pool.map(tasks), start=1):
        case = by_id[outcome.key]
        if outcome.error is None:
            value = dict(outcome.value)
            results[case.id] = Result(**value)
        else:
            results[case.id] = Result(id=case.id, family=case.family, passed=False, error=outcome.error)
        if progress:
            r = results[case.id]
            status = "ok  " if r.passed else "FAIL"
            print(f"[{done}/{len(cases)}] {status} {r.id}", file=sys.stderr, flush=True)
    return [results[c.id] for c in cases]


def _failure_line(r: Result) -> str:
    if r.error and r.mismatch is None:
        return f"FAIL {r.id}: {r.error}"
    detail = f"mismatch {r.mismatch:.5f} > allowed {r.allowed:g}"
    if r.error:
        detail += f" ({r.error})"
    return f"FAIL {r.id}: {detail}"


def report(results: list[Result]) -> str:
    """Failing tests, then a per-family table, then the ``N passed, M failed`` line last."""
    lines = [_failure_line(r) for r in results if not r.passed]
    fams: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        fams[r.family][0 if r.passed else 1] += 1
    if lines:
        lines.append("")
    width = max([len("family")] + [len(f) for f in fams])
    lines.append(f"{'family':<{width}}  passed  failed   total")
    for fam in sorted(fams):
        p, f = fams[fam]
        lines.append(f"{fam:<{width}}  {p:>6}  {f:>6}  {p + f:>6}")
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("suite", type=Path, help="folder with render/tests/ and assets/")
    ap.add_argument("--list", type=Path, dest="list_file", help="file of test ids, one per line")
    ap.add_argument("--json", type=Path, dest="json_out", help="write per-test results as JSON")
    ap.add_argument("--out", type=Path, help="write <id>/actual.png (and diff.png on failure) here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--filter", dest="substr", help="only ids containing this substring")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per test (default 120)")
    ap.add_argument("--renderer", choices=BACKENDS, default="glrender", help="renderer to test")
    ap.add_argument("--progress", action="store_true", help="print each result to stderr")
    args = ap.parse_args(argv)

    if not (args.suite / "render" / "tests").is_dir():
        print(f"error: {args.suite} has no render/tests folder", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = run(
        args.suite,
        list_file=args.list_file,
        substr=args.substr,
        backend=args.renderer,
        jobs=args.jobs,
        timeout=args.timeout,
        out_dir=args.out,
        progress=args.progress,
    )
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps([r.to_json() for r in results], indent=1) + "\n")
    elapsed = time.perf_counter() - t0
    print(f"# {len(results)} tests, renderer {args.renderer}, {elapsed:.1f} s", file=sys.stderr)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
