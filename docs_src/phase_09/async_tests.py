"""The reading list through an async client, in the test's own event loop (anyio's plugin)."""

import anyio
import httpx2
import pytest

pytestmark = pytest.mark.anyio  # every test of this module runs in an event loop
KEY = {"X-API-Key": "test-key"}


# --8<-- [start:tests]
async def test_add_then_list(async_client: httpx2.AsyncClient) -> None:
    created = await async_client.post("/api/v1/books", json={"title": "Dune"}, headers=KEY)
    assert created.status_code == 201
    listed = await async_client.get("/api/v1/books")
    assert [book["title"] for book in listed.json()] == ["Dune"]


async def test_requests_at_once(async_client: httpx2.AsyncClient) -> None:
    async def add(title: str) -> None:
        response = await async_client.post("/api/v1/books", json={"title": title}, headers=KEY)
        assert response.status_code == 201

    async with anyio.create_task_group() as group:  # five requests in flight together
        for n in range(5):
            group.start_soon(add, f"Book {n}")
    assert len((await async_client.get("/api/v1/books")).json()) == 5


# --8<-- [end:tests]
