"""Phase 1 — Hello, FastAPI. One test per check in course.toml, in the same order.

Each failing step carries its own hint (and section, where it differs from the check's): a
learner who gets the route right but the body wrong reads about the body, not about routes.
"""

from __future__ import annotations

from fastapi import FastAPI

from grader.kit import (
    GradingClient,
    describe_response,
    expect,
    expect_status,
    json_body,
    load_app,
)

ROUTE_HINT = (
    'Declare the route with `@app.get("{path}")` on a function at module level in '
    "`bookapi/main.py`; the path must match exactly (no trailing slash)."
)
JSON_HINT = (
    "Return a plain Python value (a dict or a list) from the path operation: FastAPI turns it "
    "into a JSON response. A string, or a PlainTextResponse, reaches the client as text."
)


def test_import_starts_nothing() -> None:
    # load_app fails the check (with a shared cause) if the import starts a server, a process,
    # binds a port, raises, or defines no app.
    app = load_app()
    expect(
        isinstance(app, FastAPI),
        expected="`app` to be a FastAPI application",
        seen=f"a {type(app).__name__}",
    )


def test_health_route(client: GradingClient) -> None:
    response = client.get("/health")
    expect_status(response, 200, "GET /health", hint=ROUTE_HINT.format(path="/health"))
    body = json_body(response, "the health answer")
    expect(
        body == {"status": "ok"},
        expected='the body {"status": "ok"}',
        seen=f"the body {body!r}",
        hint='Return exactly `{"status": "ok"}`: one key, `status`, with the string `ok`. '
        "Monitoring tools compare this body, so its shape is part of the contract.",
    )


def test_books_empty_list(client: GradingClient) -> None:
    response = client.get("/books")
    expect_status(response, 200, "GET /books", hint=ROUTE_HINT.format(path="/books"))
    body = json_body(response, "the book list")
    expect(
        body == [],
        expected="an empty JSON list, []",
        seen=f"{body!r}",
        hint="Return an empty list, `[]`, not a dict that holds one and not `None` (which "
        "becomes `null`): later phases fill this list from a store.",
    )


def test_schema_lists_routes(client: GradingClient) -> None:
    response = client.get("/openapi.json")
    expect_status(
        response,
        200,
        "GET /openapi.json (the OpenAPI schema)",
        hint="Keep FastAPI's default `openapi_url`: the schema (and the docs built on it) must "
        "be served in this phase. Phase 10 shows how to hide it in production.",
    )
    paths = json_body(response, "the OpenAPI schema").get("paths", {})
    missing = [p for p in ("/health", "/books") if "get" not in paths.get(p, {})]
    expect(
        not missing,
        expected="GET /health and GET /books in the schema's paths",
        seen=f"the schema lacks GET {' and GET '.join(missing)}; "
        f"it lists {sorted(paths) or 'no paths'}",
    )


def test_docs_page(client: GradingClient) -> None:
    response = client.get("/docs")
    expect(
        response.status_code == 200 and "text/html" in response.headers.get("content-type", ""),
        expected="an HTML page at /docs",
        seen=f"status {response.status_code}, content-type "
        f"{response.headers.get('content-type', 'missing')}",
    )
    expect(
        "openapi.json" in response.text,
        expected="the docs page to load the app's /openapi.json",
        seen="a page that does not mention openapi.json",
        hint="Let FastAPI serve its own docs page: a route of yours at /docs, or `openapi_url` "
        "set to something else, leaves the page without the schema it draws.",
    )


def test_unknown_path_json_404(client: GradingClient) -> None:
    for path in ("/no-such-page", "/books/shelf/17/missing"):
        response = client.get(path)
        expect_status(response, 404, f"GET {path} (a path the app does not define)")
        body = json_body(response, f"the 404 for {path}")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='a JSON error body of the form {"detail": ...}',
            seen=f"the body {body!r}",
            hint='Keep FastAPI\'s own 404 body, `{"detail": "Not Found"}`; a handler of yours '
            'for 404 must answer with the same `{"detail": ...}` shape.',
        )
    # Another method on a path nobody declared is just as unknown: a catch-all GET route that
    # answers 404 itself still turns it into a 405 ("that path exists, not for POST").
    response = client.post("/no-such-page")
    expect(
        response.status_code == 404,
        expected="POST /no-such-page (a path the app does not define) to answer 404",
        seen=describe_response(response),
        hint="A route whose whole path is a parameter matches every path, so any method it "
        "does not declare answers 405 there instead of 404: remove the catch-all route and let "
        "FastAPI answer the paths you did not declare.",
    )
