"""Fixtures shared by several test folders (keep this file small)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "glrender" / "data" / "demo"


@pytest.fixture
def demo_dir() -> Path:
    """The packaged demo data: styles/basic.json, styles/basic-nolabels.json, *.mbtiles, glyphs/."""
    return DEMO_DIR
