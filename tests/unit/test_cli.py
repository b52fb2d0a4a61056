from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from glrender import cli
from glrender.errors import RenderError, StyleError

REPO = Path(__file__).resolve().parents[2]
STYLE = REPO / "glrender" / "data" / "demo" / "styles" / "basic.json"
Cap = pytest.CaptureFixture[str]


class Recorder:
    """Replaces cli.run_render so argument handling is tested without GL."""

    def __init__(self) -> None:
        self.jobs: list[cli.RenderJob] = []
        self.error: Exception | None = None

    def __call__(self, job: cli.RenderJob) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.append(job)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr(cli, "run_render", rec)
    return rec


def _error_line(capsys: Cap) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("glrender: error: ")
    return lines[0]


def test_render_defaults_leave_camera_to_the_style(recorder: Recorder, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    assert cli.main(["render", str(STYLE), "-o", str(out), "--size", "512x256"]) == 0
    (job,) = recorder.jobs
    assert (job.center, job.zoom, job.bearing, job.pitch, job.bbox) == (None, None, None, None, None)
    assert (job.width, job.height, job.scale, job.fmt, job.quality) == (512, 256, 1, "png", 85)
    assert job.exact is False


def test_render_all_flags(recorder: Recorder, tmp_path: Path) -> None:
    argv = ["render", str(STYLE), "-o", str(tmp_path / "m.webp"), "--center", "-122.42,37.78",
            "--zoom", "15.5", "--bearing", "-30", "--pitch", "45", "--size", "300X200", "--scale", "2",
            "--quality", "70", "--exact"]
    assert cli.main(argv) == 0
    (job,) = recorder.jobs
    assert job.center == (-122.42, 37.78) and job.zoom == 15.5
    assert job.bearing == -30 and job.pitch == 45
    assert (job.width, job.height, job.scale, job.fmt, job.quality) == (300, 200, 2, "webp", 70)
    assert job.exact is True


def test_bbox_and_equals_forms(recorder: Recorder, tmp_path: Path) -> None:
    argv = ["render", str(STYLE), "-o", str(tmp_path / "m.jpg"), "--bbox=-10.5,-5,10,5", "--size=100x100",
            "--scale=1.5"]
    assert cli.main(argv) == 0
    (job,) = recorder.jobs
    assert job.bbox == (-10.5, -5.0, 10.0, 5.0) and job.fmt == "jpeg" and job.scale == 1.5


@pytest.mark.parametrize(
    ("out", "fmt", "expected"),
    [("a.PNG", None, "png"), ("a.jpeg", None, "jpeg"), ("a.jpg", None, "jpeg"), ("a.bin", "webp", "webp"),
     ("a.png", "jpg", "jpeg")],
)
def test_format_from_extension_or_flag(recorder: Recorder, tmp_path: Path, out: str, fmt: str | None,
                                       expected: str) -> None:
    argv = ["render", str(STYLE), "-o", str(tmp_path / out), "--size", "10x10"]
    if fmt:
        argv += ["--format", fmt]
    assert cli.main(argv) == 0
    assert recorder.jobs[0].fmt == expected


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--size", "10"], "size must be WxH"),
        (["--size", "0x10"], "at least 1x1"),
        (["--size", "10x10", "--center", "1"], "center must be LON,LAT"),
        (["--size", "10x10", "--center", "a,b"], "center must be a number"),
        (["--size", "10x10", "--zoom", "nan"], "finite"),
        (["--size", "10x10", "--zoom", "x"], "zoom must be a number"),
        (["--size", "10x10", "--bbox", "1,2,3"], "bbox must be W,S,E,N"),
        (["--size", "10x10", "--scale", "0"], "scale must be positive"),
        (["--size", "10x10", "--format", "gif"], "invalid choice"),
        (["--size", "10x10", "--quality", "101"], "quality"),
        (["--size", "10x10", "--bogus"], "unrecognized arguments"),
        ([], "required: --size"),
    ],
)
def test_bad_flags_exit_2_with_one_line(recorder: Recorder, tmp_path: Path, capsys: Cap,
                                        extra: list[str], needle: str) -> None:
    code = cli.main(["render", str(STYLE), "-o", str(tmp_path / "x.png"), *extra])
    assert code == 2
    assert needle in _error_line(capsys)
    assert recorder.jobs == []


def test_missing_style(recorder: Recorder, tmp_path: Path, capsys: Cap) -> None:
    code = cli.main(["render", str(tmp_path / "nope.json"), "-o", str(tmp_path / "x.png"), "--size", "1x1"])
    assert code == 2
    assert "style file not found" in _error_line(capsys)


def test_unknown_extension(recorder: Recorder, tmp_path: Path, capsys: Cap) -> None:
    assert cli.main(["render", str(STYLE), "-o", str(tmp_path / "x.tif"), "--size", "1x1"]) == 2
    assert "cannot tell the format" in _error_line(capsys)


def test_missing_output_folder(recorder: Recorder, tmp_path: Path, capsys: Cap) -> None:
    assert cli.main(["render", str(STYLE), "-o", str(tmp_path / "no" / "x.png"), "--size", "1x1"]) == 2
    assert "output folder does not exist" in _error_line(capsys)


@pytest.mark.parametrize("error", [StyleError("layers[2].paint.line-width", "bad value 'x'"),
                                   RenderError("pitch must be within 0..85, got 99.0")])
def test_library_errors_exit_2(recorder: Recorder, tmp_path: Path, capsys: Cap,
                               error: Exception) -> None:
    recorder.error = error
    assert cli.main(["render", str(STYLE), "-o", str(tmp_path / "x.png"), "--size", "1x1"]) == 2
    assert _error_line(capsys) == f"glrender: error: {error}"


def test_internal_errors_exit_1_without_traceback(recorder: Recorder, tmp_path: Path,
                                                  capsys: Cap) -> None:
    recorder.error = ZeroDivisionError("oops")
    assert cli.main(["render", str(STYLE), "-o", str(tmp_path / "x.png"), "--size", "1x1"]) == 1
    assert "internal error: ZeroDivisionError: oops" in _error_line(capsys)


def test_no_command_and_help(capsys: Cap) -> None:
    assert cli.main([]) == 2
    assert "required" in _error_line(capsys)
    assert cli.main(["render", "--help"]) == 0
    assert "--center LON,LAT" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0


def test_serve_arguments(monkeypatch: pytest.MonkeyPatch, capsys: Cap) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(cli, "run_serve", lambda args: seen.append((args.config, args.host, args.port)))
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--config", "x.toml", "--host", "0.0.0.0", "--port", "9000"]) == 0
    assert seen == [(None, None, None), ("x.toml", "0.0.0.0", 9000)]
    assert cli.main(["serve", "--port", "99999"]) == 2
    assert "port must be an integer" in _error_line(capsys)


def test_serve_bad_config_is_one_line(tmp_path: Path, capsys: Cap) -> None:
    assert cli.main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "configuration file not found" in _error_line(capsys)


def test_subprocess_bad_input_has_no_traceback() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "glrender", "render", "missing.json", "-o", "x.png",
                           "--size", "1x1"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "glrender: error: style file not found: 'missing.json'\n"
    assert proc.stdout == ""
