"""The trap: one app for the whole module, and an override that nobody clears. Each test passes
on its own; run both, in this order, and the second fails."""

from fastapi.testclient import TestClient

from docs_src.phase_09.factory import Settings, create_app, get_settings

# --8<-- [start:leak]
SETTINGS = Settings(api_key="test-key", database_url="sqlite:///leaky.db")
app = create_app(SETTINGS)  # built once, at import, and shared by every test below


def test_one_book_per_page() -> None:
    app.dependency_overrides[get_settings] = lambda: SETTINGS.model_copy(update={"page_size": 1})
    with TestClient(app) as client:
        assert len(client.get("/api/v1/books").json()) <= 1
    # ...and the override stays on `app` after this test


def test_two_books_listed() -> None:
    with TestClient(app) as client:
        for title in ("Dune", "Kindred"):
            client.post("/api/v1/books", json={"title": title}, headers={"X-API-Key": "test-key"})
        assert len(client.get("/api/v1/books").json()) == 2  # 1, after the test above


# --8<-- [end:leak]
