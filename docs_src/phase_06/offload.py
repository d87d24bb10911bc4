"""Calling a blocking library from `async def`: hand the call to a worker thread."""

import time
from functools import partial

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()


def read_legacy_catalogue(shelf: str, delay: float = 0.2) -> list[str]:
    """A stand-in for a blocking library call (a sync database driver, an SDK, a file)."""
    time.sleep(delay)
    return [f"{shelf}-1", f"{shelf}-2"]


# --8<-- [start:offload]
@app.get("/shelves/{shelf}")
async def shelf(shelf: str) -> list[str]:
    # The blocking call runs in a worker thread; this coroutine waits without holding the loop.
    return await run_in_threadpool(read_legacy_catalogue, shelf)


@app.get("/shelves/{shelf}/quick")
async def shelf_quick(shelf: str) -> list[str]:
    # The same with anyio, which FastAPI uses underneath; keyword arguments need a partial.
    return await anyio.to_thread.run_sync(partial(read_legacy_catalogue, shelf, delay=0.05))


# --8<-- [end:offload]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
