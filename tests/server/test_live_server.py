"""`glrender serve` as a real uvicorn process on 127.0.0.1: health, one PNG, clean shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.server.live import start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 120.0


def _get(url: str, timeout: float) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(), resp.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("content-type", "")


def test_serve_real_process(real_api: Any, tmp_path: Path) -> None:
    proc, base = start_server([], cwd=REPO, log=tmp_path / "server.log", timeout=START_TIMEOUT_S)
    try:
        status, body, _ = _get(f"{base}/health", timeout=2)
        assert json.loads(body)["status"] == "ok"

        status, body, ctype = _get(f"{base}/styles/v1/demo/basic/static/24.944,60.1715,14/200x150.png",
                                   timeout=REQUEST_TIMEOUT_S)
        if status == 503:
            pytest.skip(f"no usable OpenGL here: {body.decode(errors='replace')}")
        assert status == 200, body[:300]
        assert ctype == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"

        status, body, ctype = _get(f"{base}/styles/v1/demo/basic/static/0,0,30/200x150", timeout=10)
        assert (status, json.loads(body)) == (422, {"message": "Zoom level must be between 0-20."})
    finally:
        stop_server(proc, tmp_path / "server.log", timeout=15)


def test_cli_render_real_process(real_api: Any, tmp_path: Path) -> None:
    """`glrender render` end to end in a child process (needs EGL; skipped with the reason without it)."""
    style = REPO / "glrender" / "data" / "demo" / "styles" / "basic.json"
    out = tmp_path / "helsinki.png"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "glrender", "render", str(style), "-o", str(out), "--center", "24.944,60.1715",
         "--zoom", "14", "--size", "160x120", "--scale", "2"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=REQUEST_TIMEOUT_S,
    )
    if proc.returncode == 2 and "EGL" in proc.stderr:
        pytest.skip(f"no usable OpenGL here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 320 and int.from_bytes(data[20:24], "big") == 240
