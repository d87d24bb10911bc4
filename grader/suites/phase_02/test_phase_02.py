"""Phase 2 — Requests from type hints. One test per check in course.toml, in the same order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.kit import CheckFailed, describe_response, expect, json_body

# A valid book, as a client sends it. Each check changes one field at a time.
VALID: dict[str, Any] = {
    "title": "The Left Hand of Darkness",
    "author": "Ursula K. Le Guin",
    "year": 1969,
    "isbn": "9780441478125",
}
# Creation answers 200 in this phase; 201 (Phase 4's lesson) is accepted too.
CREATED = (200, 201)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Like the shared fixture, but a crash in the learner's code is seen as a 500 answer."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# --- helpers -------------------------------------------------------------------------------


def create_book(client: TestClient, **changes: Any) -> dict[str, Any]:
    """POST a valid book (with `changes`) and return the stored book, or fail kindly."""
    sent = {**VALID, **changes}
    response = client.post("/books", json=sent)
    expect(
        response.status_code in CREATED,
        expected="POST /books with a valid book to store it and answer 200",
        seen=describe_response(response),
    )
    book = json_body(response, "the stored book")
    expect(
        isinstance(book, dict) and type(book.get("id")) is int,
        expected="the stored book as a JSON object with an integer `id`",
        seen=f"the body {book!r}",
    )
    return book


def _short(body: object) -> str:
    text = repr(body)
    return text if len(text) <= 80 else text[:79] + "…"


def _field(loc: object) -> str:
    return ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else repr(loc)


def expect_422_naming(response: Any, where: str, field: str, request: str) -> None:
    """A 422 in FastAPI's standard shape whose errors include one located at `where`/`field`."""
    wanted = f"{where}.{field}"
    expect(
        response.status_code == 422,
        expected=f"{request} to answer 422 naming `{wanted}`",
        seen=describe_response(response),
    )
    body = json_body(response, f"the 422 for {request}")
    errors = body.get("detail") if isinstance(body, dict) else None
    expect(
        isinstance(errors, list) and errors,
        expected=f'the 422 for {request} to have the shape {{"detail": [errors...]}}',
        seen=f"the body {_short(body)}",
    )
    assert isinstance(errors, list)
    for error in errors:
        expect(
            isinstance(error, dict)
            and isinstance(error.get("loc"), list)
            and isinstance(error.get("msg"), str)
            and isinstance(error.get("type"), str),
            expected=f"each error in the 422 for {request} to carry `loc`, `msg` and `type`",
            seen=f"the error {_short(error)}",
        )
    locations = [error["loc"] for error in errors]
    expect(
        any(loc and loc[0] == where and field in loc[1:] for loc in locations),
        expected=f"the 422 for {request} to name `{wanted}` in an error's `loc`",
        seen=f"the locations {', '.join(_field(loc) for loc in locations)}",
    )


def _refuses_text(response: Any) -> bool:
    """A 422 because a query value arrived as text and a strict type would not convert it."""
    try:
        errors = response.json().get("detail") if response.status_code == 422 else None
    except ValueError:
        return False
    return isinstance(errors, list) and any(
        isinstance(error, dict)
        and isinstance(error.get("loc"), list)
        and error["loc"][:1] == ["query"]
        and str(error.get("type")).endswith("_type")
        for error in errors
    )


def list_books(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/books{query}")
    lax = " (query values arrive as text: keep them lax)" if _refuses_text(response) else ""
    expect(
        response.status_code == 200,
        expected=f"GET /books{query} to answer 200{lax}",
        seen=describe_response(response),
    )
    books = json_body(response, f"the list from GET /books{query}")
    expect(
        isinstance(books, list) and all(isinstance(book, dict) for book in books),
        expected=f"GET /books{query} to answer a JSON list of books",
        seen=f"the body {_short(books)}",
    )
    return books


def _schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    expect(
        response.status_code == 200,
        expected="the OpenAPI schema at /openapi.json",
        seen=describe_response(response),
    )
    schema = json_body(response, "the OpenAPI schema")
    expect(isinstance(schema, dict), expected="the schema as a JSON object", seen=_short(schema))
    return schema


def _resolve(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    """Follow `$ref`s, and step into the non-null branch of an optional field."""
    for _ in range(10):
        if not isinstance(node, dict):
            return {}
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            node = schema.get("components", {}).get("schemas", {}).get(name, {})
        elif "anyOf" in node and "type" not in node:
            kept = [b for b in node["anyOf"] if b != {"type": "null"}]
            node = kept[0] if len(kept) == 1 else {}
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node
    return {}


def _lowest(node: dict[str, Any]) -> float | None:
    if "minimum" in node:
        return node["minimum"]
    if "exclusiveMinimum" in node:
        return node["exclusiveMinimum"] + 1  # integers only
    return None


def _highest(node: dict[str, Any]) -> float | None:
    if "maximum" in node:
        return node["maximum"]
    if "exclusiveMaximum" in node:
        return node["exclusiveMaximum"] - 1
    return None


def _number(value: float | None) -> str:
    # FastAPI's OpenAPI models write a body field's bounds as floats (1450.0): show 1450.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "none" if value is None else str(value)


def _bounds(node: dict[str, Any]) -> str:
    low, high = _lowest(node), _highest(node)
    if low is None and high is None:
        return "no bounds"
    return f"minimum {_number(low)}, maximum {_number(high)}"


def _parameter(schema: dict[str, Any], path: str, where: str, name: str) -> dict[str, Any]:
    operation = schema.get("paths", {}).get(path, {}).get("get", {})
    declared = [p for p in operation.get("parameters", []) if p.get("in") == where]
    for parameter in declared:
        if parameter.get("name") == name:
            return _resolve(schema, parameter.get("schema", {}))
    raise CheckFailed(
        expected=f"GET {path} to declare the {where} parameter `{name}` in the OpenAPI schema",
        seen=f"its {where} parameters are {[p.get('name') for p in declared] or 'none'}",
    )


def _book_path(schema: dict[str, Any]) -> str:
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/books/{") and path.count("/") == 2 and "get" in operations:
            return str(path)
    raise CheckFailed(
        expected="GET /books/{book_id} in the OpenAPI schema",
        seen=f"the schema's paths are {sorted(schema.get('paths', {})) or 'none'}",
    )


# --- checks --------------------------------------------------------------------------------


def test_create_and_fetch(client: TestClient) -> None:
    book = create_book(client)
    for key, value in VALID.items():
        expect(
            book.get(key) == value,
            expected=f"the stored book to keep `{key}` exactly as sent ({value!r})",
            seen=f"`{key}` is {book.get(key)!r}",
        )
    response = client.get(f"/books/{book['id']}")
    expect(
        response.status_code == 200,
        expected=f"GET /books/{book['id']} (the id POST /books answered) to answer 200",
        seen=describe_response(response),
    )
    fetched = json_body(response, f"the book from GET /books/{book['id']}")
    expect(
        fetched == book,
        expected=f"GET /books/{book['id']} to answer the same book POST /books answered",
        seen=f"{_short(fetched)} instead of {_short(book)}",
    )
    books = list_books(client)
    expect(
        book in books,
        expected="GET /books to list the book just created",
        seen=f"the list {_short(books)}",
    )


def test_missing_book_404(client: TestClient) -> None:
    _book_path(_schema(client))
    book = create_book(client)
    missing = book["id"] + 1000
    response = client.get(f"/books/{missing}")
    expect(
        response.status_code == 404,
        expected=f"GET /books/{missing} (no such book) to answer 404",
        seen=describe_response(response),
    )
    body = json_body(response, f"the 404 for /books/{missing}")
    expect(
        isinstance(body, dict) and "detail" in body,
        expected='a JSON error body of the form {"detail": ...}',
        seen=f"the body {_short(body)}",
    )


def test_bad_path_422(client: TestClient) -> None:
    for value in ("abc", "1.5", "0", "-3"):
        expect_422_naming(client.get(f"/books/{value}"), "path", "book_id", f"GET /books/{value}")


def test_query_bounds_422(client: TestClient) -> None:
    for query, field in (
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=ten", "limit"),
        ("?offset=-1", "offset"),
    ):
        expect_422_naming(client.get(f"/books{query}"), "query", field, f"GET /books{query}")
    for query in ("?limit=1", "?limit=100", "?limit=100&offset=0", "?offset=5"):
        list_books(client, query)


def test_body_422_names_field(client: TestClient) -> None:
    without_title = {key: value for key, value in VALID.items() if key != "title"}
    without_year = {key: value for key, value in VALID.items() if key != "year"}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("with no title", without_title, "title"),
        ("with no year", without_year, "year"),
        ('with title ""', {**VALID, "title": ""}, "title"),
        ("with a 201-character title", {**VALID, "title": "x" * 201}, "title"),
        ('with author ""', {**VALID, "author": ""}, "author"),
        ("with a 101-character author", {**VALID, "author": "y" * 101}, "author"),
        ("with year 1449", {**VALID, "year": 1449}, "year"),
        ("with year 2101", {**VALID, "year": 2101}, "year"),
        ('with isbn "12345"', {**VALID, "isbn": "12345"}, "isbn"),
        ('with isbn "978044147812X"', {**VALID, "isbn": "978044147812X"}, "isbn"),
        # 14 digits contain 13: only an anchored pattern (`^...$`) refuses them.
        ('with isbn "97804414781250" (14 digits)', {**VALID, "isbn": "97804414781250"}, "isbn"),
    ]
    for description, body, field in cases:
        response = client.post("/books", json=body)
        expect_422_naming(response, "body", field, f"POST /books {description}")
    # The bounds are inclusive: the edges themselves are valid.
    create_book(client, year=1450, title="x" * 200)
    create_book(client, year=2100, author="y" * 100, isbn=None)


def test_pagination(client: TestClient) -> None:
    for number in range(25):
        create_book(client, title=f"Book {number}", author="Author A" if number % 2 else "Author B")
    everything = list_books(client, "?limit=100")
    expect(
        len(everything) == 25,
        expected="GET /books?limit=100 to list all 25 books created",
        seen=f"{len(everything)} books",
    )
    first_page = list_books(client)
    expect(
        len(first_page) == 20,
        expected="GET /books with no parameters to answer 20 books (the default limit)",
        seen=f"{len(first_page)} books",
    )
    for query, start, stop in (("?limit=5&offset=3", 3, 8), ("?offset=22", 22, 25)):
        page = list_books(client, query)
        expect(
            page == everything[start:stop],
            expected=f"GET /books{query} to answer books {start + 1} to {stop} of the full list",
            seen=f"{len(page)} books: ids {[book.get('id') for book in page]}",
        )
    past_the_end = list_books(client, "?offset=100")
    expect(
        past_the_end == [],
        expected="GET /books?offset=100 (past the end) to answer []",
        seen=f"{len(past_the_end)} books",
    )
    by_a = list_books(client, "?author=Author%20A&limit=100")
    expect(
        len(by_a) == 12 and all(book.get("author") == "Author A" for book in by_a),
        expected="GET /books?author=Author A to answer only that author's 12 books",
        seen=f"{len(by_a)} books by {sorted({str(book.get('author')) for book in by_a})}",
    )


def test_strict_body_types(client: TestClient) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ('with year "1969" (a string)', {**VALID, "year": "1969"}, "year"),
        ("with isbn 9780441478125 (a number)", {**VALID, "isbn": 9780441478125}, "isbn"),
        ("with title 1984 (a number)", {**VALID, "title": 1984}, "title"),
    ]
    for description, body, field in cases:
        response = client.post("/books", json=body)
        expect_422_naming(response, "body", field, f"POST /books {description}")
    # Strict, not closed: the same book with proper JSON types is accepted.
    create_book(client)


def test_invalid_never_stored(client: TestClient) -> None:
    invalid: list[tuple[str, Any]] = [
        ("with year 3000", {**VALID, "year": 3000}),
        ('with title ""', {**VALID, "title": ""}),
        ("with title null", {**VALID, "title": None}),
        ("with a JSON list as the body", [VALID]),
        ("with an empty JSON object", {}),
    ]
    for description, body in invalid:
        response = client.post("/books", json=body)
        expect(
            not 200 <= response.status_code < 300,
            expected=f"POST /books {description} to be refused",
            seen=describe_response(response),
        )
    # Fields the model does not declare: refused, or dropped before the handler sees them.
    smuggled = {**VALID, "id": 4242, "price": 0}
    response = client.post("/books", json=smuggled)
    if response.status_code in CREATED:
        book = json_body(response, "the stored book")
        expect(
            isinstance(book, dict) and book.get("id") != 4242 and "price" not in book,
            expected='a body\'s undeclared "id" and "price" to be ignored or refused',
            seen=f"the stored book {_short(book)}",
        )
    else:
        expect(
            response.status_code == 422,
            expected='POST /books with undeclared "id" and "price" to be stored or answer 422',
            seen=describe_response(response),
        )
    create_book(client, title="A Wizard of Earthsea", year=1968)
    books = list_books(client, "?limit=100")
    allowed = {"id", *VALID}
    for book in books:
        expect(
            set(book) <= allowed and book.get("year") in range(1450, 2101),
            expected="only validated books in GET /books, with only the declared fields",
            seen=f"the stored book {_short(book)}",
        )
    expect(
        len(books) in (1, 2) and all(book.get("id") != 4242 for book in books),
        expected="GET /books to list only the valid books (1, or 2 if extra fields are ignored)",
        seen=f"{len(books)} books: ids {[book.get('id') for book in books]}",
    )


def _expect_bounds(what: str, node: dict[str, Any], low: int, high: int | None) -> None:
    wanted = f"minimum {low}" + ("" if high is None else f" and maximum {high}")
    expect(
        _lowest(node) == low and (high is None or _highest(node) == high),
        expected=f"the schema to give the {what} {wanted}",
        seen=_bounds(node),
    )


def test_schema_documents_bounds(client: TestClient) -> None:
    schema = _schema(client)
    limit = _parameter(schema, "/books", "query", "limit")
    _expect_bounds("query parameter `limit` of GET /books", limit, 1, 100)
    offset = _parameter(schema, "/books", "query", "offset")
    _expect_bounds("query parameter `offset` of GET /books", offset, 0, None)
    book_path = _book_path(schema)
    name = book_path.removeprefix("/books/{").removesuffix("}")
    book_id = _parameter(schema, book_path, "path", name)
    _expect_bounds(f"path parameter `{name}` of GET {book_path}", book_id, 1, None)

    operation = schema.get("paths", {}).get("/books", {}).get("post", {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = _resolve(schema, content.get("schema", {}))
    fields = body.get("properties", {})
    expect(
        "year" in fields and "title" in fields,
        expected="POST /books to document its JSON body (`BookCreate`) in the schema",
        seen=f"the documented body {_short(body) if body else 'is missing'}",
    )
    _expect_bounds("body field `year` of POST /books", _resolve(schema, fields["year"]), 1450, 2100)
    title = _resolve(schema, fields["title"])
    expect(
        title.get("maxLength") == 200,
        expected="the schema to give the body field `title` of POST /books a maxLength of 200",
        seen=f"maxLength {title.get('maxLength', 'missing')}",
    )
