"""The EGL driver loads on a background thread (glrender/gpu/preload.py) while the first render plans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_STYLE = REPO / "glrender" / "data" / "demo" / "styles" / "basic.json"

_CHILD = """
import json, sys
from glrender import Renderer
from glrender.gpu import preload
r = Renderer(sys.argv[1])
started = preload.status
r.render(center=(24.94, 60.17), zoom=13, width=64, height=64)
print(json.dumps({"started": started, "after": preload.status}))
"""


def _child(env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(DEMO_STYLE)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, **env}, cwd=REPO)
    assert out.returncode == 0, out.stderr
    result: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_a_new_renderer_loads_the_driver_in_the_background(gl_ctx: object) -> None:
    res = _child({"GLRENDER_PRELOAD": "1"})
    assert res["started"] in ("running", "ready")
    assert res["after"] == "ready"


def test_preload_can_be_turned_off(gl_ctx: object) -> None:
    assert _child({"GLRENDER_PRELOAD": "0"}) == {"started": "off", "after": "off"}


def test_a_bad_device_fails_the_preload_quietly_and_the_render_loudly(gl_ctx: object) -> None:
    code = ("import sys\nfrom glrender import Renderer\nfrom glrender.errors import GLUnavailableError\n"
            "from glrender.gpu import preload\nr = Renderer(sys.argv[1])\n"
            "try:\n    r.render(zoom=3, width=8, height=8)\nexcept GLUnavailableError as e:\n"
            "    print(preload.status)\n    print('GLUnavailableError', e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(DEMO_STYLE)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "GLRENDER_EGL_DEVICE": "97"}, cwd=REPO)
    assert out.returncode == 0, out.stderr
    status, err = out.stdout.strip().splitlines()[-2:]
    assert status == "failed: no EGL device 97"
    assert err.startswith("GLUnavailableError") and "97" in err
