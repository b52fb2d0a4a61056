"""Prometheus text exposition (format 0.0.4) of the server's counters, written out by hand: a handful of
counters and histograms do not need a client library."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.cache: dict[str, int] = defaultdict(int)
        self._hist: dict[str, list[int]] = {}
        self._sum: dict[str, float] = defaultdict(float)
        self._count: dict[str, int] = defaultdict(int)

    def request(self, route: str, status: int) -> None:
        with self._lock:
            self.requests[(route, status)] += 1

    def cache_event(self, name: str) -> None:
        with self._lock:
            self.cache[name] += 1

    def observe(self, stage: str, seconds: float) -> None:
        with self._lock:
            counts = self._hist.setdefault(stage, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self._sum[stage] += seconds
            self._count[stage] += 1

    def render(self, gauges: dict[str, float]) -> str:
        lines = ["# HELP glrender_requests_total HTTP requests by route and status.",
                 "# TYPE glrender_requests_total counter"]
        with self._lock:
            for (route, status), n in sorted(self.requests.items()):
                lines.append(f'glrender_requests_total{{route="{route}",status="{status}"}} {n}')
            lines += ["# HELP glrender_cache_events_total Image cache hits, misses and 304 answers.",
                      "# TYPE glrender_cache_events_total counter"]
            for name, n in sorted(self.cache.items()):
                lines.append(f'glrender_cache_events_total{{event="{name}"}} {n}')
            lines += ["# HELP glrender_stage_seconds Time per request stage (parse, render, overlay "
                      "stack, encode, total).", "# TYPE glrender_stage_seconds histogram"]
            for stage, counts in sorted(self._hist.items()):
                for bound, n in zip(BUCKETS, counts, strict=True):
                    lines.append(f'glrender_stage_seconds_bucket{{stage="{stage}",le="{bound:g}"}} {n}')
                lines.append(f'glrender_stage_seconds_bucket{{stage="{stage}",le="+Inf"}} {self._count[stage]}')
                lines.append(f'glrender_stage_seconds_sum{{stage="{stage}"}} {self._sum[stage]:.6f}')
                lines.append(f'glrender_stage_seconds_count{{stage="{stage}"}} {self._count[stage]}')
        for name, value in sorted(gauges.items()):
            lines += [f"# TYPE glrender_{name} gauge", f"glrender_{name} {value:g}"]
        return "\n".join(lines) + "\n"
