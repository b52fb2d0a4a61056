"""The issue's acceptance check: the demo named map's static image renders at the 8192x8192 limit."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from starlette.testclient import TestClient

SEA = (0xD4, 0xE6, 0xF1)
BIGGEST = (0xA6, 0x36, 0x03)  # countries above 100 million people


def test_demo_named_map_at_8192(client: TestClient) -> None:
    # CARTO zoom 5 is 8192 px around the world: the whole map in one image.
    r = client.get("/api/v1/map/static/named/world_population/8192/8192.png",
                   params={"zoom": "5", "lon": "0", "lat": "0"})
    assert r.status_code == 200, r.text[:300]
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (8192, 8192)
    px = np.asarray(img)[::8, ::8, :3].astype(np.int16)  # every 8th pixel is plenty to find the colours
    del img

    def share(rgb: tuple[int, int, int]) -> float:
        return float((np.abs(px - np.array(rgb)).max(axis=2) <= 3).mean())

    assert share(SEA) > 0.5  # the plain sea layer under everything
    assert 0.005 < share(BIGGEST) < 0.2  # China, India, the USA, Russia...: countries drawn, by population
    # Helsinki (24.94 E, 60.17 N) is a city marker in the default #c03a2b on a light country.
    x = (24.94 + 180) / 360 * 8192
    y = (1 - np.log(np.tan(np.pi / 4 + np.radians(60.17) / 2)) / np.pi) / 2 * 8192
    row, col = int(round(y / 8)), int(round(x / 8))
    patch = px[row - 1:row + 2, col - 1:col + 2]
    assert (np.abs(patch - np.array((0xC0, 0x3A, 0x2B))).max(axis=2) <= 40).any(), patch
