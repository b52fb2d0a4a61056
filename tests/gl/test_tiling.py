"""A big image drawn in framebuffer pieces equals the same view drawn in one piece."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DEMO = Path(__file__).resolve().parents[2] / "glrender" / "data" / "demo" / "styles" / "basic-nolabels.json"


@pytest.mark.usefixtures("gl_ctx")
def test_pieces_equal_one_piece_pitched_rotated() -> None:
    from glrender import Renderer

    if not DEMO.exists():
        pytest.fail(f"demo style missing: {DEMO}")
    view = dict(center=(24.9443, 60.1716), zoom=15.3, bearing=37.0, pitch=50.0, width=2048, height=2048)
    with Renderer(DEMO, piece_limit=4096) as whole:
        a = whole.render(**view).array
    with Renderer(DEMO, piece_limit=512) as tiled:
        b = tiled.render(**view).array
    assert a.shape == b.shape == (2048, 2048, 4)
    # The view must actually show something, or equality would prove nothing.
    assert len(np.unique(a.reshape(-1, 4)[::97], axis=0)) > 20
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)
    # Every vertex lands on the same grid point in every piece (gpu/snap.py) and building depth comes
    # from each face's plane, so no edge moves and no wall changes places: nothing differs by more
    # than 2. What is left is llvmpipe interpolating varyings from the framebuffer's corner, which
    # rounds differently per piece: a 1-level change, and 2 where two such flips stack (dashes, soft
    # outlines of neighbouring polygons). Measured: 28 pixels of 4.2 million at 2, none above.
    assert int(diff.max()) <= 2, f"an edge moved between pieces: {np.argwhere(diff > 2)[:5]}"
    bad = int((diff > 1).sum())
    assert bad <= 100, f"{bad} pixels differ by more than 1: {np.argwhere(diff > 1)[:5]}"
