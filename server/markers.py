"""Custom ``url-`` markers: fetched only from allowlisted hosts, with a timeout and a byte cap, checked to
be PNG or JPEG (by Content-Type) of at most 1024x1024 px, and cached as long as the image's own
Cache-Control / Expires allow.

Safe by default: with an empty allowlist nothing is fetched, so the server cannot be used to reach
loopback or private addresses. Redirects are not followed (a redirect could leave the allowlist) and
proxy settings from the environment are ignored.
"""

from __future__ import annotations

import email.utils
import io
import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from urllib.parse import urlsplit

from server.config import MarkerPolicy
from server.errors import ApiError

MAX_MARKER_PX = 1024
CACHE_ENTRIES = 256
TOO_LARGE = "Height and width must not exceed 1024px"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError for the 3xx


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _host_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(422, "Custom marker URL must be an http or https URL.")
    host = parts.hostname.lower()
    return host, f"{host}:{parts.port}" if parts.port else host


def freshness(headers: dict[str, str], now: float) -> float:
    """Seconds the response may be reused, from Cache-Control max-age or Expires (0: do not cache)."""
    cc = headers.get("cache-control", "")
    if re.search(r"no-store|no-cache|private", cc, re.IGNORECASE):
        return 0.0
    m = _MAX_AGE.search(cc)
    if m:
        return float(m.group(1))
    expires = headers.get("expires")
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            return 0.0
        return max(0.0, when - now)
    return 0.0


class MarkerFetcher:
    def __init__(self, policy: MarkerPolicy) -> None:
        self.policy = policy
        self._cache: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.fetches = 0  # upstream requests made (tests and metrics)

    def allowed(self, url: str) -> bool:
        host, host_port = _host_key(url)
        allow = self.policy.allow_hosts
        return host in allow or host_port in allow

    def get(self, url: str) -> bytes:
        """The marker image bytes (blocking: call from a thread)."""
        if not self.allowed(url):
            raise ApiError(422, f"Custom marker host is not allowed: {urlsplit(url).netloc}. "
                                "Add it to [markers] allow_hosts in the server configuration.")
        now = time.time()
        with self._lock:
            hit = self._cache.get(url)
            if hit and hit[0] > now:
                self._cache.move_to_end(url)
                return hit[1]
        data, ttl = self._fetch(url)
        if ttl > 0:
            with self._lock:
                self._cache[url] = (now + ttl, data)
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return data

    def _fetch(self, url: str) -> tuple[bytes, float]:
        self.fetches += 1
        req = urllib.request.Request(url, headers={"User-Agent": "glrender-static/1", "Accept": "image/png,image/jpeg"})
        try:
            with _OPENER.open(req, timeout=self.policy.timeout_s) as resp:
                ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                headers = {k.lower(): v for k, v in resp.headers.items()}
                data = resp.read(self.policy.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the open response
            raise ApiError(422, f"Custom marker could not be fetched: HTTP {exc.code}.") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(422, f"Custom marker could not be fetched: {reason}.") from None
        if ctype not in ("image/png", "image/jpeg"):
            raise ApiError(422, "Custom marker must be served as image/png or image/jpeg.")
        if len(data) > self.policy.max_bytes:
            raise ApiError(422, f"Custom marker image is larger than {self.policy.max_bytes} bytes.")
        check_image(data)
        return data, freshness(headers, time.time())


def check_image(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG"):
                raise ApiError(422, "Custom marker must be a PNG or JPEG image.")
            w, h = img.size
    except (UnidentifiedImageError, OSError):
        raise ApiError(422, "Custom marker is not a readable PNG or JPEG image.") from None
    if w > MAX_MARKER_PX or h > MAX_MARKER_PX:
        raise ApiError(422, TOO_LARGE)
