"""An LRU cache of encoded images bounded in bytes, and a per-client fixed-window rate limiter."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict


class ImageCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, data: bytes, media_type: str) -> None:
        if len(data) > self.max_bytes // 4:  # one huge image must not flush everything else
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old[0])
            self._items[key] = (data, media_type)
            self.bytes += len(data)
            while self.bytes > self.max_bytes:
                _, (evicted, _) = self._items.popitem(last=False)
                self.bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._items)


class RateLimiter:
    """At most ``limit`` requests per ``interval`` seconds per client key (a token or an address), counted
    in fixed windows aligned to the clock, as the reset header reports them."""

    def __init__(self, limit: int, interval: float = 60.0) -> None:
        self.limit = limit
        self.interval = interval
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, dict[str, str]]:
        now = time.time() if now is None else now
        start = math.floor(now / self.interval) * self.interval
        with self._lock:
            if len(self._windows) > 100_000:  # forget stale clients so the table cannot grow without bound
                self._windows = {k: v for k, v in self._windows.items() if v[0] == start}
            window, count = self._windows.get(key, (start, 0))
            if window != start:
                count = 0
            count += 1
            self._windows[key] = (start, count)
        headers = {
            "X-Rate-Limit-Interval": str(int(self.interval)),
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Reset": str(int(start + self.interval)),
        }
        return count <= self.limit, headers
