"""Images of ``plain`` layers (``imageUrl``): fetched once, turned into one-image sprites for MapLibre's
``background-pattern``.

CARTO tiles the image from the world's pixel origin at every zoom; a background pattern repeats from
the tile grid, whose origin is the world's, so the two agree. Only hosts and folders of the http
allowlist may serve images (as for http layers). A sprite is a ``.json`` + ``.png`` pair on disk
because that is how the core reads sprites; the pairs live in a private temporary folder, named by
the hash of the URL, and are removed when the service closes.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

from server.carto.errors import CartoError

MAX_BYTES = 4 * 1024 * 1024
MAX_SIDE = 1024  # a pattern tile; bigger images are refused rather than resampled
TIMEOUT_S = 2.0  # CARTO's http layer timeout
PATTERN = "pattern"  # the one image name in each sprite


class PatternStore:
    def __init__(self, allowed: Callable[[str], bool]) -> None:
        """``allowed(url)`` says whether the allowlist lets the URL through."""
        self._allowed = allowed
        self._folder: Path | None = None
        self._sprites: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> None:
        if not self._allowed(url):
            raise CartoError('Invalid "imageUrl" for plain layer', 400, type="layer")

    def sprite(self, url: str) -> str | None:
        """The sprite URL (without .json/.png) whose image ``pattern`` is the image at ``url``; None
        when it cannot be fetched or read (the layer is then left out, as CARTO leaves failed tiles)."""
        self.check(url)
        with self._lock:
            if url in self._sprites:
                return self._sprites[url]
            found = self._make(url)
            self._sprites[url] = found
            return found

    def _make(self, url: str) -> str | None:
        from PIL import Image, UnidentifiedImageError

        data = _fetch(url)
        if data is None:
            return None
        try:
            with Image.open(io.BytesIO(data)) as im:
                rgba = im.convert("RGBA")
        except (UnidentifiedImageError, OSError, ValueError):
            return None
        if not (0 < rgba.width <= MAX_SIDE and 0 < rgba.height <= MAX_SIDE):
            return None
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="glrender-carto-patterns-"))
        base = self._folder / hashlib.sha256(url.encode()).hexdigest()[:32]
        rgba.save(base.with_suffix(".png"), "PNG")
        meta = {PATTERN: {"x": 0, "y": 0, "width": rgba.width, "height": rgba.height, "pixelRatio": 1}}
        base.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
        return base.as_uri()

    def close(self) -> None:
        with self._lock:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None
            self._sprites.clear()


def _fetch(url: str) -> bytes | None:
    try:
        if url.startswith(("http://", "https://")):
            request = urllib.request.Request(url, headers={"User-Agent": "glrender-carto"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:  # noqa: S310 (allowlisted)
                data: bytes = resp.read(MAX_BYTES + 1)
        else:
            path = Path(url[7:] if url.startswith("file://") else url)
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= MAX_BYTES else None
