"""The dash atlas rows (MapLibre's LineAtlas) and the per-feature dash values, without GL."""

from __future__ import annotations

import numpy as np

from glrender.buckets.line import progress_distance
from glrender.render.line_atlas import LineAtlas, cross_fade_zooms, dash_value, usable


def _row(atlas: LineAtlas, dasharray: list[float], round_cap: bool = False, dy: int = 0) -> np.ndarray:
    entry = atlas.get_dash(dasharray, round_cap)
    return atlas.data[int(entry.y) + dy].astype(int)


def test_regular_row_is_signed_distance_to_the_nearest_edge_plus_128() -> None:
    atlas = LineAtlas()
    row = _row(atlas, [1, 1])  # dash over texels 0..128, gap over 128..256
    assert row[0] == 128 and row[64] == 128 + 64 and row[100] == 128 + 28
    assert row[128] == 128 and row[192] == 128 - 64 and row[250] == 128 - 6
    entry = atlas.get_dash([1, 1], False)
    assert (entry.y, entry.height, entry.length) == (0.0, 0.0, 2.0)


def test_odd_array_joins_its_ends_and_a_single_dash_is_solid() -> None:
    atlas = LineAtlas()
    # [1, 1, 2]: the last dash runs into the first across the seam, so texel 0 is deep inside a dash.
    row = _row(atlas, [1, 1, 2])
    assert row[0] > 128 + 60 and row[96] < 128
    assert (_row(atlas, [3]) >= 128).all()


def test_zero_length_parts_merge_their_neighbours() -> None:
    atlas = LineAtlas()
    assert np.array_equal(_row(atlas, [1, 0, 1, 2]), _row(atlas, [2, 2]))


def test_round_rows_draw_dots_for_zero_length_dashes() -> None:
    atlas = LineAtlas()
    entry = atlas.get_dash([0, 2], True)
    assert entry.height == 14.0 and entry.y == 7.0
    centre = _row(atlas, [0, 2], True)
    # A dot of the line's width (128 texels here) around texel 0: inside up to 64 texels away.
    assert centre[32] > 128 and centre[80] < 128 and centre[128] == 128 - 64
    # The outermost rows lie past the line's half width: no dot reaches them.
    edge = _row(atlas, [0, 2], True, dy=7)
    assert (edge[8:-8] < 128).all()


def test_round_rows_extend_dashes_by_half_discs_into_the_gaps() -> None:
    atlas = LineAtlas()
    centre = _row(atlas, [2, 2], True)  # one line width = 64 texels; dash 0..128
    assert centre[150] > 128  # within half a width past the dash end, on the centre line
    edge = _row(atlas, [2, 2], True, dy=-6)
    assert edge[150] < 128  # but not near the line's edge: the end is round
    assert (centre[:128] >= 128).all()


def test_entries_are_cached_and_rows_stack() -> None:
    atlas = LineAtlas()
    a = atlas.get_dash([1, 2], True)
    b = atlas.get_dash([1, 2], False)
    assert atlas.get_dash([1.0, 2.0], True) is a
    assert b.y == 15.0 and atlas.next_row == 16


def test_atlas_grows_past_maplibres_512_rows_keeping_rows() -> None:
    atlas = LineAtlas(height=32, max_height=128)
    first = atlas.get_dash([1, 3], False)
    kept = atlas.data[0].copy()
    for i in range(3):
        atlas.get_dash([1, i + 2], True)
    assert atlas.height == 64 and atlas.epoch == 0
    assert np.array_equal(atlas.data[int(first.y)], kept)
    for i in range(6):
        atlas.get_dash([2, i + 2], True)
    assert atlas.epoch == 1 and atlas.height == 128  # full: cleared, entries recomputed on demand
    assert atlas.get_dash([1, 3], False) is not first


def test_dash_value_uses_the_shorter_cross_faded_length_and_draws_bad_arrays_solid() -> None:
    atlas = LineAtlas()
    y, height, length, gamma_len = dash_value(atlas, [2, 2], [1, 1], False)
    assert (height, length, gamma_len) == (0.0, 4.0, 2.0)
    assert dash_value(atlas, [2, 2], None, False)[3] == 4.0
    solid = dash_value(atlas, None, None, False)
    assert (atlas.data[int(solid[0])] >= 128).all()
    assert usable([]) is None and usable([0, 0]) is None and usable("x") is None
    assert usable([1, -1]) == [1.0, 0.0]


def test_cross_fade_zooms_follow_the_zoom_history_of_a_static_camera() -> None:
    assert cross_fade_zooms(3.5) == (3.0, 2.0)
    assert cross_fade_zooms(3.0) == (3.0, 4.0)


def test_progress_distance_spans_maplibres_packed_range_over_the_whole_line() -> None:
    sofar = np.array([0.0, 50.0, 100.0, 0.0, 30.0], np.float32)
    lengths = np.array([100.0, 30.0], np.float32)
    idx = np.array([0, 0, 0, 1, 1])
    out = progress_distance(sofar, lengths, idx, [(0.0, 0.5), (0.5, 1.0)], 8192)
    # 32767 * 0.5 * progress, truncated, times 2: the 2-unit steps of MapLibre's attribute.
    assert out.tolist() == [0.0, 8190.0, 16382.0, 16382.0, 32766.0]
    half = progress_distance(sofar, lengths, idx, [(0.0, 0.5), (0.5, 1.0)], 4096)
    assert half.tolist() == [0.0, 4095.0, 8191.0, 8191.0, 16383.0]
