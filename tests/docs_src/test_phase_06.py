"""The Phase 6 lesson's samples do what the lesson says they do.

Timing is compared as ratios with wide margins, never as absolute times.
"""

import asyncio
import socket
import time
from collections.abc import Iterator

import anyio.to_thread
import httpx2
import pytest
from fastapi.testclient import TestClient

from docs_src.phase_06 import (
    blocking,
    cpu_work,
    fake_service,
    measure,
    offload,
    reviews_client,
    thread_pool,
)

PAUSE = blocking.PAUSE


# blocking.py and measure.py -----------------------------------------------------------------


def test_the_test_client_cannot_tell_them_apart() -> None:
    # One request at a time: every route takes about one pause, blocking or not.
    client = TestClient(blocking.app)
    for path in ("/awaits", "/blocks", "/in-a-thread"):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        assert time.perf_counter() - started < 3 * PAUSE


def test_awaiting_and_threads_overlap_and_blocking_does_not() -> None:
    awaits = asyncio.run(measure.seconds_for(blocking.app, "/awaits", together=5))
    in_a_thread = asyncio.run(measure.seconds_for(blocking.app, "/in-a-thread", together=5))
    blocks = asyncio.run(measure.seconds_for(blocking.app, "/blocks", together=5))
    # Five at once: about one pause when they overlap, five pauses when they queue.
    assert awaits < 2.5 * PAUSE
    assert in_a_thread < 2.5 * PAUSE
    assert blocks > 4 * PAUSE


def test_a_blocked_loop_makes_the_health_route_wait() -> None:
    assert asyncio.run(measure.worst_lag(blocking.app, "/awaits")) < 0.5 * PAUSE
    assert asyncio.run(measure.worst_lag(blocking.app, "/in-a-thread")) < 0.5 * PAUSE
    assert asyncio.run(measure.worst_lag(blocking.app, "/blocks")) > 0.8 * PAUSE


# offload.py ---------------------------------------------------------------------------------


def test_offloaded_calls_answer_and_leave_the_loop_free() -> None:
    client = TestClient(offload.app)
    assert client.get("/shelves/a").json() == ["a-1", "a-2"]
    assert client.get("/shelves/b/quick").json() == ["b-1", "b-2"]
    at_once = asyncio.run(measure.seconds_for(offload.app, "/shelves/a", together=5))
    assert at_once < 2.5 * 0.2
    assert asyncio.run(measure.worst_lag(offload.app, "/shelves/a")) < 0.1


# reviews_client.py and fake_service.py -------------------------------------------------------


@pytest.fixture
def reviews() -> Iterator[TestClient]:
    app = reviews_client.app
    app.dependency_overrides[reviews_client.get_reviews_client] = fake_service.fake_reviews_client
    try:
        yield TestClient(app)
    finally:
        app.dependency_overrides.clear()


def test_a_fake_service_answers_through_the_override(reviews: TestClient) -> None:
    answer = reviews.get("/books/9780441478125/reviews")
    assert answer.status_code == 200
    assert answer.json() == {"isbn": "9780441478125", "stars": 4.6, "count": 1812}


def test_the_other_services_failures_become_404_and_502(reviews: TestClient) -> None:
    assert reviews.get("/books/9781111111111/reviews").status_code == 404
    broken = reviews.get("/books/9780000000002/reviews")
    assert broken.status_code == 502
    assert broken.json() == {"detail": "The reviews service failed"}


def test_an_unreachable_service_is_a_502() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: a real client is refused
    app = reviews_client.app
    app.dependency_overrides[reviews_client.get_reviews_client] = lambda: httpx2.AsyncClient(
        base_url=f"http://127.0.0.1:{port}"
    )
    try:
        answer = TestClient(app).get("/books/9780441478125/reviews")
    finally:
        app.dependency_overrides.clear()
    assert answer.status_code == 502
    assert answer.json() == {"detail": "The reviews service is down"}


def test_an_answer_that_is_not_reviews_is_a_502(reviews: TestClient) -> None:
    def nonsense(_request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"reviews": "lots"})

    app = reviews_client.app
    app.dependency_overrides[reviews_client.get_reviews_client] = lambda: httpx2.AsyncClient(
        transport=httpx2.MockTransport(nonsense), base_url=reviews_client.REVIEWS_URL
    )
    assert reviews.get("/books/9780441478125/reviews").status_code == 502


def test_the_lifespan_makes_one_client_and_closes_it() -> None:
    with TestClient(reviews_client.app):
        client = reviews_client.app.state.reviews_client
        assert isinstance(client, httpx2.AsyncClient) and not client.is_closed
        assert str(client.base_url).startswith(reviews_client.REVIEWS_URL)
        assert client.timeout.read == reviews_client.TIMEOUT
    assert client.is_closed


# thread_pool.py -----------------------------------------------------------------------------


def test_the_default_pool_has_40_threads() -> None:
    async def size() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert asyncio.run(size()) == 40


def test_the_lifespan_resizes_the_pool() -> None:
    with TestClient(thread_pool.app) as client:
        assert client.get("/pool").json() == {"threads": 100, "busy": 0}


# cpu_work.py --------------------------------------------------------------------------------


def test_a_thread_and_a_process_compute_the_same_fingerprint() -> None:
    expected = cpu_work.fingerprint("Kindred", 1000)
    with TestClient(cpu_work.app) as client:
        in_a_thread = client.get("/fingerprint/thread", params={"text": "Kindred", "rounds": 1000})
        in_a_process = client.get(
            "/fingerprint/process", params={"text": "Kindred", "rounds": 1000}
        )
        assert in_a_thread.json() == in_a_process.json() == {"fingerprint": expected}
        assert client.get("/fingerprint/thread?text=x&rounds=5000000").status_code == 422
