"""The MapLibre render-test subset must not regress below the recorded floor.

Runs ``benches/conformance.py`` (the same runner outside checks use) on
``$GLRENDER_SHARED/conformance/maplibre-render`` (default ``../shared`` next to the repo) and asserts
that the number of passing tests is at least the number in ``floor.txt``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLOOR_FILE = Path(__file__).with_name("floor.txt")
OUT = Path(__file__).resolve().parents[1] / "render" / "out" / "conformance"


def shared_dir() -> Path:
    return Path(os.environ.get("GLRENDER_SHARED") or REPO.parent / "shared")


def read_floor() -> int:
    values = [s.strip() for s in FLOOR_FILE.read_text().splitlines() if s.strip() and not s.startswith("#")]
    return int(values[0])


def test_floor_file_is_an_integer() -> None:
    assert read_floor() >= 0


def test_conformance_pass_count_not_below_floor(tmp_path: Path) -> None:
    suite = shared_dir() / "conformance" / "maplibre-render"
    if not (suite / "render" / "tests").is_dir():
        pytest.skip(f"conformance suite not found at {suite} (set GLRENDER_SHARED)")
    results_file = tmp_path / "results.json"
    cmd = [
        sys.executable,
        str(REPO / "benches" / "conformance.py"),
        str(suite),
        "--jobs",
        os.environ.get("GLRENDER_CONFORMANCE_JOBS", "2"),
        "--timeout",
        "60",
        "--json",
        str(results_file),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=REPO)
    print(proc.stdout[-4000:])
    assert proc.returncode == 0, proc.stderr[-4000:]
    last = proc.stdout.strip().splitlines()[-1]
    results = json.loads(results_file.read_text())
    passed = sum(1 for r in results if r["passed"])
    assert last == f"{passed} passed, {len(results) - passed} failed"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    floor = read_floor()
    assert passed >= floor, f"{passed} tests pass, below the floor of {floor} in {FLOOR_FILE.name}"
