"""A tiny app to watch a server stop: GET /slow takes a while to answer, and the lifespan logs
when each worker starts and stops. Serve it, ask for /slow, and stop the server meanwhile:

    gunicorn --config docs_src/phase_10/gunicorn_conf.py docs_src.phase_10.slow:app
    curl 'http://127.0.0.1:8000/slow?seconds=5' &  kill -TERM <gunicorn's pid>
"""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Query

# The servers' own logger: gunicorn and uvicorn both print it.
logger = logging.getLogger("uvicorn.error")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    logger.info("worker %s: started", os.getpid())
    yield
    logger.info("worker %s: shut down cleanly", os.getpid())


app = FastAPI(lifespan=lifespan)


@app.get("/slow")
async def slow(seconds: Annotated[float, Query(gt=0, le=10)] = 2.0) -> dict[str, float]:
    logger.info("worker %s: answering /slow in %s s", os.getpid(), seconds)
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}
