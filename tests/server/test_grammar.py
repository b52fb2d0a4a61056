from __future__ import annotations

import pytest

from server.errors import ApiError
from server.grammar import AUTO, NOT_NUMBERS, BBox, Position, Size, parse_position, parse_size


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("-122.4241,37.78,15.25,0,60", Position(-122.4241, 37.78, 15.25, 0, 60)),
        ("0,10,3,20", Position(0, 10, 3, 20, 0)),
        ("0,0,2", Position(0, 0, 2)),
        ("-180,-85.0511,0", Position(-180, -85.0511, 0)),
        ("180,85.0511,20,360,60", Position(180, 85.0511, 20, 360, 60)),
        ("24.944,60.1715,14.123456", Position(24.944, 60.1715, 14.12)),  # zoom rounded to 2 places
        (".5,-.5,1.", Position(0.5, -0.5, 1.0)),
    ],
)
def test_positions(segment: str, expected: Position) -> None:
    assert parse_position(segment) == expected


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("0,0,21", "Zoom level must be between 0-20."),
        ("0,0,-1", "Zoom level must be between 0-20."),
        ("0,0,abc", "Zoom level must be between 0-20."),
        ("0,0,1e1", "Zoom level must be between 0-20."),
        ("0,0,2,0,61", "Pitch must be between 0-60."),
        ("0,0,2,0,x", "Pitch must be between 0-60."),
        ("0,0,2,-1", "Bearing must be between 0-360."),
        ("0,0,2,361", "Bearing must be between 0-360."),
        ("181,0,2", "Longitude must be between -180-180."),
        ("0,85.06,2", "Latitude must be between -85.0511-85.0511."),
        ("0,-86,2", "Latitude must be between -85.0511-85.0511."),
        ("a,0,2", NOT_NUMBERS),
        ("0,nan,2", NOT_NUMBERS),
        ("0,0", NOT_NUMBERS),
        ("0,0,1,2,3,4", NOT_NUMBERS),
        ("0,0,2,x", NOT_NUMBERS),
    ],
)
def test_position_errors(segment: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_position(segment)
    assert info.value.status == 422
    assert info.value.message == message


def test_bbox() -> None:
    assert parse_position("[-77.043686,38.892035,-77.028923,38.904192]") == BBox(
        -77.043686, 38.892035, -77.028923, 38.904192
    )


@pytest.mark.parametrize("segment", ["[1,2,3]", "[0,0,1,x]", "[1,0,0,1]", "[0,1,1,0]", "[0,0,1,1", "[]"])
def test_bad_bbox(segment: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_position(segment)
    assert info.value.status == 422
    assert info.value.message == f"Invalid bbox: {segment}"


def test_auto_is_a_position() -> None:
    assert parse_position("auto") == AUTO


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("400x400", Size(400, 400)),
        ("600x300@2x", Size(600, 300, 2)),
        ("1x1280", Size(1, 1280)),
        ("512x512.png", Size(512, 512, fmt="png")),
        ("512x512@2x.jpg", Size(512, 512, 2, "jpeg")),
        ("512x256.jpeg", Size(512, 256, 1, "jpeg")),
        ("512x256.WEBP", Size(512, 256, 1, "webp")),
    ],
)
def test_sizes(segment: str, expected: Size) -> None:
    assert parse_size(segment) == expected


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("0x100", "Width must be between 1-1280."),
        ("1281x100", "Width must be between 1-1280."),
        ("12.5x100", "Width must be between 1-1280."),
        ("ax100", "Width must be between 1-1280."),
        ("100x0", "Height must be between 1-1280."),
        ("100x1281@2x", "Height must be between 1-1280."),
        ("100x100.5", "Height must be between 1-1280."),
        ("100x", "Height must be between 1-1280."),
    ],
)
def test_size_errors(segment: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_size(segment)
    assert (info.value.status, info.value.message) == (422, message)


def test_unknown_extension_is_422() -> None:
    with pytest.raises(ApiError) as info:
        parse_size("100x100.gif")
    assert info.value.status == 422 and "gif" in info.value.message


@pytest.mark.parametrize("segment", ["100", "100x100@3x", "100x100x100", "abc"])
def test_not_a_size(segment: str) -> None:
    assert parse_size(segment) is None
