"""The planner thread hands layers over in order, places labels once, and reports failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from glrender.render.context import LayerWork
from glrender.render.pipeline import PlannedFrame, planner


class _Layer:
    def __init__(self, i: int) -> None:
        self.id = f"l{i}"
        self.type = "symbol" if i % 2 else "fill"


def _works(n: int, fail_at: int | None = None) -> Iterator[LayerWork]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"layer {i} is broken")
        yield LayerWork(_Layer(i), [])


def test_layers_arrive_in_order_from_another_thread() -> None:
    seen_threads: set[int] = set()

    def works() -> Iterator[LayerWork]:
        for w in _works(20):
            seen_threads.add(threading.get_ident())
            yield w

    ex = planner()
    try:
        frame = PlannedFrame(ex, works(), None)
        assert [w.layer.id for w in frame] == [f"l{i}" for i in range(20)]
        assert frame.placed() == {}
        assert seen_threads and threading.get_ident() not in seen_threads
    finally:
        ex.shutdown()


def test_place_runs_once_on_every_planned_layer() -> None:
    calls: list[list[str]] = []

    def place(works: Sequence[LayerWork]) -> dict[str, LayerWork]:
        calls.append([w.layer.id for w in works])
        return {w.layer.id: w for w in works if w.layer.type == "symbol"}

    ex = planner()
    try:
        frame = PlannedFrame(ex, _works(6), place)
        drawn = list(frame)
        placed = frame.placed(drawn)
        assert calls == [[f"l{i}" for i in range(6)]]
        assert sorted(placed) == ["l1", "l3", "l5"]
        assert frame.placed() is placed  # asking again does not place again
        assert len(calls) == 1
    finally:
        ex.shutdown()


def test_a_planning_error_reaches_the_drawing_thread() -> None:
    ex = planner()
    try:
        frame = PlannedFrame(ex, _works(6, fail_at=3), lambda works: {})
        got: list[Any] = []
        with pytest.raises(ValueError, match="layer 3 is broken"):
            for w in frame:
                got.append(w)
        assert len(got) == 3
        frame.wait()  # returns although the job failed
        with pytest.raises(ValueError):
            frame.placed()
        # the planner thread survives a failed frame
        assert [w.layer.id for w in PlannedFrame(ex, _works(2), None)] == ["l0", "l1"]
    finally:
        ex.shutdown()


def test_cancel_stops_the_planner_early() -> None:
    planned: list[int] = []
    gate = threading.Event()

    def works() -> Iterator[LayerWork]:
        for i in range(1000):
            planned.append(i)
            if i == 2:
                gate.wait(5)  # hold the planner until the frame is cancelled
            yield LayerWork(_Layer(i), [])

    placed: list[int] = []
    ex = planner()
    try:
        frame = PlannedFrame(ex, works(), lambda ws: placed.append(len(ws)) or {})
        frame.cancel()
        gate.set()
        frame.wait()
        assert len(planned) < 10
        assert placed == []  # no placement for a cancelled frame
    finally:
        ex.shutdown()


def test_plan_is_cached_after_planning_and_not_for_a_new_area() -> None:
    from pathlib import Path

    from glrender.geo.camera import Camera
    from glrender.render.plan import BucketCache, plan_frame, plan_is_cached
    from glrender.render.sources import SourceSet
    from glrender.style.parse import parse_style

    style = parse_style(Path(__file__).resolve().parents[3] / "glrender" / "data" / "demo" / "styles" /
                        "basic-nolabels.json")
    used: dict[str, set[str]] = {}
    for layer in style.layers:
        if layer.source and layer.source_layer:
            used.setdefault(layer.source, set()).add(layer.source_layer)
    sources = SourceSet(dict(style.raw["sources"]), style.base_dir, {k: frozenset(v) for k, v in used.items()})
    buckets = BucketCache()
    here = Camera(24.94, 60.17, 14.0, width=256, height=256)
    there = Camera(10.0, 50.0, 5.0, width=256, height=256)  # world-source layers, not planned yet
    try:
        assert not plan_is_cached(style, here, sources, buckets, {})
        works = plan_frame(style, here, sources, buckets)
        assert any(w.items for w in works)
        covers: dict[str, Any] = {}
        assert plan_is_cached(style, here, sources, buckets, covers)
        assert covers  # the tile covers it computed are handed on to plan_layers
        assert not plan_is_cached(style, there, sources, buckets, {})
    finally:
        sources.close()


def test_plan_is_cached_knows_raster_tiles(tmp_path: Any) -> None:
    import numpy as np
    from PIL import Image

    from glrender.geo.camera import Camera
    from glrender.render.plan import BucketCache, plan_frame, plan_is_cached
    from glrender.render.sources import SourceSet
    from glrender.style.parse import parse_style

    (tmp_path / "3" / "4").mkdir(parents=True)
    Image.fromarray(np.full((256, 256, 4), 200, np.uint8)).save(tmp_path / "3" / "4" / "3.png")
    style = parse_style({"version": 8, "sources": {"r": {"type": "raster", "tileSize": 256, "maxzoom": 3,
                                                         "tiles": [str(tmp_path / "{z}/{x}/{y}.png")]}},
                         "layers": [{"id": "r", "type": "raster", "source": "r"}]})
    sources = SourceSet(dict(style.raw["sources"]), style.base_dir, {})
    cam = Camera(22.5, 20.0, 3.0, width=64, height=64)
    try:
        assert not plan_is_cached(style, cam, sources, BucketCache(), {})
        works = plan_frame(style, cam, sources, BucketCache())
        assert works and works[0].items
        assert plan_is_cached(style, cam, sources, BucketCache(), {})
    finally:
        sources.close()


def test_cached_plan_is_what_plan_layers_yields() -> None:
    """A warm render takes its plan from cached_plan: the same layers, tiles and buckets, in the same
    order, as plan_layers gives for that camera, with labels and without."""
    from pathlib import Path

    from glrender.geo.camera import Camera
    from glrender.render.plan import BucketCache, cached_plan, plan_frame
    from glrender.render.sources import SourceSet
    from glrender.style.parse import parse_style
    from glrender.symbol.resources import SymbolResources

    style = parse_style(Path(__file__).resolve().parents[3] / "glrender" / "data" / "demo" / "styles" /
                        "basic.json")
    sources = SourceSet(dict(style.raw["sources"]), style.base_dir, None)
    symbols = SymbolResources(style.glyphs, style.base_dir, style.sprite)
    buckets = BucketCache()
    try:
        for cam in (Camera(24.94, 60.17, 14.0, width=256, height=256),
                    Camera(24.95, 60.17, 15.5, 30.0, 40.0, width=300, height=200)):
            assert cached_plan(style, cam, sources, buckets, {}) is None  # nothing planned here yet
            for labels in (True, False):
                planned = plan_frame(style, cam, sources, buckets, symbols=symbols if labels else None)
                got = cached_plan(style, cam, sources, buckets, {}, labels)
                assert got is not None
                assert [w.layer.id for w in got] == [w.layer.id for w in planned]
                assert any(w.layer.type == "symbol" for w in got) == labels
                for a, b in zip(got, planned, strict=True):
                    assert a.layer is b.layer
                    assert [(t, id(x)) for t, x in a.items] == [(t, id(x)) for t, x in b.items]
    finally:
        sources.close()
