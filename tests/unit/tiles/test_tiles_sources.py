from __future__ import annotations

import gzip
import json
import random
import threading
from pathlib import Path

import pytest
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from tiles_mvt_encoder import encode_layer, encode_tile

from glrender.errors import SourceError
from glrender.tiles.mvt import decode_tile
from glrender.tiles.pmtiles import PMTilesSource, zxy_to_tile_id
from glrender.tiles.sources import (
    MBTilesSource,
    TemplateSource,
    TileSource,
    expand_template,
    open_source,
)
from glrender.tiles.tilecover import lonlat_to_tile
from glrender.tiles.urls import resolve_url

HELSINKI = "/work/shared/data/helsinki.mbtiles"


def tile_bytes(tag: str) -> bytes:
    return encode_tile([encode_layer(tag, [{"type": 1, "parts": [[(1, 2)]]}])])


# --- MBTiles -------------------------------------------------------------------------------------


def test_mbtiles_helsinki_tms_gzip():
    src = MBTilesSource(HELSINKI)
    assert isinstance(src, TileSource)
    assert (src.minzoom, src.maxzoom, src.format) == (8, 15, "pbf")
    assert src.bounds == pytest.approx((24.935176, 60.164155, 24.953414, 60.179113))
    assert "OpenStreetMap" in (src.attribution or "")
    assert src.json["vector_layers"][0]["id"] == "boundary"
    x, y = lonlat_to_tile(24.9443, 60.1716, 14)
    assert (x, y) == (9327, 4742)
    data = src.get_tile(14, x, y)
    assert data is not None and data[:2] == b"\x1f\x8b"
    layers = decode_tile(data)
    assert {"water", "transportation", "building"} <= set(layers)
    # the TMS row of this tile holds nothing at the XYZ row: the flip matters
    assert src.get_tile(14, x, (1 << 14) - 1 - y) is None
    assert src.get_tile(14, x + 50, y) is None
    assert src.get_tile(3, 99, 0) is None
    src.close()


def test_mbtiles_threads_share_source():
    src = MBTilesSource(HELSINKI)
    x, y = lonlat_to_tile(24.9443, 60.1716, 14)
    results: list[int] = []

    def work() -> None:
        for _ in range(5):
            results.append(len(src.get_tile(14, x, y) or b""))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and len(set(results)) == 1 and results[0] > 0
    src.close()


def test_mbtiles_missing_and_bad(tmp_path: Path):
    with pytest.raises(SourceError, match="nope.mbtiles"):
        open_source({"type": "vector", "url": "mbtiles://nope.mbtiles"}, base_dir=str(tmp_path))
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"not sqlite at all" * 10)
    with pytest.raises(SourceError, match="bad.mbtiles"):
        MBTilesSource(str(bad))


def test_open_source_mbtiles_relative_and_overrides():
    src = open_source({"type": "vector", "url": "mbtiles://../data/helsinki.mbtiles", "maxzoom": 14,
                       "bounds": [24, 60, 25, 61]}, base_dir="/work/shared/styles")
    assert isinstance(src, MBTilesSource)
    assert src.maxzoom == 14 and src.minzoom == 8 and src.bounds == (24, 60, 25, 61)
    abs_src = open_source({"type": "vector", "url": f"mbtiles://{HELSINKI}"}, base_dir=None)
    assert abs_src.maxzoom == 15


# --- PMTiles -------------------------------------------------------------------------------------


def write_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], *, gz: bool = True,
                  meta: dict | None = None) -> None:
    with open(path, "wb") as fh:
        w = Writer(fh)
        for (z, x, y), data in sorted(tiles.items(), key=lambda kv: zxy_to_tileid(*kv[0])):
            w.write_tile(zxy_to_tileid(z, x, y), gzip.compress(data) if gz else data)
        zs = [k[0] for k in tiles]
        w.finalize({
            "tile_type": TileType.MVT,
            "tile_compression": Compression.GZIP if gz else Compression.NONE,
            "min_zoom": min(zs), "max_zoom": max(zs),
            "min_lon_e7": -1800000000, "min_lat_e7": -850000000, "max_lon_e7": 1800000000,
            "max_lat_e7": 850000000, "center_zoom": 0, "center_lon_e7": 0, "center_lat_e7": 0,
        }, meta or {"attribution": "test attribution"})


@pytest.mark.parametrize("z, x, y", [(0, 0, 0), (1, 1, 0), (3, 5, 2), (12, 2200, 1343), (20, 123456, 654321)])
def test_tile_ids_match_reference(z, x, y):
    assert zxy_to_tile_id(z, x, y) == zxy_to_tileid(z, x, y)


def test_pmtiles_round_trip(tmp_path: Path):
    tiles = {(z, x, y): tile_bytes(f"t{z}_{x}_{y}") for z in range(4) for x in range(1 << z)
             for y in range(1 << z) if (x + y) % 3 != 1 or z < 2}
    path = tmp_path / "a.pmtiles"
    write_pmtiles(path, tiles)
    src = PMTilesSource(str(path))
    assert (src.minzoom, src.maxzoom, src.format, src.attribution) == (0, 3, "pbf", "test attribution")
    assert src.bounds == (-180.0, -85.0, 180.0, 85.0)
    for z in range(4):
        for x in range(1 << z):
            for y in range(1 << z):
                got = src.get_tile(z, x, y)
                if (z, x, y) in tiles:
                    assert list(decode_tile(got)) == [f"t{z}_{x}_{y}"]
                else:
                    assert got is None
    assert src.get_tile(4, 0, 0) is None
    src.close()


def test_pmtiles_leaf_directories(tmp_path: Path):
    # enough distinct tiles that the writer splits the directory into leaves
    rng = random.Random(5)  # irregular ids and sizes so the gzipped directory cannot stay small
    keys = {(12, rng.randrange(4096), rng.randrange(4096)) for _ in range(30000)}
    tiles = {k: b"%d,%d" % k[1:] + b"." * rng.randrange(50) for k in keys}
    path = tmp_path / "big.pmtiles"
    write_pmtiles(path, tiles, gz=False)
    src = PMTilesSource(str(path))
    assert src._leaf_len > 0  # the archive really has leaf directories
    for key in sorted(keys)[::997]:
        assert src.get_tile(*key) == tiles[key]
    absent = [(12, x, 7) for x in range(200) if (12, x, 7) not in keys][:5]
    assert [src.get_tile(*k) for k in absent] == [None] * len(absent)


def test_pmtiles_get_bytes_callable_and_errors(tmp_path: Path):
    path = tmp_path / "a.pmtiles"
    write_pmtiles(path, {(0, 0, 0): tile_bytes("root")})
    blob = path.read_bytes()
    src = PMTilesSource(lambda off, n: blob[off:off + n])
    assert list(decode_tile(src.get_tile(0, 0, 0))) == ["root"]
    with pytest.raises(SourceError, match="not a PMTiles archive"):
        PMTilesSource(lambda off, n: b"x" * n)
    with pytest.raises(SourceError, match="missing.pmtiles"):
        open_source({"type": "vector", "url": "pmtiles://missing.pmtiles"}, base_dir=str(tmp_path))
    via_spec = open_source({"type": "vector", "url": "pmtiles://a.pmtiles", "minzoom": 0, "maxzoom": 6},
                           base_dir=str(tmp_path))
    assert via_spec.maxzoom == 6 and via_spec.get_tile(0, 0, 0)


# --- templates and TileJSON ----------------------------------------------------------------------


def test_expand_template():
    t = "https://a/{z}/{x}/{y}.pbf?q={quadkey}&p={prefix}{ratio}"
    assert expand_template(t, 3, 5, 2) == "https://a/3/5/2.pbf?q=121&p=52"
    assert expand_template("{z}/{x}/{y}", 3, 5, 2, scheme="tms") == "3/5/5"
    bbox = expand_template("{bbox-epsg-3857}", 1, 0, 0)
    assert [float(v) for v in bbox.split(",")] == pytest.approx([-20037508.34, 0, 0, 20037508.34])


def test_template_folder(tmp_path: Path):
    (tmp_path / "tiles" / "2" / "1").mkdir(parents=True)
    (tmp_path / "tiles" / "2" / "1" / "1.pbf").write_bytes(gzip.compress(tile_bytes("x")))
    src = open_source({"type": "vector", "tiles": ["tiles/{z}/{x}/{y}.pbf"], "maxzoom": 5},
                      base_dir=str(tmp_path))
    assert isinstance(src, TemplateSource) and src.maxzoom == 5 and src.format == "pbf"
    assert list(decode_tile(src.get_tile(2, 1, 1))) == ["x"]
    assert src.get_tile(2, 1, 2) is None  # missing file: empty, no error
    tms = open_source({"type": "vector", "tiles": [f"file://{tmp_path}/tiles/{{z}}/{{x}}/{{y}}.pbf"],
                       "scheme": "tms"})
    assert tms.get_tile(2, 1, 2) is not None  # XYZ row 2 is TMS row 1


def test_tilejson_merge_style_wins(tmp_path: Path):
    (tmp_path / "ts").mkdir()
    (tmp_path / "ts" / "v.json").write_text(json.dumps({
        "tiles": ["t/{z}-{x}-{y}.mvt"], "minzoom": 1, "maxzoom": 10, "bounds": [0, 0, 10, 10],
        "attribution": "tj", "scheme": "tms"}))
    src = open_source({"type": "vector", "url": "ts/v.json", "maxzoom": 14, "bounds": [1, 2, 3, 4]},
                      base_dir=str(tmp_path))
    assert isinstance(src, TemplateSource)
    got = (src.minzoom, src.maxzoom, src.bounds, src.attribution, src.scheme)
    assert got == (1, 14, (1, 2, 3, 4), "tj", "tms")
    # relative tile paths in a TileJSON file resolve against the TileJSON's folder
    assert src.templates == [str(tmp_path / "ts" / "t" / "{z}-{x}-{y}.mvt")]
    with pytest.raises(SourceError, match="TileJSON not found"):
        open_source({"type": "vector", "url": "ts/none.json"}, base_dir=str(tmp_path))
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(SourceError, match="not valid JSON"):
        open_source({"type": "vector", "url": "bad.json"}, base_dir=str(tmp_path))


def test_aliases_for_harness_urls(tmp_path: Path):
    (tmp_path / "tiles").mkdir()
    (tmp_path / "tiles" / "0-0-0.mvt").write_bytes(tile_bytes("a"))
    src = open_source({"type": "vector", "tiles": ["local://tiles/{z}-{x}-{y}.mvt"]},
                      aliases={"local://": f"{tmp_path}/"})
    assert list(decode_tile(src.get_tile(0, 0, 0))) == ["a"]


def test_unknown_type_and_bad_values():
    with pytest.raises(SourceError, match="'video'"):
        open_source({"type": "video", "urls": []})
    with pytest.raises(SourceError, match="neither url nor tiles"):
        open_source({"type": "raster"})
    with pytest.raises(SourceError, match="'zz'"):
        open_source({"type": "raster", "tiles": ["a/{z}"], "scheme": "zz"})
    with pytest.raises(SourceError, match="maxzoom"):
        open_source({"type": "raster", "tiles": ["a/{z}"], "maxzoom": "x"})


def test_resolve_url():
    assert resolve_url("mbtiles://../x.mbtiles", "/a/b") == "mbtiles:///a/x.mbtiles"
    assert resolve_url("mbtiles:///abs/x.mbtiles", "/a/b") == "mbtiles:///abs/x.mbtiles"
    assert resolve_url("pmtiles://x.pmtiles", "/a") == "pmtiles:///a/x.pmtiles"
    assert resolve_url("pmtiles://https://h/x.pmtiles", "/a") == "pmtiles://https://h/x.pmtiles"
    assert resolve_url("../glyphs/{fontstack}/{range}.pbf", "/a/b") == "/a/glyphs/{fontstack}/{range}.pbf"
    assert resolve_url("file:///x/y%20z.json", "/a") == "/x/y z.json"
    assert resolve_url("https://h/a.json", "/a") == "https://h/a.json"
    assert resolve_url("local://tiles/a", None, {"local://": "/assets/"}) == "/assets/tiles/a"
    with pytest.raises(SourceError, match="'ftp'"):
        resolve_url("ftp://h/x", None)
