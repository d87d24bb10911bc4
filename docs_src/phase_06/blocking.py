"""Three routes that each take a fifth of a second, and what they do to everybody else."""

import asyncio
import time

from fastapi import FastAPI

app = FastAPI()
PAUSE = 0.2  # seconds: a slow database, a slow service, a slow disk


# --8<-- [start:routes]
@app.get("/awaits")
async def awaits() -> dict[str, str]:
    await asyncio.sleep(PAUSE)  # hands the loop back: other requests run meanwhile
    return {"route": "awaits"}


@app.get("/blocks")
async def blocks() -> dict[str, str]:
    time.sleep(PAUSE)  # holds the loop: nothing else runs until it returns
    return {"route": "blocks"}


@app.get("/in-a-thread")
def in_a_thread() -> dict[str, str]:
    time.sleep(PAUSE)  # blocks a worker thread of the pool, not the loop
    return {"route": "in-a-thread"}


# --8<-- [end:routes]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
