"""The Phase 5 lesson's samples do what the lesson says they do.

No `from __future__ import annotations`: the routes defined inside tests need real annotations.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import DependencyScopeError, FastAPIError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from page_fragments import fragments_without_imports
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from docs_src.phase_05 import (
    aliases,
    app_state,
    before_validation,
    caching,
    overrides,
    scopes,
    settings,
    swallowed,
    valid_id,
    yield_session,
)

SECRET = "lesson-test-secret-value"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A clean BOOKAPI_ environment, no stray .env file, and an empty settings cache."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("BOOKAPI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKAPI_SECRET_KEY", SECRET)
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


# aliases.py ---------------------------------------------------------------------------------


def test_an_alias_brings_its_parameters_to_every_route() -> None:
    client = TestClient(aliases.app)
    assert client.get("/books").json() == {"limit": 10, "offset": 0}
    assert client.get("/books?limit=5&offset=10").json() == {"limit": 5, "offset": 10}
    rejected = client.get("/books?limit=500")
    assert rejected.status_code == 422
    assert rejected.json()["detail"][0]["loc"] == ["query", "limit"]
    # The dependency's parameters are documented on each route that uses it.
    schema = client.get("/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/me/books"]["get"]["parameters"]}
    assert names == {"x-user", "limit", "offset"}


def test_the_current_user_stand_in_reads_a_header() -> None:
    client = TestClient(aliases.app)
    anonymous = client.get("/me/books")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    answer = client.get("/me/books?limit=3", headers={"X-User": "ada"})
    assert answer.json() == {"user": "ada", "limit": 3, "offset": 0}


# settings.py --------------------------------------------------------------------------------


@pytest.mark.usefixtures("environment")
def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "3")
    client = TestClient(settings.app)
    assert client.get("/titles?limit=10").json() == ["Book 1", "Book 2", "Book 3"]
    assert client.get("/about").json() == {"app_name": "Book API", "max_page_size": 3}


@pytest.mark.usefixtures("environment")
def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first = settings.get_settings()
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "3")
    assert settings.get_settings() is first
    assert settings.get_settings().max_page_size == 100
    settings.get_settings.cache_clear()
    assert settings.get_settings().max_page_size == 3


@pytest.mark.usefixtures("environment")
def test_a_dotenv_file_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text(
        "BOOKAPI_APP_NAME=From dotenv\nBOOKAPI_MAX_PAGE_SIZE=7\nPOSTGRES_PASSWORD=for-compose\n"
    )
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "9")
    loaded = settings.Settings()  # type: ignore[call-arg]
    assert (loaded.app_name, loaded.max_page_size) == ("From dotenv", 9)


@pytest.mark.usefixtures("environment")
def test_without_extra_ignore_another_line_in_dotenv_is_an_error() -> None:
    # The lesson's reason for extra="ignore": pydantic-settings forbids extras by default.
    Path(".env").write_text("POSTGRES_PASSWORD=for-compose\n")

    class Strict(settings.Settings):
        model_config = SettingsConfigDict(extra="forbid")

    assert BaseSettings.model_config.get("extra") == "forbid"  # pydantic-settings' default
    assert settings.Settings.model_config.get("extra") == "ignore"
    with pytest.raises(ValidationError) as error:
        Strict()  # type: ignore[call-arg]
    assert error.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.usefixtures("environment")
def test_without_the_secret_the_settings_refuse_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOKAPI_SECRET_KEY")
    with pytest.raises(ValidationError) as error:
        settings.get_settings()
    assert error.value.errors()[0]["loc"] == ("secret_key",)


@pytest.mark.usefixtures("environment")
def test_the_secret_stays_out_of_sight(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = settings.get_settings()
    assert loaded.secret_key.get_secret_value() == SECRET
    for shown in (repr(loaded), str(loaded), loaded.model_dump_json()):
        assert SECRET not in shown
    client = TestClient(settings.app)
    for path in ("/about", "/titles", "/openapi.json"):
        assert SECRET not in client.get(path).text
    # hide_input_in_errors: a rejected value is not repeated in the error message.
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "not-a-number-12345")
    with pytest.raises(ValidationError) as error:
        settings.Settings()  # type: ignore[call-arg]
    assert "not-a-number-12345" not in str(error.value)
    # ...in the text only: the structured errors still carry the value.
    assert error.value.errors()[0]["input"] == "not-a-number-12345"
    assert "not-a-number-12345" in error.value.json()


# caching.py ---------------------------------------------------------------------------------


def test_a_shared_dependency_runs_once_per_request() -> None:
    client = TestClient(caching.app)
    first, second = client.get("/shared").json(), client.get("/shared").json()
    assert first["user_loaded_with"] == first["route_got"]
    assert second["route_got"] != first["route_got"]  # a new value for each request


def test_use_cache_false_runs_it_again() -> None:
    body = TestClient(caching.app).get("/fresh").json()
    assert body["user_loaded_with"] != body["route_got"]


def test_the_scope_is_part_of_the_cache_key() -> None:
    # The lesson's warning: Depends(dep) and Depends(dep, scope="function") are two entries.
    calls: list[object] = []

    def counted() -> Iterator[object]:
        calls.append(object())
        yield calls[-1]

    app = FastAPI()

    @app.get("/mixed")
    def mixed(
        a: Annotated[object, Depends(counted)],
        b: Annotated[object, Depends(counted, scope="function")],
    ) -> dict[str, bool]:
        return {"same": a is b}

    assert TestClient(app).get("/mixed").json() == {"same": False}
    assert len(calls) == 2


def test_a_request_scoped_dependency_cannot_use_a_function_scoped_one() -> None:
    def inner() -> Iterator[int]:
        yield 1

    def outer(value: Annotated[int, Depends(inner, scope="function")]) -> Iterator[int]:
        yield value

    app = FastAPI()
    with pytest.raises(DependencyScopeError):

        @app.get("/")
        def route(value: Annotated[int, Depends(outer)]) -> int:
            return value


# yield_session.py and swallowed.py ----------------------------------------------------------


def test_the_session_commits_and_closes_on_success() -> None:
    with TestClient(yield_session.app) as client:
        assert client.post("/orders").json() == {"status": "placed"}
        assert yield_session.app.state.journal == ["open", "commit", "close"]


def test_the_session_rolls_back_closes_and_re_raises_on_error() -> None:
    with TestClient(yield_session.app) as client:
        answer = client.post("/orders/sold-out")
        assert answer.status_code == 409
        assert answer.json() == {"detail": "That book is sold out"}
        assert yield_session.app.state.journal == ["open", "rollback", "close"]


def test_a_swallowed_exception_becomes_a_500() -> None:
    with TestClient(swallowed.app, raise_server_exceptions=False) as client:
        answer = client.post("/orders/sold-out")
        assert answer.status_code == 500  # not the 409 the exception handler would give
        assert swallowed.app.state.journal == ["open", "rollback", "close"]
    with TestClient(swallowed.app) as client, pytest.raises(FastAPIError, match="not awaited"):
        client.post("/orders/sold-out")


# scopes.py ----------------------------------------------------------------------------------


def test_the_default_scope_cleans_up_after_the_response() -> None:
    client = TestClient(scopes.app, raise_server_exceptions=False)
    # The failing commit runs after the response went out: the client heard "saved".
    assert client.post("/default-scope").json() == {"status": "saved"}
    with pytest.raises(scopes.CommitFailed):
        TestClient(scopes.app).post("/default-scope")


def test_the_function_scope_cleans_up_before_the_response() -> None:
    client = TestClient(scopes.app, raise_server_exceptions=False)
    assert client.post("/function-scope").status_code == 500


def test_function_scope_cleanup_runs_first() -> None:
    events: list[str] = []

    def request_scoped() -> Iterator[None]:
        yield
        events.append("request-scoped cleanup")

    def function_scoped() -> Iterator[None]:
        yield
        events.append("function-scoped cleanup")

    app = FastAPI()

    @app.get("/")
    def route(
        _a: Annotated[None, Depends(request_scoped)],
        _b: Annotated[None, Depends(function_scoped, scope="function")],
    ) -> None:
        events.append("handler")

    TestClient(app).get("/")
    assert events == ["handler", "function-scoped cleanup", "request-scoped cleanup"]


class Refused(Exception):
    """A domain error for the test below."""


@pytest.mark.parametrize("scope", ["request", "function"])
def test_on_an_exception_cleanup_runs_before_the_error_response(
    scope: Literal["request", "function"],
) -> None:
    events: list[str] = []

    def dependency() -> Iterator[None]:
        try:
            yield
        except Refused:
            events.append("except")
            raise
        finally:
            events.append("finally")

    app = FastAPI()

    @app.exception_handler(Refused)
    async def refused(_request: Request, _exc: Refused) -> JSONResponse:
        events.append("exception handler")
        return JSONResponse({"detail": "refused"}, status_code=409)

    @app.get("/")
    def route(_d: Annotated[None, Depends(dependency, scope=scope)]) -> None:
        raise Refused

    assert TestClient(app).get("/").status_code == 409
    assert events == ["except", "finally", "exception handler"]


# app_state.py -------------------------------------------------------------------------------


def test_each_start_gets_a_fresh_store() -> None:
    with TestClient(app_state.app) as client:
        assert client.post("/titles/Kindred").status_code == 201
        assert client.get("/titles").json() == ["Kindred"]
        first = app_state.app.state.store
    with TestClient(app_state.app) as client:
        assert client.get("/titles").json() == []
        assert app_state.app.state.store is not first


def test_each_request_gets_its_own_session_and_a_failure_commits_nothing() -> None:
    seen: list[app_state.Session] = []

    def boom(session: app_state.SessionDep) -> None:
        seen.append(session)
        session.add("Never stored")
        raise RuntimeError("the handler failed")

    def ok(session: app_state.SessionDep) -> None:
        seen.append(session)

    app = FastAPI(lifespan=app_state.lifespan)
    app.add_api_route("/boom", boom, methods=["POST"])
    app.add_api_route("/ok", ok, methods=["POST"])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/ok").status_code == 200
        assert client.post("/boom").status_code == 500
        assert app.state.store.titles == []
    assert seen[0] is not seen[1]


# valid_id.py --------------------------------------------------------------------------------


def test_valid_book_id_hands_over_the_book_or_answers_404() -> None:
    with TestClient(valid_id.app) as client:
        assert client.get("/books/1").json() == {"id": 1, "title": "Kindred"}
        assert client.get("/books/9").status_code == 404
        assert client.get("/books/9").json() == {"detail": "Book 9 not found"}
        assert client.get("/books/0").status_code == 422
        assert client.delete("/books/2").status_code == 204
        assert client.delete("/books/2").status_code == 404


# overrides.py -------------------------------------------------------------------------------


@pytest.mark.usefixtures("environment")
def test_the_override_samples_pass_and_clean_up() -> None:
    overrides.test_titles_obey_a_small_page_size()
    overrides.test_an_order_commits_its_session()
    assert not settings.app.dependency_overrides
    assert not yield_session.app.dependency_overrides


# before_validation.py -----------------------------------------------------------------------


def test_dependencies_run_before_validation_so_a_422_skips_cleanup_without_finally() -> None:
    client = TestClient(before_validation.app)
    before_validation.journal.clear()
    assert client.get("/leaky/3").json() == {"count": 3}
    assert before_validation.journal == ["open", "close"]
    before_validation.journal.clear()
    assert client.get("/leaky/abc").status_code == 422
    assert before_validation.journal == ["open"]  # opened, never closed
    before_validation.journal.clear()
    assert client.get("/safe/abc").status_code == 422
    assert before_validation.journal == ["open", "close"]


# def or async def dependencies ---------------------------------------------------------------


def test_a_dependency_runs_where_its_own_kind_says_whatever_the_route() -> None:
    threads: dict[str, int] = {}

    def sync_dependency() -> None:
        threads["sync dependency"] = threading.get_ident()

    async def async_dependency() -> None:
        threads["async dependency"] = threading.get_ident()

    app = FastAPI()

    @app.get("/async-route")
    async def async_route(
        _a: Annotated[None, Depends(sync_dependency)],
        _b: Annotated[None, Depends(async_dependency)],
    ) -> None:
        threads["async route (the loop)"] = threading.get_ident()

    assert TestClient(app).get("/async-route").status_code == 200
    loop = threads["async route (the loop)"]
    assert threads["async dependency"] == loop
    assert threads["sync dependency"] != loop  # the thread pool, although the route is async


# lifespan, not on_event -----------------------------------------------------------------------


def test_on_event_still_works_but_is_deprecated() -> None:
    app = FastAPI()
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

        @app.on_event("startup")
        def start() -> None:
            pass


def test_every_fragment_on_the_page_shows_its_imports() -> None:
    assert fragments_without_imports("05-dependency-injection.md") == []
