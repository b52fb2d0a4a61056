"""A MapLibre-format render-test suite: discovery, fixture URL rewriting, running one test.

The layout is upstream's ``test/integration``: ``render/tests/<id>/style.json`` with
``expected*.png`` beside it, and fixtures under ``assets/``. Optional ``public.txt`` (ids) and
``manifest.tsv`` (``id``/``family`` columns) refine the selection and the grouping.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

LOCAL = "local://"
FIXTURE_SERVER = "http://localhost:2900/"

# Keys a TileJSON contributes to a source; GL JS picks these from {**tilejson, **source}, so the
# style's own values win (tests/tilejson-bounds/overwrite-bounds relies on that).
TILED_TYPES = ("vector", "raster", "raster-dem")
TILEJSON_KEYS = ("tiles", "minzoom", "maxzoom", "attribution", "bounds", "scheme", "tileSize", "encoding")


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    dir: Path


@dataclass
class Result:
    id: str
    family: str
    passed: bool
    mismatch: float | None = None
    allowed: float | None = None
    error: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        return d


# --- discovery ------------------------------------------------------------------------------------


def _families(suite: Path) -> dict[str, str]:
    manifest = suite / "manifest.tsv"
    if not manifest.is_file():
        return {}
    with manifest.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {r["id"]: r["family"] for r in rows if r.get("id") and r.get("family")}


def discover(suite: Path, list_file: Path | None = None, substr: str | None = None) -> list[Case]:
    """Tests in ``suite``: ids from ``list_file``, else ``public.txt`` if present, else all found."""
    root = suite / "render" / "tests"
    if not root.is_dir():
        raise FileNotFoundError(f"{suite} has no render/tests folder")
    if list_file is None and (suite / "public.txt").is_file():
        list_file = suite / "public.txt"
    if list_file is not None:
        lines = list_file.read_text(encoding="utf-8").splitlines()
        ids = [s.strip().strip("/") for s in lines if s.strip() and not s.lstrip().startswith("#")]
    else:
        ids = sorted(p.parent.relative_to(root).as_posix() for p in root.rglob("style.json"))
    if substr:
        ids = [i for i in ids if substr in i]
    families = _families(suite)
    return [Case(i, families.get(i, i.split("/")[0]), root / i) for i in ids]


# --- fixture URLs ---------------------------------------------------------------------------------


def _map_url(value: str, assets: Path) -> str:
    """``local://x`` and ``http://localhost:2900/x`` -> absolute ``assets/x`` path."""
    for prefix in (LOCAL, FIXTURE_SERVER):
        if value.startswith(prefix):
            return str(assets / value[len(prefix) :])
    return value


def _map_sprite(value: str, assets: Path) -> str:
    # ``local://sprites/x`` is a prefix: the renderer appends .json/.png (or @2x.*), so no suffix.
    return _map_url(value, assets)


def _inline_tilejson(source: dict[str, Any], assets: Path) -> None:
    url = source.get("url")
    # Only tiled sources take a TileJSON url; an image source's url is the image itself.
    if source.get("type") not in TILED_TYPES:
        return
    if not isinstance(url, str) or not url.startswith((LOCAL, FIXTURE_SERVER)):
        return
    tilejson = json.loads(Path(_map_url(url, assets)).read_text(encoding="utf-8"))
    merged = {**tilejson, **{k: v for k, v in source.items() if k != "url"}}
    del source["url"]
    for key in TILEJSON_KEYS:
        if key in merged:
            source[key] = merged[key]
    if isinstance(source.get("tiles"), list):
        source["tiles"] = [_map_url(t, assets) if isinstance(t, str) else t for t in source["tiles"]]


def rewrite_style(style: dict[str, Any], assets: Path) -> dict[str, Any]:
    """A copy of ``style`` whose fixture URLs point at absolute paths under ``assets``."""
    out = copy.deepcopy(style)
    assets = assets.resolve()
    for source in out.get("sources", {}).values():
        if not isinstance(source, dict):
            continue
        _inline_tilejson(source, assets)
        if isinstance(source.get("url"), str):
            source["url"] = _map_url(source["url"], assets)
        if isinstance(source.get("tiles"), list):
            source["tiles"] = [_map_url(t, assets) if isinstance(t, str) else t for t in source["tiles"]]
        if isinstance(source.get("data"), str):
            source["data"] = _map_url(source["data"], assets)
        if isinstance(source.get("urls"), list):  # video sources; kept for completeness
            source["urls"] = [_map_url(u, assets) if isinstance(u, str) else u for u in source["urls"]]
    if isinstance(out.get("glyphs"), str):
        out["glyphs"] = _map_url(out["glyphs"], assets)
    sprite = out.get("sprite")
    if isinstance(sprite, str):
        out["sprite"] = _map_sprite(sprite, assets)
    elif isinstance(sprite, list):
        for entry in sprite:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                entry["url"] = _map_sprite(entry["url"], assets)
    return out


# --- one test -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """``metadata.test`` with the harness defaults, plus the camera from the style root."""

    width: int
    height: int
    pixel_ratio: float
    allowed: float
    threshold: float
    center: tuple[float, float]
    zoom: float
    bearing: float
    pitch: float


def read_spec(style: dict[str, Any]) -> Spec:
    meta = (style.get("metadata") or {}).get("test") or {}
    center = style.get("center") or [0, 0]
    return Spec(
        width=int(meta.get("width", 512)),
        height=int(meta.get("height", 512)),
        pixel_ratio=meta.get("pixelRatio", 1),
        allowed=float(meta.get("allowed", 0.00025)),
        threshold=float(meta.get("threshold", 0.1285)),
        center=(float(center[0]), float(center[1])),
        # maxZoom / maxPitch are map options of the test harness: the style's camera is clamped to them.
        zoom=min(float(style.get("zoom", 0)), float(meta.get("maxZoom", math.inf))),
        bearing=float(style.get("bearing", 0)),
        pitch=min(float(style.get("pitch", 0)), float(meta.get("maxPitch", math.inf))),
    )


def _load_expected(case: Case) -> list[tuple[str, np.ndarray]]:
    from backends import decode_png

    files = sorted(case.dir.glob("expected*.png"))
    if not files:
        raise FileNotFoundError(f"no expected*.png in {case.dir}")
    return [(f.name, decode_png(f.read_bytes())) for f in files]


def run_case(case: Case, suite: Path, backend: str, out_dir: Path | None = None) -> Result:
    """Render one test and compare it with every expected image; the best match counts.

    Exceptions propagate: the worker turns them into a failed Result with the message.
    """
    from backends import View, encode_png, open_map

    from glrender.compare import count_mismatch

    t0 = time.perf_counter()
    style = json.loads((case.dir / "style.json").read_text(encoding="utf-8"))
    spec = read_spec(style)
    prepared = rewrite_style(style, suite / "assets")
    view = View(
        lon=spec.center[0],
        lat=spec.center[1],
        zoom=spec.zoom,
        bearing=spec.bearing,
        pitch=spec.pitch,
        width=spec.width,
        height=spec.height,
        scale=spec.pixel_ratio,
    )
    m = open_map(backend, prepared, case.dir)
    try:
        actual = m.render_array(view)
    finally:
        m.close()

    best: tuple[float, str, np.ndarray | None] = (float("inf"), "", None)
    for name, expected in _load_expected(case):
        if expected.shape != actual.shape:
            frac, diff = 1.0, None
        else:
            count, diff = count_mismatch(actual, expected, spec.threshold)
            frac = count / float(actual.shape[0] * actual.shape[1])
        if frac < best[0]:
            best = (frac, name, diff)
    frac, name, diff = best
    passed = frac <= spec.allowed
    error = None
    if diff is None:
        error = f"size {actual.shape[1]}x{actual.shape[0]} differs from the expected image(s)"

    if out_dir is not None:
        dest = out_dir / case.id
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "actual.png").write_bytes(encode_png(actual))
        if not passed and diff is not None:
            (dest / "diff.png").write_bytes(encode_png(diff))
    return Result(
        id=case.id,
        family=case.family,
        passed=passed,
        mismatch=frac,
        allowed=spec.allowed,
        error=error,
        seconds=time.perf_counter() - t0,
        extra={"expected": name},
    )
