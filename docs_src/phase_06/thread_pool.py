"""The thread pool that runs `def` routes and dependencies: anyio's default limiter."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI


# --8<-- [start:limiter]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = 100  # 40 by default; each busy thread also holds its memory
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/pool")
async def pool() -> dict[str, float]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    return {"threads": limiter.total_tokens, "busy": limiter.borrowed_tokens}


# --8<-- [end:limiter]
