"""A small rate limiter: at most `times` hits per key in any window of `seconds`.

The lifespan makes one per run of the app (`app.state.login_limiter`), and the login route's
dependency, `bookapi.dependencies.login_rate_limit`, counts one hit per attempt and client
address. It lives in this process' memory: with several worker processes, each counts on its
own (a shared store such as Redis, for instance through slowapi, counts them together).
"""

import threading
import time
from collections import deque
from collections.abc import Callable

# Forget clients with nothing recent once this many are remembered, so memory stays bounded.
MAX_KEYS = 10_000


class RateLimiter:
    """A sliding window of hits per key (here, per client address)."""

    def __init__(
        self, times: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.times = times
        self.seconds = seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # `def` routes run in several threads at once

    def hit(self, key: str) -> float:
        """Count one hit for `key`: 0 if it is allowed, else the seconds until it would be."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.times:
                return hits[0] + self.seconds - now
            hits.append(now)
            if len(self._hits) > MAX_KEYS:
                recent = now - self.seconds
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > recent}
            return 0.0
