"""Talking to the learner's app from async checks: many requests at once, in one event loop.

The synchronous GradingClient sends one request at a time, so it cannot see a handler that
blocks the event loop. `async_client(app)` gives an `httpx.AsyncClient` on the app itself
(`ASGITransport`), with what ASGITransport alone does not do: the app's lifespan runs around it
(startup before the first request, shutdown at the end, lifespan state passed to every request,
as a server does), no redirect is followed, and exceptions escaping the app are noted like the
GradingClient notes them.

    async with async_client(app) as client:
        answers = await asyncio.gather(*(client.get("/slow") for _ in range(5)))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2 as httpx

from grader.kit.failures import CheckFailed
from grader.kit.http import _observed
from grader.kit.loader import describe_error


class _Lifespan:
    """The ASGI lifespan protocol, driven from the server's side."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.to_app, self.from_server = anyio.create_memory_object_stream[dict[str, Any]](10)
        self.to_server, self.from_app = anyio.create_memory_object_stream[dict[str, Any]](10)
        self.failure: BaseException | None = None

    async def run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        try:
            await self.app(scope, self.from_server.receive, self.to_server.send)
        except BaseException as error:  # the app's lifespan raised: report it, don't hang
            self.failure = error
            await self.to_server.send({"type": "lifespan.startup.failed", "message": ""})

    async def ask(self, event: str) -> dict[str, Any]:
        await self.to_app.send({"type": f"lifespan.{event}"})
        with anyio.fail_after(30):
            return await self.from_app.receive()


@asynccontextmanager
async def async_client(app: Any, base_url: str = "http://testserver") -> AsyncIterator[Any]:
    """An `httpx.AsyncClient` on `app`, with the app's lifespan running around it."""
    try:
        async with _running(app, base_url) as client:
            yield client
    except BaseExceptionGroup as group:
        # A task group wraps what the check (or the app) raised: hand the check its own error.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


@asynccontextmanager
async def _running(app: Any, base_url: str) -> AsyncIterator[Any]:
    lifespan = _Lifespan(app)
    async with anyio.create_task_group() as group:
        group.start_soon(lifespan.run)
        answer = await lifespan.ask("startup")
        if answer["type"] != "lifespan.startup.complete":
            group.cancel_scope.cancel()
            why = describe_error(lifespan.failure) if lifespan.failure else answer.get("message")
            raise CheckFailed(
                expected="the app to start (its lifespan to run)",
                seen=f"the lifespan failed at start-up: {why or 'no reason given'}",
            )
        observed = _observed(app)

        async def with_state(scope: Any, receive: Any, send: Any) -> None:
            await observed({**scope, "state": dict(lifespan.state)}, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url=base_url, follow_redirects=False
            ) as client:
                yield client
        finally:
            with anyio.CancelScope(shield=True):
                await lifespan.ask("shutdown")
            group.cancel_scope.cancel()
