"""Testing a route that calls another service, without the service and without a network."""

import httpx2

from docs_src.phase_06.reviews_client import REVIEWS_URL


# --8<-- [start:fake]
def answer(request: httpx2.Request) -> httpx2.Response:
    """The reviews service as the tests need it: one known book, one broken, nothing else."""
    isbn = request.url.path.rsplit("/", 1)[-1]
    if isbn == "9780441478125":
        return httpx2.Response(200, json={"isbn": isbn, "stars": 4.6, "count": 1812})
    if isbn == "9780000000002":
        return httpx2.Response(503, json={"detail": "maintenance"})
    return httpx2.Response(404, json={"detail": "unknown ISBN"})


def fake_reviews_client() -> httpx2.AsyncClient:
    # MockTransport hands each request to `answer` instead of the network.
    return httpx2.AsyncClient(transport=httpx2.MockTransport(answer), base_url=REVIEWS_URL)


# In a test:
#     app.dependency_overrides[get_reviews_client] = fake_reviews_client
# --8<-- [end:fake]
