from __future__ import annotations

import math

import pytest

from glrender.style._js import js_number_str
from glrender.style.color import (
    Color,
    hcl_to_rgb,
    interpolate_color,
    lab_to_rgb,
    parse_color,
    rgb_to_hcl,
    rgb_to_lab,
)


def approx(c: Color | None, expected: tuple[float, float, float, float]) -> bool:
    assert c is not None
    return all(abs(a - b) < 1e-9 for a, b in zip(c, expected, strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("red", (1, 0, 0, 1)),
        ("RED", (1, 0, 0, 1)),
        ("  blue ", (0, 0, 1, 1)),
        ("transparent", (0, 0, 0, 0)),
        ("rebeccapurple", (102 / 255, 51 / 255, 153 / 255, 1)),
        ("#f00", (1, 0, 0, 1)),
        ("#f008", (1 * 0x88 / 255, 0, 0, 0x88 / 255)),
        ("#00ff00", (0, 1, 0, 1)),
        ("#0000ff80", (0, 0, 0x80 / 255, 0x80 / 255)),
        ("rgb(255, 0, 0)", (1, 0, 0, 1)),
        ("rgb(255,0,0)", (1, 0, 0, 1)),
        ("rgba(255, 0, 0, 0.5)", (0.5, 0, 0, 0.5)),
        ("rgba(255, 0, 0, 50%)", (0.5, 0, 0, 0.5)),
        ("rgb(100%, 0%, 0%)", (1, 0, 0, 1)),
        ("rgb(255 0 0)", (1, 0, 0, 1)),
        ("rgb(255 0 0 / 0.5)", (0.5, 0, 0, 0.5)),
        ("rgba(300, -5, 0, 2)", (1, 0, 0, 1)),
        ("rgb(127.5, 0, 0)", (0.5, 0, 0, 1)),
        ("hsl(0, 100%, 50%)", (1, 0, 0, 1)),
        ("hsl(120deg 100% 50%)", (0, 1, 0, 1)),
        ("hsla(240, 100%, 50%, 0.5)", (0, 0, 0.5, 0.5)),
        ("hsl(240 100% 50% / 50%)", (0, 0, 0.5, 0.5)),
        ("hsl(-120, 100%, 50%)", (0, 0, 1, 1)),
    ],
)
def test_parse_color_valid(text: str, expected: tuple[float, float, float, float]) -> None:
    assert approx(parse_color(text), expected)


@pytest.mark.parametrize(
    "text",
    ["", "nope", "#ff", "#fffff", "#ggg", "rgb(1, 2)", "rgb(1 2, 3)", "rgb(10%, 2, 3)", "hsl(0, 50, 50)",
     "rgb(1,2,3,)", "rgba(1, 2, 3 / 0.5)", "rgb(1.2.3, 0, 0)", 5, None],
)
def test_parse_color_invalid(text: object) -> None:
    assert parse_color(text) is None  # type: ignore[arg-type]


def test_premultiplied_and_straight() -> None:
    c = parse_color("rgba(255, 128, 0, 0.5)")
    assert c is not None
    assert c.a == 0.5 and c.r == 0.5
    r, g, b, a = c.to_rgba()
    assert (round(r), round(g), round(b), a) == (255, 128, 0, 0.5)


def test_transparent_keeps_straight_rgb_for_interpolation() -> None:
    c0 = parse_color("rgba(255, 0, 0, 0)")
    c1 = parse_color("rgba(255, 0, 0, 1)")
    assert c0 is not None and c1 is not None
    assert c0 == (0, 0, 0, 0)
    mid = interpolate_color(c0, c1, 0.5)
    assert approx(mid, (0.5, 0, 0, 0.5))  # red stays red while it fades in


def test_to_string() -> None:
    assert parse_color("purple").to_string() == "rgba(128,0,128,1)"  # type: ignore[union-attr]
    assert parse_color("rgba(26, 207, 26, .73)").to_string() == "rgba(26,207,26,0.73)"  # type: ignore[union-attr]


def test_lab_roundtrip() -> None:
    for rgb in [(1, 0, 0, 1), (0.2, 0.4, 0.6, 0.5), (0.5, 0.5, 0.5, 1)]:
        back = lab_to_rgb(rgb_to_lab(rgb))  # type: ignore[arg-type]
        assert all(abs(a - b) < 1e-6 for a, b in zip(back, rgb, strict=True))
        back = hcl_to_rgb(rgb_to_hcl(rgb))  # type: ignore[arg-type]
        assert all(abs(a - b) < 1e-6 for a, b in zip(back, rgb, strict=True))


def test_grey_has_no_hue() -> None:
    assert math.isnan(rgb_to_hcl((0.5, 0.5, 0.5, 1))[0])
    assert rgb_to_lab((1, 1, 1, 1))[1] == 0


def test_interpolate_spaces_endpoints() -> None:
    red, blue = parse_color("red"), parse_color("blue")
    assert red is not None and blue is not None
    for space in ("rgb", "lab", "hcl"):
        # The D50 matrices round-trip to ~1e-6, exactly as in GL JS.
        start = interpolate_color(red, blue, 0, space)
        assert all(abs(a - b) < 1e-5 for a, b in zip(start, (1, 0, 0, 1), strict=True))
        end = interpolate_color(red, blue, 1, space)
        assert all(abs(a - b) < 1e-5 for a, b in zip(end, (0, 0, 1, 1), strict=True))
    mid = interpolate_color(red, blue, 0.5, "rgb")
    assert approx(mid, (0.5, 0, 0.5, 1))


@pytest.mark.parametrize(
    ("x", "s"),
    [(1, "1"), (1.0, "1"), (-0.0, "0"), (1.5, "1.5"), (0.1 + 0.2, "0.30000000000000004"), (1e21, "1e+21"),
     (1e-7, "1e-7"), (123456789012, "123456789012"), (0.000001, "0.000001"), (1.5e-10, "1.5e-10"),
     (float("inf"), "Infinity"), (float("nan"), "NaN"), (2.5e25, "2.5e+25"), (-3.25, "-3.25")],
)
def test_js_number_str(x: float, s: str) -> None:
    assert js_number_str(x) == s
