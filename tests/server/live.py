"""`glrender serve` as a real child process for the end-to-end server tests: started on a free port,
waited for until /health answers, stopped with SIGINT (uvicorn's graceful shutdown)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: list[str], *, cwd: Path, log: Path, env: dict[str, str] | None = None,
                 timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str]:
    """The server process and its base URL once /health answers 200; the test fails (with the server's
    log) if the process exits or stays silent for ``timeout`` seconds."""
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                **(env or {})}
    with log.open("wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen([sys.executable, "-m", "glrender", "serve", "--host", "127.0.0.1", "--port",
                                 str(port), *args], cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not answer /health within {timeout:g} s")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Stop gracefully and check the server exited cleanly (its log in the failure message)."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    assert proc.returncode == 0, log.read_text()
