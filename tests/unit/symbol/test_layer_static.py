"""gather's per-layer static columns: joined once per (buckets, items, line following, constant size)."""

from __future__ import annotations

import numpy as np
import pytest

from glrender.symbol.candidates import _layer_static, _Static


def _static(has_text: list[bool], plain: list[bool], plain_var: list[bool], has_line: list[bool],
            has_icon: list[bool]) -> _Static:
    n = len(has_text)
    return _Static(anchors=np.zeros((n, 2)), box=np.arange(n * 4, dtype=np.float64).reshape(n, 4),
                   extent=np.arange(n, dtype=np.float64), has_text=np.array(has_text),
                   plain=np.array(plain), plain_var=np.array(plain_var), has_line=np.array(has_line),
                   has_icon=np.array(has_icon), order=np.arange(n), sort_key=np.zeros(n))


def test_joined_columns_masks_and_sizes() -> None:
    a = _static([True, True, False], [True, False, False], [False, True, False], [False, True, False],
                [False, False, True])
    b = _static([True], [True], [False], [True], [True])
    ls = _layer_static([a, b], [2, 5], False, 12.0)
    assert ls.item.tolist() == [2, 2, 2, 5]
    assert ls.has_text.tolist() == [True, True, False, True]
    assert ls.size is not None and ls.size.tolist() == [12.0, 12.0, 0.0, 12.0]
    assert ls.upright_base.tolist() == [True, False, False, True]
    assert ls.var_base.tolist() == [False, True, False, False]
    assert ls.no_icon.tolist() == [True, True, False, False] and ls.any_icon
    assert ls.box.shape == (4, 4) and ls.extent.tolist() == [0.0, 1.0, 2.0, 0.0]
    # labels following their line are never upright
    follow = _layer_static([a, b], [2, 5], True, 12.0)
    assert follow.upright_base.tolist() == [True, False, False, False]
    assert follow.var_base.tolist() == [False, False, False, False]
    # a zero size leaves nothing upright; a per-feature size leaves the size test to gather
    assert not _layer_static([a, b], [2, 5], False, 0.0).upright_base.any()
    per_feature = _layer_static([a, b], [2, 5], False, None)
    assert per_feature.size is None and per_feature.upright_base.tolist() == [True, False, False, True]


def test_kept_per_bucket_objects_and_read_only() -> None:
    a = _static([True], [True], [False], [False], [False])
    first = _layer_static([a], [0], False, 10.0)
    assert _layer_static([a], [0], False, 10.0) is first
    assert _layer_static([a], [1], False, 10.0) is not first  # another item
    assert _layer_static([a], [0], False, 11.0) is not first  # another size
    again = _static([True], [True], [False], [False], [False])  # another bucket's columns
    assert _layer_static([again], [0], False, 10.0) is not first
    with pytest.raises(ValueError):
        first.upright_base[0] = False  # shared by every render: read-only
