"""glrender against MapLibre Native's renders of the 14 reference views (styles without labels).

Each view of ``<shared>/data/reference-nolabels/views.json`` is drawn with glrender and compared with
the reference PNG by the MapLibre harness rule (pixelmatch threshold 0.1285, anti-aliasing not
counted). A view passes when at most 1 % of its pixels mismatch. Every figure goes to
``tests/render/out/reference_views.json``; a failing view also leaves ``actual.png`` and
``diff.png`` in ``tests/render/out/<id>/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from glrender.compare import count_mismatch

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GLRENDER_SHARED") or REPO.parent / "shared")
DATA = SHARED / "data"
VIEWS_DIR = DATA / "reference-nolabels"
OUT = Path(__file__).resolve().parent / "out"
SUMMARY = OUT / "reference_views.json"

THRESHOLD = 0.1285
MAX_MISMATCH = 0.01


def _views() -> list[dict[str, Any]]:
    try:
        return list(json.loads((VIEWS_DIR / "views.json").read_text())["views"])
    except FileNotFoundError:
        return []


VIEWS = _views()


def _record(view_id: str, figures: dict[str, Any]) -> None:
    """Merge one view's figures into the summary file (tests run one after another)."""
    OUT.mkdir(parents=True, exist_ok=True)
    summary = json.loads(SUMMARY.read_text()) if SUMMARY.is_file() else {}
    summary[view_id] = figures
    SUMMARY.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def renderers() -> Iterator[dict[str, Any]]:
    """One Renderer per style, shared by the views (so these also exercise warm reuse)."""
    cache: dict[str, Any] = {}
    yield cache
    for r in cache.values():
        r.close()


def _renderer(cache: dict[str, Any], style: str) -> Any:
    if style not in cache:
        from glrender.api import Renderer

        cache[style] = Renderer(str(DATA / style))
    return cache[style]


@pytest.mark.skipif(not VIEWS, reason=f"reference views not found in {VIEWS_DIR} (set GLRENDER_SHARED)")
@pytest.mark.parametrize("view", VIEWS, ids=[v["id"] for v in VIEWS])
def test_reference_view(view: dict[str, Any], renderers: dict[str, Any]) -> None:
    from glrender.errors import GLUnavailableError

    try:
        img = _renderer(renderers, view["style"]).render(
            center=(view["lon"], view["lat"]),
            zoom=view["zoom"],
            bearing=view.get("bearing", 0),
            pitch=view.get("pitch", 0),
            width=view["width"],
            height=view["height"],
            scale=view.get("ratio", 1),
        )
    except GLUnavailableError as exc:
        pytest.skip(f"no EGL OpenGL context: {exc}")
    actual = np.asarray(img.array)
    with Image.open(VIEWS_DIR / view["file"]) as im:
        expected = np.asarray(im.convert("RGBA"))
    assert actual.shape == expected.shape, f"size {actual.shape} != reference {expected.shape}"

    count, diff = count_mismatch(actual, expected, THRESHOLD)
    fraction = count / float(actual.shape[0] * actual.shape[1])
    passed = fraction <= MAX_MISMATCH
    _record(view["id"], {"mismatch": fraction, "pixels": count, "passed": passed})
    print(f"{view['id']}: mismatch {fraction:.5f} ({count} px)")
    if not passed:
        dest = OUT / view["id"]
        dest.mkdir(parents=True, exist_ok=True)
        Image.fromarray(actual, "RGBA").save(dest / "actual.png")
        Image.fromarray(diff, "RGBA").save(dest / "diff.png")
    where = OUT / view["id"]
    assert passed, f"{view['id']}: {fraction:.4%} of pixels mismatch (limit {MAX_MISMATCH:.0%}); see {where}"
