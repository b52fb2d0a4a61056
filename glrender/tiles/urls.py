"""URL resolution and byte fetching shared by tile sources (and reusable for glyphs and sprites).

Resolution rules (DESIGN.md section 3, "Style resolution"): relative paths, also inside ``mbtiles://`` and
``pmtiles://``, resolve against the style file's folder; ``file://`` becomes a plain path; ``http(s)://``
is kept. Fetching a missing file or a 404 returns ``None`` (a missing tile draws as empty); other HTTP
failures are logged and also return ``None`` so one bad tile never fails a render.
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from collections.abc import Mapping

from glrender.errors import SourceError

log = logging.getLogger("glrender.tiles")

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_USER_AGENT = "glrender/0.1"


def is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _abs_path(path: str, base_dir: str | None) -> str:
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(base_dir or os.getcwd(), path)
    return os.path.normpath(path)


def resolve_url(url: str, base_dir: str | None = None, aliases: Mapping[str, str] | None = None) -> str:
    """Resolve a style URL to an absolute form.

    Returns one of: an ``http(s)://`` URL (unchanged), ``mbtiles:///abs/path``, ``pmtiles:///abs/path``,
    ``pmtiles://https://...``, or a plain absolute filesystem path (from ``file://`` or a relative or
    absolute path). ``aliases`` maps URL prefixes to replacements applied first (e.g. a test harness's
    ``local://`` to an assets folder). Template placeholders such as ``{z}`` are left untouched.
    """
    if not isinstance(url, str) or not url:
        raise SourceError(f"invalid url {url!r}")
    for prefix, repl in (aliases or {}).items():
        if url.startswith(prefix):
            url = repl + url[len(prefix):]
            break
    if is_http(url):
        return url
    for scheme in ("mbtiles://", "pmtiles://"):
        if url.startswith(scheme):
            rest = url[len(scheme):]
            if is_http(rest):
                return url
            if rest.startswith("file://"):
                rest = _file_path(rest)
            return scheme + _abs_path(rest, base_dir)
    if url.startswith("file://"):
        return _abs_path(_file_path(url), base_dir)
    scheme = urllib.parse.urlsplit(url).scheme
    if len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise SourceError(f"unsupported url scheme {scheme!r} in {url!r}")
    return _abs_path(url, base_dir)


def _file_path(url: str) -> str:
    # file:///abs -> /abs, file://relative/x -> relative/x (lenient, as MapLibre Native accepts it)
    return urllib.parse.unquote(url[len("file://"):])


def fetch_bytes(url_or_path: str, *, timeout: float = DEFAULT_TIMEOUT,
                max_bytes: int = DEFAULT_MAX_BYTES, what: str = "resource") -> bytes | None:
    """Read a resolved URL or path. Missing -> ``None``; other failures are logged and give ``None``."""
    if is_http(url_or_path):
        return _fetch_http(url_or_path, timeout, max_bytes, what)
    try:
        size = os.path.getsize(url_or_path)
        if size > max_bytes:
            log.warning("%s %s is %d bytes, over the %d byte cap", what, url_or_path, size, max_bytes)
            return None
        with open(url_or_path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        log.warning("%s %s unreadable: %s", what, url_or_path, exc)
        return None


def _fetch_http(url: str, timeout: float, max_bytes: int, what: str) -> bytes | None:
    # Imported here: urllib.request costs ~30 ms of import time that local-file renders never need.
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) checked above)
            if resp.status == 204:
                return None
            data = resp.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            log.warning("%s %s: HTTP %d %s", what, url, exc.code, exc.reason)
        return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("%s %s: %s", what, url, exc)
        return None
    if len(data) > max_bytes:
        log.warning("%s %s is over the %d byte cap", what, url, max_bytes)
        return None
    return data
