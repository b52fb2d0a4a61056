"""Unpitched views take a shortcut to their tile cover: the same tiles in the same order as the walk."""

from __future__ import annotations

import random
from unittest import mock

import pytest

from glrender.geo import cover
from glrender.geo.camera import Camera


def _walked(monkeypatch: pytest.MonkeyPatch, cam: Camera, **kw: object) -> list[object]:
    with monkeypatch.context() as m:
        m.setattr(cover, "_flat_cover", lambda *a, **k: None)
        return list(cover.covering_tiles(cam, **kw))  # type: ignore[arg-type]


def test_flat_cover_matches_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    checked = 0
    for _ in range(400):
        zoom = rng.choice([rng.uniform(-2, 22), float(rng.randint(0, 20)), rng.uniform(0, 3)])
        cam = Camera(rng.uniform(-180, 180), rng.uniform(-85, 85), zoom, rng.uniform(0, 360), 0.0,
                     rng.choice([64, 300, 512, 1024, 1280, 4096]), rng.choice([64, 200, 512, 777, 2048]),
                     rng.choice([1, 2]), roll=rng.choice([0.0, 0.0, rng.uniform(-30, 30)]))
        kw = {"tile_size": rng.choice([256, 512]), "minzoom": rng.choice([0, 0, 5]),
              "maxzoom": rng.choice([14, 22, 6])}
        fast = cover.covering_tiles(cam, **kw)  # type: ignore[arg-type]
        assert fast == _walked(monkeypatch, cam, **kw), (cam, kw)
        checked += bool(fast)
    assert checked > 300


def test_ties_come_in_the_walks_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # centred on a tile corner: the four tiles around it are equally near
    for zoom, bearing in ((3.0, 0.0), (10.0, 90.0), (12.0, 45.0), (0.0, 0.0), (-1.0, 0.0)):
        cam = Camera(0.0, 0.0, zoom, bearing, 0.0, 512, 512)
        fast = cover.covering_tiles(cam)
        assert len(fast) >= 1
        assert fast == _walked(monkeypatch, cam)


def test_a_pitched_view_still_walks() -> None:
    cam = Camera(24.94, 60.17, 15.0, 0.0, 80.0, 1280, 800)
    with mock.patch.object(cover, "_flat_cover", wraps=cover._flat_cover) as flat:
        tiles = cover.covering_tiles(cam)
    assert tiles and flat.call_count == 0
    assert len({t.overscaled_z for t in tiles}) > 1  # far tiles at lower zooms
