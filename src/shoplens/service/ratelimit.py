"""A token bucket per API key (in-process).

Our own twenty lines rather than slowapi: the limit is keyed by the API key that the
auth dependency has already verified (slowapi keys by a function of the raw request and
needs a decorator and a ``request`` argument on every route), and a bucket answers with
the exact ``Retry-After``. With several workers each process has its own buckets, so the
effective limit is ``workers`` times the setting (docs/decisions/0023-service-keys-and-limits.md).

Examples
--------
>>> b = TokenBuckets(rate=1.0, burst=2)
>>> [b.take("k", now=0.0) for _ in range(3)]
[0.0, 0.0, 1.0]
>>> b.take("k", now=1.0)
0.0
"""

from __future__ import annotations

import threading
import time


class TokenBuckets:
    """``rate`` tokens per second per key, holding at most ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = float(rate), float(max(1, burst))
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Take one token: ``0.0`` when allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else 3600.0
