"""The Phase 4 lesson's samples do what the lesson says they do."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from page_fragments import fragments_without_imports
from pydantic import BaseModel, field_validator
from starlette.exceptions import StarletteDeprecationWarning

from docs_src.phase_04 import (
    catch_all_middleware,
    disguised_error,
    domain_errors,
    error_shape,
    safe_validation,
    server_errors,
    status_codes,
)


def test_creation_answers_201_and_deletion_204_with_no_body() -> None:
    client = TestClient(status_codes.app)
    created = client.post("/shelves", json={"label": "Science fiction"})
    assert created.status_code == 201
    shelf_id = created.json()["id"]
    deleted = client.delete(f"/shelves/{shelf_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    again = client.delete(f"/shelves/{shelf_id}")
    assert again.status_code == 404
    assert again.json() == {"detail": "No such shelf"}


def test_a_201_says_where_the_new_resource_lives() -> None:
    client = TestClient(status_codes.app)
    created = client.post("/shelves", json={"label": "Poetry"})
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location == f"http://testserver/shelves/{created.json()['id']}"
    assert client.get(location).json() == created.json()


def test_declared_status_codes_reach_the_schema() -> None:
    paths = TestClient(status_codes.app).get("/openapi.json").json()["paths"]
    assert "201" in paths["/shelves"]["post"]["responses"]
    assert "200" not in paths["/shelves"]["post"]["responses"]
    assert "204" in paths["/shelves/{shelf_id}"]["delete"]["responses"]


def test_a_204_route_cannot_declare_a_body() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="204 must not have a response body"):

        @app.delete("/things/{thing_id}", status_code=204)
        def delete_thing(thing_id: int) -> dict[str, int]:
            return {"deleted": thing_id}


def test_the_old_422_name_still_works_but_warns() -> None:
    assert status.HTTP_422_UNPROCESSABLE_CONTENT == 422
    with pytest.warns(StarletteDeprecationWarning, match="HTTP_422_UNPROCESSABLE_CONTENT"):
        assert status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    # A UserWarning, not a DeprecationWarning: Python shows it by default.
    assert issubclass(StarletteDeprecationWarning, UserWarning)
    assert not issubclass(StarletteDeprecationWarning, DeprecationWarning)


def test_domain_errors_are_mapped_once_to_404_and_409() -> None:
    domain_errors.members.clear()
    client = TestClient(domain_errors.app)
    assert client.post("/members", json={"name": "Octavia"}).status_code == 201
    assert client.get("/members/octavia").json() == {"name": "Octavia"}
    duplicate = client.post("/members", json={"name": "OCTAVIA"})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "'OCTAVIA' is already a member"}
    missing = client.get("/members/ursula")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No member called 'ursula'"}


def test_documented_error_responses_reach_the_schema() -> None:
    paths = TestClient(domain_errors.app).get("/openapi.json").json()["paths"]
    assert set(paths["/members"]["post"]["responses"]) == {"201", "409", "422"}
    assert paths["/members/{name}"]["get"]["responses"]["404"]["description"] == "No such member"


def test_the_service_layer_knows_nothing_about_http() -> None:
    domain_errors.members.clear()
    domain_errors.join(domain_errors.Member(name="Octavia"))
    with pytest.raises(domain_errors.Conflict):
        domain_errors.join(domain_errors.Member(name="octavia"))
    with pytest.raises(domain_errors.NotFound):
        domain_errors.find("nobody")


def test_an_unmapped_domain_error_falls_back_to_400() -> None:
    class Refused(domain_errors.DomainError):
        pass

    app = FastAPI()
    app.add_exception_handler(domain_errors.DomainError, domain_errors.domain_error)

    @app.get("/refuse")
    def refuse() -> None:
        raise Refused("not today")

    response = TestClient(app).get("/refuse")
    assert response.status_code == 400
    assert response.json() == {"detail": "not today"}


def test_a_handler_without_a_status_code_disguises_errors_as_200() -> None:
    response = TestClient(disguised_error.app).get("/members/nobody")
    assert response.status_code == 200
    assert response.json() == {"detail": "not found"}


SIGN_UP = {"username": "octavia", "email": "not-an-email", "password": "hunter2"}


def test_the_default_422_repeats_the_password() -> None:
    app = FastAPI()

    @app.post("/signup")
    def sign_up(data: safe_validation.SignUp) -> dict[str, str]:
        return {"username": data.username}

    response = TestClient(app).post("/signup", json=SIGN_UP)
    assert response.status_code == 422
    assert "hunter2" in response.text
    assert any(error.get("input") == "hunter2" for error in response.json()["detail"])


def test_the_safe_422_names_fields_but_repeats_nothing() -> None:
    client = TestClient(safe_validation.app)
    response = client.post("/signup", json=SIGN_UP)
    assert response.status_code == 422
    assert "hunter2" not in response.text
    assert "not-an-email" not in response.text
    errors = response.json()["detail"]
    assert {tuple(error["loc"]) for error in errors} == {("body", "email"), ("body", "password")}
    assert all(
        set(error) in ({"type", "loc", "msg"}, {"type", "loc", "msg", "ctx"}) for error in errors
    )
    [too_short] = [error for error in errors if error["loc"] == ["body", "password"]]
    assert too_short["ctx"] == {"min_length": 8}  # the rule's parameters stay
    # A missing field makes the whole body the `input`: still nothing repeated.
    missing = client.post("/signup", json={"username": "octavia", "password": "long-secret-1"})
    assert missing.status_code == 422
    assert "long-secret-1" not in missing.text


SECRET = "kindred-1979-secret"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ({"username": "oc", "email": "octavia@example.com", "password": SECRET}, None),
        ({"username": "octavia", "password": SECRET}, None),
        ({"username": "octavia", "email": SECRET, "password": SECRET}, None),
        ({"username": SECRET, "email": "octavia@example.com", "password": " " * 12}, None),
        (f'{{"username": "octavia", "password": "{SECRET}"}}', "text/plain"),
        (f'{{"username": "octavia", "password": "{SECRET}", ', "application/json"),
    ],
)
def test_a_secret_sent_in_the_body_appears_nowhere_in_the_422(
    content: Any, content_type: str | None
) -> None:
    client = TestClient(safe_validation.app)
    if content_type is None:
        response = client.post("/signup", json=content)
    else:
        response = client.post("/signup", content=content, headers={"content-type": content_type})
    assert response.status_code == 422
    assert SECRET not in response.text
    for error in response.json()["detail"]:
        assert "input" not in error and {"type", "loc", "msg"} <= set(error)


class QuotingSignUp(BaseModel):
    password: str

    @field_validator("password")
    @classmethod
    def no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError(f"{value!r} contains a space")  # the mistake: quotes the value
        return value


def test_a_message_that_quotes_the_value_defeats_the_handler() -> None:
    # Why the rule is about validators: msg, and ctx's error, carry the validator's words.
    app = FastAPI()
    app.add_exception_handler(
        safe_validation.RequestValidationError, safe_validation.validation_error
    )

    @app.post("/signup")
    def sign_up(data: QuotingSignUp) -> dict[str, str]:
        return {}

    response = TestClient(app).post("/signup", json={"password": "my secret"})
    [error] = response.json()["detail"]
    assert "my secret" in error["msg"]
    assert "my secret" in error["ctx"]["error"]


def test_one_handler_on_starlettes_class_covers_the_routers_errors_too() -> None:
    client = TestClient(error_shape.app)
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found", "status": 404}
    wrong_method = client.get("/reports")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"detail": "Method Not Allowed", "status": 405}
    assert wrong_method.headers["Allow"] == "POST"
    limited = client.post("/reports")
    assert limited.status_code == 429
    assert limited.json()["status"] == 429
    assert limited.headers["Retry-After"] == "3600"


def test_a_handler_on_fastapis_class_misses_the_routers_errors() -> None:
    app = FastAPI()
    app.add_exception_handler(HTTPException, error_shape.http_error)

    @app.get("/gone")
    def gone() -> None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Gone")

    client = TestClient(app)
    assert client.get("/gone").json() == {"detail": "Gone", "status": 404}
    assert client.get("/nope").json() == {"detail": "Not Found"}  # the handler never ran
    assert client.post("/gone").json() == {"detail": "Method Not Allowed"}


def test_a_declared_oversized_body_gets_starlettes_plain_413() -> None:
    app = FastAPI(max_body_size=16)
    app.add_exception_handler(error_shape.StarletteHTTPException, error_shape.http_error)

    @app.post("/notes")
    def add_note(note: dict[str, str]) -> dict[str, str]:
        return note

    response = TestClient(app).post("/notes", json={"text": "x" * 100})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/plain")


def test_only_pytest_can_name_the_warning_classes() -> None:
    script = "from starlette import status; status.HTTP_422_UNPROCESSABLE_ENTITY"
    named = "error::starlette.exceptions.StarletteDeprecationWarning"
    ignored = subprocess.run(
        [sys.executable, "-W", named, "-c", script], capture_output=True, text=True, check=False
    )
    assert ignored.returncode == 0
    assert "Invalid -W option ignored" in ignored.stderr
    caught = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert caught.returncode == 1
    assert "StarletteDeprecationWarning" in caught.stderr


def test_every_fragment_on_the_page_shows_its_imports() -> None:
    assert fragments_without_imports("04-status-codes-and-errors.md") == []


def test_a_valid_sign_up_still_succeeds() -> None:
    client = TestClient(safe_validation.app)
    body = {"username": "octavia", "email": "octavia@example.com", "password": "kindred-1979"}
    response = client.post("/signup", json=body)
    assert response.status_code == 201
    assert response.json() == {"username": "octavia"}


def test_a_500_is_generic_for_the_client_and_detailed_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(server_errors.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="shelfapi"):
        response = client.get("/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert "ZeroDivisionError" not in response.text
    assert "division by zero" not in response.text
    [record] = [r for r in caplog.records if r.name == "shelfapi"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ZeroDivisionError)
    assert "GET /broken" in record.getMessage()


def test_the_exception_is_still_raised_to_the_server() -> None:
    # ServerErrorMiddleware re-raises after the handler answers: servers log it, and a
    # default TestClient raises it into the test.
    with pytest.raises(ZeroDivisionError):
        TestClient(server_errors.app).get("/broken")


def test_the_500_handler_runs_outside_user_middleware() -> None:
    client = TestClient(server_errors.app, raise_server_exceptions=False)
    assert client.get("/ok").headers["X-Served-By"] == "shelfapi"
    assert "X-Served-By" not in client.get("/broken").headers


def test_a_catch_all_middleware_answers_inside_the_other_middleware(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The default client: nothing is raised into the test, because the middleware swallowed
    # the exception instead of letting ServerErrorMiddleware re-raise it.
    client = TestClient(catch_all_middleware.app)
    with caplog.at_level(logging.ERROR, logger="shelfapi"):
        response = client.get("/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["X-Served-By"] == "shelfapi"
    [record] = [r for r in caplog.records if r.name == "shelfapi"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ZeroDivisionError)


def test_logger_exception_in_a_def_handler_loses_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A plain `def` handler runs in a worker thread, where no exception is being handled.
    app = FastAPI()
    logger = logging.getLogger("shelfapi.sync")

    def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("lost")
        logger.error("kept", exc_info=exc)
        return JSONResponse({"detail": "Internal server error"}, status_code=500)

    app.add_exception_handler(Exception, unexpected)
    app.add_api_route("/broken", server_errors.broken)
    with caplog.at_level(logging.ERROR, logger="shelfapi.sync"):
        TestClient(app, raise_server_exceptions=False).get("/broken")
    by_message = {r.getMessage(): r for r in caplog.records if r.name == "shelfapi.sync"}
    assert by_message["lost"].exc_info == (None, None, None)
    assert isinstance(by_message["kept"].exc_info[1], ZeroDivisionError)


def test_debug_mode_answers_with_the_traceback_instead_of_the_handler() -> None:
    app = FastAPI(debug=True)
    app.add_exception_handler(Exception, server_errors.unexpected_error)
    app.add_api_route("/broken", server_errors.broken)
    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    assert "ZeroDivisionError" in response.text
    html = TestClient(app, raise_server_exceptions=False).get(
        "/broken", headers={"Accept": "text/html"}
    )
    assert html.headers["content-type"].startswith("text/html")
