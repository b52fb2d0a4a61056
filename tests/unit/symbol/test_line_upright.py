"""Line labels kept upright: flipped by their end glyphs, a single glyph by its segment's direction."""

from __future__ import annotations

import numpy as np

from glrender.geo.camera import Camera, TileID
from glrender.symbol.anchors import Anchor
from glrender.symbol.bucket import SymbolBucket, SymbolInstance, TextLayout
from glrender.symbol.line_place import line_geometry
from glrender.symbol.project import View


def _label(n_glyphs: int, line: np.ndarray) -> tuple[View, SymbolBucket, SymbolInstance]:
    cam = Camera(lon=0.0, lat=0.0, zoom=1.0, width=512, height=512)
    tile = TileID(1, 0, 0, 1)
    centers = (np.arange(n_glyphs, dtype=np.float64) - (n_glyphs - 1) / 2) * 12.0
    quads = np.array([[c - 5, -10, c + 5, 10] for c in np.zeros(n_glyphs)], np.float64)
    text = TextLayout(quads, np.zeros((n_glyphs, 4)), centers, [None] * n_glyphs, (-30.0, -10.0, 30.0, 10.0))
    anchor = Anchor(2048.0, 2048.0, 0.0, 0)
    inst = SymbolInstance(0, anchor, line, text, None, 0.0, (0.0, 0.0), 0.0)
    return View.of(cam), SymbolBucket("symbol", tile, 4096, []), inst


def _glyph_top_edge_dx(clip: np.ndarray) -> np.ndarray:
    xy = clip[..., :2] / clip[..., 3:4]
    return xy[:, 1, 0] - xy[:, 0, 0]  # top-right minus top-left, in clip x


def test_labels_on_lines_drawn_right_to_left_are_flipped() -> None:
    leftward = np.array([[3000.0, 2048.0], [1000.0, 2048.0]])
    for n in (1, 3):
        view, bucket, inst = _label(n, leftward)
        geo = line_geometry(view, bucket, inst, np.zeros(2), 1.0, "viewport", keep_upright=True)
        assert geo is not None
        assert np.all(_glyph_top_edge_dx(geo[0]) > 0), f"{n} glyph(s) should read left to right"
        geo = line_geometry(view, bucket, inst, np.zeros(2), 1.0, "viewport", keep_upright=False)
        assert geo is not None and np.all(_glyph_top_edge_dx(geo[0]) < 0)


def test_labels_colliding_as_circles_lay_their_glyphs_out_only_when_asked() -> None:
    """A label with collision circles returns a function for its glyph corners (placement calls it only
    for labels it places); the corners are those of the same label laid out at once."""
    from glrender._record import replace
    from glrender.symbol.circles import line_circles

    line = np.array([[500.0, 1800.0], [2000.0, 2048.0], [3600.0, 2300.0]])
    for pitch_align in ("viewport", "map"):
        view, bucket, inst = _label(5, line)
        eager = line_geometry(view, bucket, inst, np.zeros(2), 1.0, pitch_align, keep_upright=True)
        circles = line_circles(line, (inst.anchor.x, inst.anchor.y), inst.anchor.segment, 60.0, 20.0, 1.0, 1.0)
        assert eager is not None and circles is not None
        lazy = line_geometry(view, bucket, replace(inst, circles=circles), np.zeros(2), 1.0, pitch_align,
                             keep_upright=True, size=16.0)
        assert lazy is not None and callable(lazy[0])
        assert all(len(s) == 3 for s in lazy[1])  # circles (cx, cy, r), not glyph boxes
        np.testing.assert_array_equal(lazy[0](), eager[0])


def test_blocked_circles_end_a_line_label_before_its_glyphs_are_fitted() -> None:
    """``blocked`` sees the label's circles; a label it blocks is None, one it lets through is the same
    label as without the test (and a label that does not fit its line is None whatever the test says)."""
    from unittest import mock

    from glrender._record import replace
    from glrender.symbol import line_place
    from glrender.symbol.circles import line_circles

    line = np.array([[500.0, 1800.0], [2000.0, 2048.0], [3600.0, 2300.0]])
    view, bucket, inst = _label(5, line)
    circles = line_circles(line, (inst.anchor.x, inst.anchor.y), inst.anchor.segment, 60.0, 20.0, 1.0, 1.0)
    assert circles is not None
    inst = replace(inst, circles=circles)
    seen: list[list[tuple[float, ...]]] = []

    def never(shapes: list[tuple[float, ...]]) -> bool:
        seen.append(list(shapes))
        return False

    free = line_geometry(view, bucket, inst, np.zeros(2), 1.0, "viewport", True, 16.0, blocked=never)
    plain = line_geometry(view, bucket, inst, np.zeros(2), 1.0, "viewport", True, 16.0)
    assert free is not None and plain is not None and callable(free[0]) and callable(plain[0])
    assert seen == [free[1]] == [plain[1]]
    np.testing.assert_array_equal(free[0](), plain[0]())
    with mock.patch.object(line_place, "_fit_plain", wraps=line_place._fit_plain) as fit:
        assert line_geometry(view, bucket, inst, np.zeros(2), 1.0, "viewport", True, 16.0,
                             blocked=lambda _s: True) is None
    assert fit.call_count == 0  # blocked: its glyphs were never fitted
    # Its circles (at text-size 16, 156 px either side of the anchor) fit its line (195 px either side)
    # and nothing blocks them, but its glyphs (at scale 1, 234 px) do not: None all the same.
    short = np.array([[488.0, 2048.0], [3608.0, 2048.0]])
    long_view, long_bucket, long_inst = _label(40, short)
    long_circles = line_circles(short, (long_inst.anchor.x, long_inst.anchor.y), 0, 60.0, 20.0, 1.0, 1.0)
    assert long_circles is not None
    long_inst = replace(long_inst, circles=long_circles)
    seen.clear()
    assert line_geometry(long_view, long_bucket, long_inst, np.zeros(2), 1.0, "viewport", True, 16.0,
                         blocked=never) is None
    assert len(seen) == 1 and seen[0]  # its circles were there and were let through
