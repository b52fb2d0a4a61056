"""draw_common.per_layer: a layer's settings kept per (layer object, zoom, maker)."""

from __future__ import annotations

from typing import Any


def test_settings_are_kept_per_layer_object_and_zoom() -> None:
    from glrender.render.draw_common import per_layer
    from glrender.style.parse import parse_style

    def layers() -> tuple[Any, Any]:
        style = parse_style({"version": 8, "sources": {}, "layers": [
            {"id": "a", "type": "background", "paint": {"background-opacity": 0.5}},
            {"id": "b", "type": "background", "paint": {"background-opacity": 0.25}}]})
        return style.layers[0], style.layers[1]

    calls: list[tuple[str, float]] = []

    def make(layer: Any, zoom: float) -> tuple[str, float]:
        calls.append((layer.id, zoom))
        return layer.id, float(layer.paint["background-opacity"].evaluate(zoom))

    a, b = layers()
    assert per_layer(a, 3.0, make) == ("a", 0.5)
    assert per_layer(a, 3.0, make) == ("a", 0.5)
    assert per_layer(a, 4.0, make) == ("a", 0.5)
    assert per_layer(b, 3.0, make) == ("b", 0.25)
    assert calls == [("a", 3.0), ("a", 4.0), ("b", 3.0)]
    # a new style's layer is another object, even with the same id: worked out again
    a2, _ = layers()
    assert per_layer(a2, 3.0, make) == ("a", 0.5)
    assert calls[-1] == ("a", 3.0) and len(calls) == 4
