"""The same API through an async client, in the test's own event loop."""

import anyio
import httpx2
import pytest

pytestmark = pytest.mark.anyio


async def test_health(async_client: httpx2.AsyncClient) -> None:
    response = await async_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_requests_at_once(async_client: httpx2.AsyncClient) -> None:
    answers: list[int] = []

    async def ask(path: str) -> None:
        answers.append((await async_client.get(path)).status_code)

    async with anyio.create_task_group() as group:
        for path in ("/health", "/api/v1/books", "/api/v1/authors", "/api/v1/books/1"):
            group.start_soon(ask, path)
    assert sorted(answers) == [200, 200, 200, 404]
