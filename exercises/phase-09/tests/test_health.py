"""A first test: it needs the `client` fixture of TODO 10.

TODO 13: in `tests/test_books.py`, test the books as a client sees them, status codes included:
POST /api/v1/books with a token answers 201 (assert the status, not only the body), and without
one 401; a book you created can be read back; another user may not change it (403).
TODO 14: an async test (`@pytest.mark.anyio`) that talks to the app through `async_client`.
TODO 15: a test that replaces a dependency with `app.dependency_overrides` (for instance
`get_settings` with `max_page_size=2`, then GET /api/v1/books?limit=10 answers two books).
"""

from fastapi.testclient import TestClient


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
