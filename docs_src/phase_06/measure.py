"""Seeing a blocked event loop: many requests at once, and a probe that measures lateness.

The test client sends one request and waits for its answer before the next, so a route that
blocks the loop looks exactly as fast as one that does not. To see the difference, send
requests together, from one event loop, with an async client on the app.
"""

import asyncio
import time

import httpx2
from fastapi import FastAPI


# --8<-- [start:at_once]
async def seconds_for(app: FastAPI, path: str, together: int) -> float:
    """How long `together` requests to `path`, sent at once, take to all come back."""
    transport = httpx2.ASGITransport(app=app)  # calls the app directly: no server, no port
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        started = time.perf_counter()
        answers = await asyncio.gather(*(client.get(path) for _ in range(together)))
        assert all(answer.status_code == 200 for answer in answers)
        return time.perf_counter() - started


# --8<-- [end:at_once]


# --8<-- [start:probe]
async def worst_lag(app: FastAPI, slow_path: str, probe_path: str = "/health") -> float:
    """While one request to `slow_path` runs, ask `probe_path` every 10 ms; return the worst
    delay between when a probe was due and when its answer arrived."""
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        slow = asyncio.create_task(client.get(slow_path))
        worst, due = 0.0, time.perf_counter()
        while not slow.done():
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await client.get(probe_path)
            worst = max(worst, time.perf_counter() - due)
            due = max(due + 0.01, time.perf_counter())
        await slow
        return worst


# --8<-- [end:probe]


if __name__ == "__main__":
    from docs_src.phase_06.blocking import app as demo

    for path in ("/awaits", "/blocks", "/in-a-thread"):
        seconds = asyncio.run(seconds_for(demo, path, together=5))
        lag = asyncio.run(worst_lag(demo, path))
        print(f"{path:13} 5 at once: {seconds:.2f} s   /health waited up to {lag * 1000:.0f} ms")
