"""Phase 1 — Hello, FastAPI. One test per check in course.toml, in the same order."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.kit import describe_response, expect, expect_status, json_body, load_app


def test_import_starts_nothing() -> None:
    # load_app fails the check if the import starts a server, raises, or defines no app.
    app = load_app()
    expect(
        isinstance(app, FastAPI),
        expected="`app` to be a FastAPI application",
        seen=f"a {type(app).__name__}",
    )


def test_health_route(client: TestClient) -> None:
    response = client.get("/health")
    expect_status(response, 200, "GET /health")
    body = json_body(response, "the health answer")
    expect(
        body == {"status": "ok"},
        expected='the body {"status": "ok"}',
        seen=f"the body {body!r}",
    )


def test_books_empty_list(client: TestClient) -> None:
    response = client.get("/books")
    expect_status(response, 200, "GET /books")
    body = json_body(response, "the book list")
    expect(body == [], expected="an empty JSON list, []", seen=f"{body!r}")


def test_schema_lists_routes(client: TestClient) -> None:
    response = client.get("/openapi.json")
    expect_status(response, 200, "GET /openapi.json (the OpenAPI schema)")
    paths = json_body(response, "the OpenAPI schema").get("paths", {})
    missing = [p for p in ("/health", "/books") if "get" not in paths.get(p, {})]
    expect(
        not missing,
        expected="GET /health and GET /books in the schema's paths",
        seen=f"the schema lacks GET {' and GET '.join(missing)}; "
        f"it lists {sorted(paths) or 'no paths'}",
    )


def test_docs_page(client: TestClient) -> None:
    response = client.get("/docs")
    expect(
        response.status_code == 200 and "text/html" in response.headers.get("content-type", ""),
        expected="an HTML page at /docs",
        seen=describe_response(response),
    )
    expect(
        "openapi.json" in response.text,
        expected="the docs page to load the app's /openapi.json",
        seen="a page that does not mention openapi.json",
    )


def test_unknown_path_json_404(client: TestClient) -> None:
    for path in ("/no-such-page", "/books/shelf/17/missing"):
        response = client.get(path)
        expect_status(response, 404, f"GET {path} (a path the app does not define)")
        body = json_body(response, f"the 404 for {path}")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='a JSON error body of the form {"detail": ...}',
            seen=f"the body {body!r}",
        )
