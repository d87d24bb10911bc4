"""Three doors this course leaves closed, opened a crack: a WebSocket, a stream of JSON Lines,
and Server-Sent Events."""

import asyncio
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import EventSourceResponse
from pydantic import BaseModel

app = FastAPI()


class Book(BaseModel):
    id: int
    title: str


SHELF = [Book(id=1, title="Kindred"), Book(id=2, title="Dawn"), Book(id=3, title="Tehanu")]


# --8<-- [start:websocket]
@app.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    """Both sides talk whenever they like, over one long-lived connection."""
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass  # the client left


# --8<-- [end:websocket]


# --8<-- [start:streams]
@app.get("/books/stream")
async def stream_books() -> AsyncIterator[Book]:
    """A generator: each book is sent as soon as it is ready, one JSON object per line."""
    for book in SHELF:
        await asyncio.sleep(0)  # a real app awaits a database cursor or a service here
        yield book


@app.get("/books/events", response_class=EventSourceResponse)
async def book_events() -> AsyncIterator[Book]:
    """The same books as Server-Sent Events, which a browser reads with `EventSource`."""
    for book in SHELF:
        yield book


# --8<-- [end:streams]
