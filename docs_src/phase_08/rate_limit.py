"""Five login attempts per minute per client: a dependency, a small limiter, and a 429."""

import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm


# --8<-- [start:limiter]
class RateLimiter:
    """At most `times` hits per key in any window of `seconds` (a sliding window)."""

    def __init__(
        self, times: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.times = times
        self.seconds = seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # `def` routes run in several threads at once

    def hit(self, key: str) -> float:
        """Count one hit for `key`. Returns 0 if it is allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()  # older than the window: forgotten
            if len(hits) >= self.times:
                return hits[0] + self.seconds - now
            hits.append(now)
            if len(self._hits) > 10_000:  # many clients: drop those with nothing recent
                self._hits = {k: v for k, v in self._hits.items() if v[-1] > now - self.seconds}
            return 0.0


# --8<-- [end:limiter]


# --8<-- [start:dependency]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One limiter per run of the app, like the store: a fresh start forgets old attempts.
    app.state.login_limiter = RateLimiter(times=5, seconds=60)
    yield


app = FastAPI(lifespan=lifespan)


def login_rate_limit(request: Request) -> None:
    """Answers 429 before the handler (and its slow hash) runs, once a client has used up
    its attempts. The client is its address: behind a proxy, see the warning below."""
    client = request.client.host if request.client else "unknown"
    wait = request.app.state.login_limiter.hit(client)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many login attempts; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )


@app.post("/token", dependencies=[Depends(login_rate_limit)])
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    # The real route checks the password here (see login.py); this one refuses everybody.
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Incorrect username or password",
        headers={"WWW-Authenticate": "Bearer"},
    )


# --8<-- [end:dependency]
