"""Tests that swap a dependency for another: the payoff of asking instead of importing."""

# --8<-- [start:imports]
from collections.abc import Iterator

from fastapi.testclient import TestClient
from pydantic import SecretStr

from docs_src.phase_05 import settings, yield_session

# --8<-- [end:imports]


# --8<-- [start:settings]
def test_titles_obey_a_small_page_size() -> None:
    def small_pages() -> settings.Settings:
        return settings.Settings(max_page_size=2, secret_key=SecretStr("test-only-not-a-secret"))

    settings.app.dependency_overrides[settings.get_settings] = small_pages
    try:
        with TestClient(settings.app) as client:
            assert client.get("/titles?limit=10").json() == ["Book 1", "Book 2"]
    finally:
        settings.app.dependency_overrides.clear()  # the next test gets the real settings


# --8<-- [end:settings]


# --8<-- [start:session]
def test_an_order_commits_its_session() -> None:
    journal: list[str] = []

    def session_for_test() -> Iterator[yield_session.Session]:
        session = yield_session.Session(journal)
        yield session
        session.commit()

    app = yield_session.app
    app.dependency_overrides[yield_session.get_session] = session_for_test
    try:
        with TestClient(app) as client:
            assert client.post("/orders").status_code == 200
        assert journal == ["open", "commit"]
    finally:
        app.dependency_overrides.clear()


# --8<-- [end:session]
