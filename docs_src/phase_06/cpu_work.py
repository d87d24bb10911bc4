"""CPU-heavy work: off the event loop in a worker thread, or out of the interpreter entirely
in a process pool."""

import asyncio
import hashlib
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Query, Request

Rounds = Annotated[int, Query(ge=1, le=1_000_000)]


def fingerprint(text: str, rounds: int) -> str:
    """Pure CPU work: `rounds` rounds of SHA-256, in a Python loop that holds the GIL."""
    digest = text.encode()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


# --8<-- [start:process]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # "forkserver" (or "spawn"): new workers start clean instead of copying a busy server.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        app.state.pool = pool
        yield
    # Leaving the `with` block waits for running jobs and stops the workers.


app = FastAPI(lifespan=lifespan)


@app.get("/fingerprint/process")
async def in_a_process(request: Request, text: str, rounds: Rounds = 100_000) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    digest = await loop.run_in_executor(request.app.state.pool, fingerprint, text, rounds)
    return {"fingerprint": digest}


# --8<-- [end:process]


# --8<-- [start:thread]
@app.get("/fingerprint/thread")
def in_a_thread(text: str, rounds: Rounds = 100_000) -> dict[str, str]:
    return {"fingerprint": fingerprint(text, rounds)}  # a worker thread; the loop stays free


# --8<-- [end:thread]
