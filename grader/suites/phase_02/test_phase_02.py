"""Phase 2 — Requests from type hints. One test per check in course.toml, in the same order.

Each failing step carries its own hint (and section, where it differs from the check's): a POST
that works but a GET /books/{book_id} that fails reads about the path parameter, not the body.
Every failure that comes from a request names the request and its value. A mistake that fails
several checks (a valid book refused, a bound missing from a type, a body that is not a model)
is named once, as a cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from grader.causes import BODY_ON_GET
from grader.kit import Cause, CheckFailed, GradingClient, describe_response, expect, json_body

# A valid book, as a client sends it. Each check changes one field at a time.
VALID: dict[str, Any] = {
    "title": "The Left Hand of Darkness",
    "author": "Ursula K. Le Guin",
    "year": 1969,
    "isbn": "9780441478125",
}
# An ISBN of thirteen Arabic-Indic digits: `\d` matches each of them, `[0-9]` none.
ARABIC_INDIC_ISBN = "\u0669\u0667\u0668\u0660\u0664\u0664\u0661\u0664\u0667\u0668\u0661\u0662\u0665"
# Creation answers 200 in this phase; 201 (Phase 4's lesson) is accepted too.
CREATED = (200, 201)

# Sections of this phase's page that hints point to.
PATH_ANCHOR = "path-parameters"
QUERY_ANCHOR = "query-parameters-and-their-bounds"
QUERY_MODEL_ANCHOR = "query-parameter-models"
BODY_ANCHOR = "request-bodies-with-pydantic"
FIELDS_ANCHOR = "field-constraints-and-annotated-types"
SHAPE_ANCHOR = "the-422-error-shape"
STRICT_ANCHOR = "strict-vs-lax-mode-for-untrusted-input"
BY_HAND_ANCHOR = "validate-with-pydantic-not-with-if-statements-in-handlers"
DOCUMENTED_ANCHOR = "your-types-are-your-documentation"

SHAPE_HINT = (
    "Leave the 422 to FastAPI: its standard answer lists every error with `loc`, `msg` and "
    "`type`. A handler of yours that reshapes it comes in Phase 4."
)
BY_HAND_HINT = (
    "Your code refused {value} with a {status} of its own: move the rule into the type "
    "(`Field`, `Query` or `Path` with its bound) so that FastAPI answers the standard 422."
)

# --- causes: one mistake that fails several checks, reported once ------------------------------

# The requests many checks share: creating a valid book...
POST_MISSING = Cause(
    id="post-books-missing",
    hint='Declare `@app.post("/books")` (exactly `/books`, no trailing slash) on a function that '
    "takes the body as a `BookCreate` parameter and returns the stored `Book`: until books can "
    "be created, the checks that create them cannot run.",
    anchor=BODY_ANCHOR,
)
POST_CRASHES = Cause(
    id="post-books-crashes",
    hint="POST /books crashes on a valid book: fix the error at the file and line shown. Store "
    "the validated `BookCreate` with `store.add(...)` and return the `Book` it gives back.",
    anchor=BODY_ANCHOR,
)
VALID_REFUSED = Cause(
    id="valid-book-refused",
    hint="POST /books refuses a valid book: for the field the 422 names, compare its type and "
    "rule with the contract (title 1-200 characters, author 1-100, year an integer from 1450 to "
    "2100, isbn a string of 13 digits or null).",
    anchor=FIELDS_ANCHOR,
)
BODY_EDGES = Cause(
    id="body-bounds-exclude-ends",
    hint="The contract's bounds include their ends: year 1450 and 2100, a 200-character title "
    "and a 100-character author are all valid (and isbn may be null). Use `ge`/`le` and "
    "`max_length` with exactly those numbers.",
    anchor=FIELDS_ANCHOR,
)
# ...fetching it...
GET_BOOK_MISSING = Cause(
    id="get-book-missing",
    hint='Declare `@app.get("/books/{book_id}")`, with `book_id` as an `int` path parameter '
    "bounded by `Path(ge=1)`, returning the stored `Book` (or a 404 when there is none).",
    anchor=PATH_ANCHOR,
)
ID_REFUSED = Cause(
    id="valid-id-refused",
    hint="GET /books/{book_id} refuses an id the store hands out: ids start at 1 and have no "
    "upper bound, so bound `book_id` with `Path(ge=1)` (or `gt=0`) and nothing more.",
    anchor=PATH_ANCHOR,
)
ID_NOT_INT = Cause(
    id="book-id-not-int",
    hint="Type `book_id` as `int` (bounded with `Path(ge=1)`): a path value arrives as text, and "
    "only the `int` type converts it, so that the store (keyed by integers) finds the book and "
    "FastAPI refuses `abc` with a 422.",
    anchor=PATH_ANCHOR,
)
# ...and listing a valid page.
LIST_CRASHES = Cause(
    id="get-books-crashes",
    hint="GET /books crashes: fix the error at the file and line shown. Pass the validated "
    "`limit`, `offset` and `author` to `store.list(...)` and return the list it gives back.",
    anchor=QUERY_MODEL_ANCHOR,
)
QUERY_NOT_INT = Cause(
    id="query-not-int",
    hint="Type `limit` and `offset` as `int`, then bound them: a `float` between the bounds lets "
    "`?limit=2.5` through, the store cannot slice a list with it, and the schema promises any "
    "number.",
    anchor=QUERY_ANCHOR,
)
STRICT_QUERY = Cause(
    id="strict-query",
    hint="Query values arrive as text: keep the query model (or parameters) lax, so that "
    '`?limit=5` becomes 5. Strict mode is for the JSON body, where "5" is a client\'s bug.',
    anchor=STRICT_ANCHOR,
)
QUERY_DEFAULTS = Cause(
    id="query-default-missing",
    hint="A client may leave out any query parameter: give each its default (`limit` 20, "
    "`offset` 0, `author` None), so that the parameter is optional.",
    anchor=QUERY_ANCHOR,
)
QUERY_UNDECLARED = Cause(
    id="query-parameter-undeclared",
    hint="GET /books must declare every parameter of the contract, `limit`, `offset` and "
    "`author`: as fields of a query model taken with `Annotated[Model, Query()]`, or as "
    'parameters of their own. An undeclared one is ignored (or refused by `extra="forbid"`).',
    anchor=QUERY_MODEL_ANCHOR,
)
QUERY_EDGES = Cause(
    id="valid-page-refused",
    hint="GET /books refuses a valid page: `limit` may be 1 to 100 and `offset` 0 or more, both "
    "ends included (and `author` up to 100 characters). Bound them with `ge`/`le` and exactly "
    "those numbers.",
    anchor=QUERY_ANCHOR,
)
# A rule missing from a type: the value goes through, and the schema does not show the rule.
QUERY_UNBOUNDED = Cause(
    id="query-bounds-missing",
    hint="Bound `limit` (1 to 100) and `offset` (0 or more) in their types, with `ge`/`le` in "
    "the query model's `Field` or in `Query(...)`: FastAPI then refuses 0, 101 and -1 with a "
    "422, and the schema shows the bounds. An `if` in the handler does neither.",
    anchor=QUERY_ANCHOR,
)
ID_UNBOUNDED = Cause(
    id="book-id-unbounded",
    hint="Bound `book_id` with `Path(ge=1)`: 0 and -3 can never be ids, so FastAPI should refuse "
    "them with a 422 (a well-formed request whose value breaks a rule) before your handler looks "
    "them up, and the schema then shows the bound.",
    anchor=PATH_ANCHOR,
)
YEAR_UNBOUNDED = Cause(
    id="year-unbounded",
    hint="Bound `year` in `BookCreate` with `ge=1450, le=2100`: FastAPI then refuses other years "
    "with a 422 before your handler runs, and the schema shows the range. An `if` in the "
    "handler does neither, and an error answered with 200 says the book was saved.",
    anchor=FIELDS_ANCHOR,
)
TITLE_UNBOUNDED = Cause(
    id="title-length-unchecked",
    hint="Give `title` its lengths in `BookCreate`, `min_length=1, max_length=200`: FastAPI then "
    "refuses an empty or a 201-character title with a 422, and the schema shows the limit. A "
    "check in the handler does neither.",
    anchor=FIELDS_ANCHOR,
)
BODY_NOT_MODEL = Cause(
    id="body-not-a-model",
    hint="POST /books takes its body as something other than a model (a `dict`, `Any`, the raw "
    "request): take it as a `BookCreate` parameter, so that FastAPI validates every field "
    "before your handler runs and the schema documents them.",
    anchor=BODY_ANCHOR,
)


@pytest.fixture
def client(app: FastAPI) -> Iterator[GradingClient]:
    """Like the shared fixture, but a crash in the learner's code is seen as a 500 answer."""
    with GradingClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# --- helpers -------------------------------------------------------------------------------


def _short(body: object) -> str:
    text = repr(body)
    return text if len(text) <= 80 else text[:79] + "…"


def _field(loc: object) -> str:
    return ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else repr(loc)


def _difference(seen: object, wanted: dict[str, Any]) -> str:
    """What `seen` has other than `wanted`, field by field: "`id` missing (POST answered 1)"."""
    if not isinstance(seen, dict):
        return f"the body {_short(seen)}"
    missing = object()
    parts = []
    for key in sorted(set(seen) | set(wanted)):
        got, want = seen.get(key, missing), wanted.get(key, missing)
        if got == want:
            continue
        if got is missing:
            parts.append(f"`{key}` missing (POST /books answered {_short(want)})")
        elif want is missing:
            parts.append(f"`{key}` {_short(got)}, which POST /books did not answer")
        else:
            parts.append(f"`{key}` {_short(got)} (POST /books answered {_short(want)})")
    return "the book with " + "; ".join(parts)


def _errors(response: Any) -> list[dict[str, Any]]:
    """The error objects of a standard 422, or [] for any other answer."""
    if response.status_code != 422:
        return []
    try:
        errors = response.json().get("detail")
    except (ValueError, AttributeError):
        return []
    if not isinstance(errors, list):
        return []
    return [e for e in errors if isinstance(e, dict) and isinstance(e.get("loc"), list)]


def _has_route(client: GradingClient, method: str, path: str) -> bool:
    """Whether the app declares `method` on `path`, or (for a `path` ending in `{`) on a path
    that starts with it: `/books/{` matches `/books/{book_id}`. Only hints depend on it."""
    for route in getattr(client.app, "routes", ()):
        declared = str(getattr(route, "path", ""))
        methods = getattr(route, "methods", None) or ()
        if method in methods and (
            declared == path or (path.endswith("{") and declared.startswith(path))
        ):
            return True
    return False


def _openapi(client: GradingClient) -> dict[str, Any] | None:
    """/openapi.json, or None if it cannot be read: for choosing a hint, never for a verdict."""
    response = client.get("/openapi.json")
    try:
        schema = response.json() if response.status_code == 200 else None
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


def _documented_body(client: GradingClient) -> dict[str, Any] | None:
    """The JSON schema of POST /books's body from /openapi.json ({} if none), or None if the
    schema cannot be read. Only hints depend on it."""
    schema = _openapi(client)
    if schema is None:
        return None
    operation = schema.get("paths", {}).get("/books", {}).get("post", {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return _resolve(schema, content.get("schema", {}))


def _undeclared_query(client: GradingClient, names: tuple[str, ...]) -> Cause | None:
    """The shared cause when GET /books, as /openapi.json documents it, reads a body (a model
    without `Query()`) or lacks one of the query parameters `names`. Only hints depend on it."""
    schema = _openapi(client)
    if schema is None:
        return None
    operation = schema.get("paths", {}).get("/books", {}).get("get", {})
    if "requestBody" in operation:
        return BODY_ON_GET
    documented = {
        str(p.get("name"))
        for p in operation.get("parameters", [])
        if isinstance(p, dict) and p.get("in") == "query"
    }
    return QUERY_UNDECLARED if set(names) - documented else None


def _not_refused(client: GradingClient, response: Any, rule: Cause | None = None) -> Cause | None:
    """The shared cause when POST /books does not refuse an invalid body with a 422: the route
    is missing, the body is not a model at all, or (when it answers 2xx or 400) `rule` is
    missing from the model."""
    status = response.status_code
    if status == 422:
        return None
    if status in (404, 405):
        return POST_MISSING
    documented = _documented_body(client)
    if documented is not None and "properties" not in documented:
        return BODY_NOT_MODEL
    return rule if 200 <= status < 300 or status == 400 else None


def _post_refused(response: Any, edges: tuple[str, ...] = ()) -> Cause | None:
    """The shared cause when POST /books does not store a valid book: no route, a crash, or a
    422 (at one of the `edges`, the fields sent at the end of their range, or elsewhere)."""
    status = response.status_code
    if status == 422:
        named = {str(e["loc"][1]) for e in _errors(response) if len(e["loc"]) > 1}
        return BODY_EDGES if named & set(edges) else VALID_REFUSED
    if status >= 500:
        return POST_CRASHES
    return POST_MISSING if status in (404, 405) else None


def create_book(
    client: GradingClient,
    what: str = "a valid book",
    *,
    why: str = "",
    edges: tuple[str, ...] = (),
    **changes: Any,
) -> dict[str, Any]:
    """POST a valid book (with `changes`) and return the stored book, or fail kindly.

    `what` describes the book sent and `why` says why it is valid (for values at the end of
    their range, the `edges`), so that the failure names the request."""
    sent = {**VALID, **changes}
    response = client.post("/books", json=sent)
    expect(
        response.status_code in CREATED,
        expected=f"POST /books with {what} to store it and answer 200{why}",
        seen=describe_response(response),
        hint="POST /books answers 200 (or 201) with the stored book: a redirect or another "
        "status tells a client the book was not stored as sent.",
        anchor=BODY_ANCHOR,
        cause=_post_refused(response, edges),
    )
    book = json_body(response, f"the book stored by POST /books with {what}")
    expect(
        isinstance(book, dict) and type(book.get("id")) is int,
        expected=f"POST /books with {what} to answer the stored book, a JSON object with an "
        "integer `id`",
        seen=f"the body {book!r}",
        hint="Return the stored `Book` from POST /books (declare `-> Book`): it carries the "
        "`id` the store gave it, which the `BookCreate` you received does not.",
        anchor=BODY_ANCHOR,
    )
    return book


def expect_422_naming(
    response: Any,
    where: str,
    field: str,
    request: str,
    *,
    why: str = "",
    hint: str | None = None,
    anchor: str | None = None,
    cause: Cause | None = None,
    loc_hint: str | None = None,
    loc_anchor: str | None = None,
) -> None:
    """A 422 in FastAPI's standard shape whose errors include one located at `where`/`field`.

    `hint` (or `cause`) speaks to a request that was not refused with a 422; `loc_hint` to a
    422 that names other places (it defaults to `hint`)."""
    wanted = f"{where}.{field}"
    expect(
        response.status_code == 422,
        expected=f"{request} to answer 422 naming `{wanted}`{why}",
        seen=describe_response(response),
        hint=hint,
        anchor=anchor,
        cause=cause,
    )
    body = json_body(response, f"the 422 for {request}")
    errors = body.get("detail") if isinstance(body, dict) else None
    expect(
        isinstance(errors, list) and errors,
        expected=f'the 422 for {request} to have the shape {{"detail": [errors...]}}',
        seen=f"the body {_short(body)}",
        hint=SHAPE_HINT,
        anchor=SHAPE_ANCHOR,
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
            hint=SHAPE_HINT,
            anchor=SHAPE_ANCHOR,
        )
    locations = [error["loc"] for error in errors]
    expect(
        any(loc and loc[0] == where and field in loc[1:] for loc in locations),
        expected=f"the 422 for {request} to name `{wanted}` in an error's `loc`",
        seen=f"the locations {', '.join(_field(loc) for loc in locations)}",
        hint=loc_hint or hint,
        anchor=loc_anchor if loc_hint else anchor,
    )


def _query_not_int(client: GradingClient) -> bool:
    """Whether /openapi.json documents `limit` or `offset` of GET /books as a number that is
    not an integer (a `float`). Only hints depend on it."""
    schema = _openapi(client)
    if schema is None:
        return False
    operation = schema.get("paths", {}).get("/books", {}).get("get", {})
    for parameter in operation.get("parameters", []):
        if isinstance(parameter, dict) and parameter.get("name") in ("limit", "offset"):
            if _resolve(schema, parameter.get("schema", {})).get("type") == "number":
                return True
    return False


def _list_refused(client: GradingClient, response: Any) -> Cause | None:
    """The shared cause when a valid GET /books is refused: the query model is strict, lacks a
    default or a parameter, or bounds a value too tightly; or the handler crashes (on a
    `float` limit, say)."""
    query_errors = [e for e in _errors(response) if e["loc"][:1] == ["query"]]
    kinds = {str(e.get("type")) for e in query_errors}
    if any(kind.endswith("_type") for kind in kinds):
        return STRICT_QUERY
    if "missing" in kinds:
        return QUERY_DEFAULTS
    if "extra_forbidden" in kinds:
        return QUERY_UNDECLARED
    if query_errors:
        return QUERY_EDGES
    if response.status_code >= 500:
        return QUERY_NOT_INT if _query_not_int(client) else LIST_CRASHES
    return None  # a GET that wants a body is the kit's own cause, noted by the client


def _list_hint(client: GradingClient, response: Any, request: str) -> tuple[str, str]:
    """The hint (and section) for a GET /books that did not answer 200, with no shared cause."""
    status = response.status_code
    if status in (404, 405) and not _has_route(client, "GET", "/books"):
        return (
            'Keep a `GET /books` route (exactly `@app.get("/books")`, no trailing slash) that '
            "takes its query parameters and returns the store's list.",
            QUERY_MODEL_ANCHOR,
        )
    if status == 400:
        return BY_HAND_HINT.format(value=request, status=400), BY_HAND_ANCHOR
    return (
        f"{request} is a valid request: answer it with 200 and the store's list (a redirect or "
        "another status tells the client something went wrong).",
        QUERY_MODEL_ANCHOR,
    )


def list_books(client: GradingClient, query: str = "", why: str = "") -> list[dict[str, Any]]:
    """GET /books`query`, which must answer a JSON list; `why` says why the query is valid."""
    request = f"GET /books{query}"
    response = client.get(f"/books{query}")
    hint, anchor = _list_hint(client, response, request)
    expect(
        response.status_code == 200,
        expected=f"{request} to answer 200{why}",
        seen=describe_response(response),
        hint=hint,
        anchor=anchor,
        cause=_list_refused(client, response),
    )
    books = json_body(response, f"the list from {request}")
    expect(
        isinstance(books, list) and all(isinstance(book, dict) for book in books),
        expected=f"{request} to answer a JSON list of books",
        seen=f"the body {_short(books)}",
        hint="Return the store's list of books itself (declare `-> list[Book]`), not a dict "
        "around it or a page object.",
        anchor=QUERY_MODEL_ANCHOR,
    )
    return books


def _no_book_route(client: GradingClient, response: Any) -> Cause | None:
    """The shared cause when GET /books/{book_id} answers as if the route did not exist."""
    missing = response.status_code in (404, 405) and not _has_route(client, "GET", "/books/{")
    return GET_BOOK_MISSING if missing else None


def _id_type(client: GradingClient) -> str | None:
    """The type /openapi.json documents for the id of GET /books/{book_id}, if it says one.
    Only hints depend on it."""
    schema = _openapi(client)
    if schema is None:
        return None
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/books/{") and path.count("/") == 2 and "get" in operations:
            for parameter in operations["get"].get("parameters", []):
                if isinstance(parameter, dict) and parameter.get("in") == "path":
                    kind = _resolve(schema, parameter.get("schema", {})).get("type")
                    return str(kind) if kind else None
    return None


def _id_refused(client: GradingClient, response: Any) -> Cause | None:
    """The shared cause when GET /books/{a valid id} is missing, refuses the id itself, or never
    finds the book because the id is not typed `int`."""
    if any(e["loc"][:1] == ["path"] for e in _errors(response)):
        return ID_REFUSED
    if response.status_code == 404 and _id_type(client) not in ("integer", None):
        return ID_NOT_INT
    return _no_book_route(client, response)


def _fetch_hint(response: Any, book_id: int) -> str:
    """The hint for a GET /books/{book_id} that did not answer the book POST /books stored."""
    status = response.status_code
    if status == 404:
        return (
            f"The book POST /books just stored (id {book_id}) was not found: look it up in the "
            "same store POST /books adds to, by the `book_id` from the path typed as `int` (a "
            "`str` id never matches the store's integer keys)."
        )
    if status >= 500:
        return (
            "Your handler raised the error shown: return the stored `Book` for the id, or raise "
            "`HTTPException(status_code=404)` when there is none."
        )
    return "GET /books/{book_id} answers 200 with the stored book, as POST /books answered it."


def _schema(client: GradingClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    expect(
        response.status_code == 200,
        expected="the OpenAPI schema at /openapi.json",
        seen=describe_response(response),
        hint="Keep FastAPI's default `openapi_url`: the schema must be served in this phase.",
        anchor=DOCUMENTED_ANCHOR,
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
    expected = f"GET {path} to declare the {where} parameter `{name}` in the OpenAPI schema"
    seen = f"its {where} parameters are {[p.get('name') for p in declared] or 'none'}"
    if "requestBody" in operation:
        # A model taken without Query(): the same mistake a GET answered 422 shows elsewhere.
        raise CheckFailed(
            expected=expected,
            seen=f"{seen}; the schema shows GET {path} reading a request body instead",
            cause=BODY_ON_GET,
        )
    if where == "path":
        hint = f"Name the function's parameter `{name}`, like the `{{{name}}}` in the path."
        raise CheckFailed(expected=expected, seen=seen, hint=hint, anchor=PATH_ANCHOR)
    raise CheckFailed(expected=expected, seen=seen, cause=QUERY_UNDECLARED)


def _book_path(schema: dict[str, Any]) -> str:
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/books/{") and path.count("/") == 2 and "get" in operations:
            return str(path)
    raise CheckFailed(
        expected="GET /books/{book_id} in the OpenAPI schema",
        seen=f"the schema's paths are {sorted(schema.get('paths', {})) or 'none'}",
        cause=GET_BOOK_MISSING,
    )


# --- checks --------------------------------------------------------------------------------


def test_create_and_fetch(client: GradingClient) -> None:
    book = create_book(client)
    for key, value in VALID.items():
        if key == "isbn":
            hint = (
                "Type `isbn` as a string (`str | None`, with a pattern for its 13 digits): as a "
                "number it comes back as a number, and an ISBN starting with 0 loses a digit."
            )
        else:
            hint = (
                f"Store and return `{key}` exactly as the client sent it: declare it in `Book` "
                "(which extends `BookCreate`), and do not change it in the handler."
            )
        expect(
            book.get(key) == value,
            expected=f"POST /books to store and answer `{key}` exactly as sent ({value!r})",
            seen=f"`{key}` is {book.get(key)!r}",
            hint=hint,
        )
    response = client.get(f"/books/{book['id']}")
    expect(
        response.status_code == 200,
        expected=f"GET /books/{book['id']} (the id POST /books answered) to answer 200",
        seen=describe_response(response),
        hint=_fetch_hint(response, book["id"]),
        anchor=PATH_ANCHOR,
        cause=_id_refused(client, response),
    )
    fetched = json_body(response, f"the book from GET /books/{book['id']}")
    expect(
        fetched == book,
        expected=f"GET /books/{book['id']} to answer the same book POST /books answered",
        seen=_difference(fetched, book),
        hint="Return the stored `Book` itself from GET /books/{book_id} (declare `-> Book`): "
        "the same fields and values POST /books answered, for that id.",
        anchor=PATH_ANCHOR,
    )
    books = list_books(client)
    expect(
        book in books,
        expected="GET /books to list the book just created",
        seen=f"the list {_short(books)}",
        hint="List the books from the same store POST /books adds to (`store.list(...)` with "
        "the validated query values), not a list of your own.",
        anchor=QUERY_MODEL_ANCHOR,
    )


def test_missing_book_404(client: GradingClient) -> None:
    _book_path(_schema(client))
    book = create_book(client)
    missing = book["id"] + 1000
    response = client.get(f"/books/{missing}")
    expect(
        response.status_code == 404,
        expected=f"GET /books/{missing} (no book has that id) to answer 404",
        seen=describe_response(response),
        # A 422 here refuses a valid id (a bound that is too tight): the same mistake as a
        # refused GET /books/1, so the same cause.
        cause=ID_REFUSED if any(e["loc"][:1] == ["path"] for e in _errors(response)) else None,
    )
    body = json_body(response, f"the 404 for /books/{missing}")
    expect(
        isinstance(body, dict) and "detail" in body,
        expected=f'GET /books/{missing} to answer a JSON error body of the form {{"detail": ...}}',
        seen=f"the body {_short(body)}",
        hint="Raise `HTTPException(status_code=404, detail=...)` rather than building the answer "
        'yourself: FastAPI then answers in the `{"detail": ...}` shape every error uses.',
    )


def test_bad_path_422(client: GradingClient) -> None:
    for value, why in (
        ("abc", " (abc is not a number)"),
        ("1.5", " (1.5 is not a whole number)"),
        ("0", " (ids start at 1)"),
        ("-3", " (ids start at 1)"),
    ):
        response = client.get(f"/books/{value}")
        status = response.status_code
        hint, anchor, cause = None, PATH_ANCHOR, _no_book_route(client, response)
        if value in ("abc", "1.5"):
            hint = (
                f"Type `book_id` as `int`: FastAPI then refuses `{value}` with a 422 before "
                "your handler runs, instead of looking it up."
            )
            if cause is None and status != 422 and _id_type(client) not in ("integer", None):
                cause = ID_NOT_INT
        elif cause is None and status != 422:
            cause = ID_UNBOUNDED
        if status == 400 and cause is None:
            hint, anchor = BY_HAND_HINT.format(value=value, status=400), BY_HAND_ANCHOR
        expect_422_naming(
            response,
            "path",
            "book_id",
            f"GET /books/{value}",
            why=why,
            hint=hint,
            anchor=anchor,
            cause=cause,
            loc_hint="Name the parameter `book_id`, in the path (`/books/{book_id}`) and in the "
            "function: the 422's `loc` uses that name.",
            loc_anchor=PATH_ANCHOR,
        )


def test_query_bounds_422(client: GradingClient) -> None:
    for query, field, value, why in (
        ("?limit=0", "limit", "0", " (the smallest limit allowed is 1)"),
        ("?limit=101", "limit", "101", " (the largest limit allowed is 100)"),
        ("?limit=ten", "limit", "ten", " (a limit is a whole number)"),
        ("?limit=2.5", "limit", "2.5", " (a limit is a whole number)"),
        ("?offset=-1", "offset", "-1", " (the smallest offset allowed is 0)"),
    ):
        response = client.get(f"/books{query}")
        status = response.status_code
        hint, anchor = None, QUERY_ANCHOR
        # Not refused: the parameter is not declared at all (or the model is read from a
        # body), or it is declared without its bound; `ten` is a matter of its type.
        cause = _undeclared_query(client, (field,)) if status != 422 else None
        if cause is None and value in ("ten", "2.5"):
            hint = (
                f"`limit={value}` was not refused: type `limit` as `int` (in the query model or "
                "in `Query(...)`), so that FastAPI refuses text that is not a whole number; a "
                "bound alone does not make a `float` whole."
            )
            if status == 400:
                hint = BY_HAND_HINT.format(value=f"limit={value}", status=400)
                anchor = BY_HAND_ANCHOR
        elif cause is None and (200 <= status < 300 or status == 400):
            cause = QUERY_UNBOUNDED
        expect_422_naming(
            response,
            "query",
            field,
            f"GET /books{query}",
            why=why,
            hint=hint,
            anchor=anchor,
            cause=cause,
            loc_hint=f"Name the query parameter `{field}` exactly (a field of the query model "
            "marked `Query()`, or a parameter): the 422's `loc` uses that name.",
            loc_anchor=QUERY_MODEL_ANCHOR,
        )
    for query, why in (
        ("?limit=1", " (1 is the smallest limit allowed)"),
        ("?limit=100", " (100 is the largest limit allowed)"),
        ("?limit=100&offset=0", " (0 is the smallest offset allowed)"),
        ("?offset=5", " (any offset of 0 or more is allowed)"),
    ):
        list_books(client, query, why)


def test_body_422_names_field(client: GradingClient) -> None:
    without_title = {key: value for key, value in VALID.items() if key != "title"}
    without_year = {key: value for key, value in VALID.items() if key != "year"}
    required = "Give `{0}` no default in `BookCreate`: a field without one is required."
    cases: list[tuple[str, dict[str, Any], str, str, Cause | None]] = [
        ("with no title", without_title, "title", required.format("title"), None),
        ("with no year", without_year, "year", required.format("year"), None),
        (
            'with title ""',
            {**VALID, "title": ""},
            "title",
            "Give `title` `min_length=1`.",
            TITLE_UNBOUNDED,
        ),
        (
            "with a 201-character title",
            {**VALID, "title": "x" * 201},
            "title",
            "Give `title` `max_length=200`.",
            TITLE_UNBOUNDED,
        ),
        (
            'with author ""',
            {**VALID, "author": ""},
            "author",
            "Give `author` `min_length=1`.",
            None,
        ),
        (
            "with a 101-character author",
            {**VALID, "author": "y" * 101},
            "author",
            "Give `author` `max_length=100`.",
            None,
        ),
        (
            "with year 1449",
            {**VALID, "year": 1449},
            "year",
            "Give `year` `ge=1450`.",
            YEAR_UNBOUNDED,
        ),
        (
            "with year 2101",
            {**VALID, "year": 2101},
            "year",
            "Give `year` `le=2100`.",
            YEAR_UNBOUNDED,
        ),
        (
            'with isbn "12345"',
            {**VALID, "isbn": "12345"},
            "isbn",
            "Give `isbn` a `pattern` that wants exactly 13 digits.",
            None,
        ),
        (
            'with isbn "978044147812X"',
            {**VALID, "isbn": "978044147812X"},
            "isbn",
            "Give `isbn` a `pattern` that allows digits only, `[0-9]`.",
            None,
        ),
        # 14 digits contain 13: only an anchored pattern (`^...$`) refuses them.
        (
            'with isbn "97804414781250" (14 digits)',
            {**VALID, "isbn": "97804414781250"},
            "isbn",
            "Anchor the ISBN pattern with `^` and `$`: Pydantic searches the value for a match, "
            "and 14 digits contain 13.",
            None,
        ),
        # `\d` is any Unicode digit: only `[0-9]` (or an ASCII check) refuses these thirteen.
        (
            f'with isbn "{ARABIC_INDIC_ISBN}" (13 Arabic-Indic digits)',
            {**VALID, "isbn": ARABIC_INDIC_ISBN},
            "isbn",
            "Spell the digits out as `[0-9]` in the ISBN pattern: `\\d` (and `str.isdigit`) "
            "accept any Unicode digit, so thirteen Arabic-Indic digits pass for an ISBN.",
            None,
        ),
        # A bound is not a type: a `float` year between the bounds is still not a year.
        (
            "with year 1969.5 (not a whole number)",
            {**VALID, "year": 1969.5},
            "year",
            "Type `year` as `int`, then bound it: a `float` with `ge`/`le` accepts 1969.5.",
            None,
        ),
    ]
    for description, body, field, rule, missing_rule in cases:
        response = client.post("/books", json=body)
        cause = _not_refused(client, response, missing_rule)
        hint, anchor = (
            f"{rule} FastAPI then refuses the request and names the field.",
            FIELDS_ANCHOR,
        )
        if response.status_code == 400 and cause is None:
            hint, anchor = (
                BY_HAND_HINT.format(value=f"the body {description}", status=400),
                BY_HAND_ANCHOR,
            )
        expect_422_naming(
            response,
            "body",
            field,
            f"POST /books {description}",
            hint=hint,
            anchor=anchor,
            cause=cause,
            loc_hint=f"{rule} The 422 must name `{field}` itself: put the rule on that field.",
            loc_anchor=FIELDS_ANCHOR,
        )
    # The bounds are inclusive: the edges themselves are valid.
    create_book(
        client,
        "year 1450 and a 200-character title",
        why=" (the earliest year and the longest title allowed)",
        edges=("year", "title"),
        year=1450,
        title="x" * 200,
    )
    create_book(
        client,
        "year 2100, a 100-character author and isbn null",
        why=" (the latest year, the longest author and no ISBN are all allowed)",
        edges=("year", "author", "isbn"),
        year=2100,
        author="y" * 100,
        isbn=None,
    )


def test_pagination(client: GradingClient) -> None:
    for number in range(25):
        create_book(
            client,
            f'a valid book ("Book {number}", {number + 1} of 25)',
            title=f"Book {number}",
            author="Author A" if number % 2 else "Author B",
        )
    everything = list_books(client, "?limit=100", " (100 is the largest limit allowed)")

    def ignored(*names: str) -> Cause | None:
        # A page that ignores a parameter: is the parameter declared at all?
        return _undeclared_query(client, names)

    expect(
        len(everything) == 25,
        expected="GET /books?limit=100 to list all 25 books created",
        seen=f"{len(everything)} books",
        hint="Pass the validated `limit` to `store.list(...)` unchanged: with `?limit=100`, all "
        "25 books fit on one page.",
        cause=None if len(everything) == 25 else ignored("limit"),
    )
    first_page = list_books(client)
    expect(
        len(first_page) == 20,
        expected="GET /books with no parameters to answer 20 books (the default limit)",
        seen=f"{len(first_page)} books",
        hint="Give `limit` the default 20 (in its `Field` or `Query`): a client that sends no "
        "`limit` gets a page of 20.",
    )
    for query, start, stop in (("?limit=5&offset=3", 3, 8), ("?offset=22", 22, 25)):
        page = list_books(client, query)
        expect(
            page == everything[start:stop],
            expected=f"GET /books{query} to answer books {start + 1} to {stop} of the full list",
            seen=f"{len(page)} books: ids {[book.get('id') for book in page]}",
            hint="Pass both `offset` and `limit` to `store.list(...)`: `offset` skips that many "
            "books from the start of the full list, then `limit` books follow.",
            cause=None if page == everything[start:stop] else ignored("limit", "offset"),
        )
    past_the_end = list_books(client, "?offset=100")
    expect(
        past_the_end == [],
        expected="GET /books?offset=100 (past the end) to answer []",
        seen=f"{len(past_the_end)} books",
        hint="An offset past the last book is not an error: it answers an empty page, `[]`, "
        "as the store's list does.",
        cause=None if past_the_end == [] else ignored("offset"),
    )
    by_a = list_books(client, "?author=Author%20A&limit=100")
    only_a = len(by_a) == 12 and all(book.get("author") == "Author A" for book in by_a)
    expect(
        only_a,
        expected="GET /books?author=Author%20A&limit=100 to answer only that author's 12 books",
        seen=f"{len(by_a)} books by {sorted({str(book.get('author')) for book in by_a})}",
        hint="Pass the validated `author` to `store.list(...)` too: with it, only that "
        "author's books are listed.",
        cause=None if only_a else ignored("author", "limit"),
    )


def test_strict_body_types(client: GradingClient) -> None:
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        (
            'with year "1969" (a string)',
            {**VALID, "year": "1969"},
            "year",
            'Your `BookCreate` converted the string "1969" into a year: make the model strict '
            "(`ConfigDict(strict=True)`), or `year` itself (`Field(strict=True)`).",
        ),
        (
            "with isbn 9780441478125 (a number)",
            {**VALID, "isbn": 9780441478125},
            "isbn",
            "An ISBN is text: type `isbn` as `str | None` (with its pattern), so that a number "
            "is refused, as strict and lax mode both do for a `str` field.",
        ),
        (
            "with title 1984 (a number)",
            {**VALID, "title": 1984},
            "title",
            "Type `title` as `str` alone, and do not turn numbers into strings "
            "(`coerce_numbers_to_str`): a number sent as a title is a client's bug.",
        ),
    ]
    for description, body, field, hint in cases:
        response = client.post("/books", json=body)
        expect_422_naming(
            response,
            "body",
            field,
            f"POST /books {description}",
            hint=hint,
            anchor=STRICT_ANCHOR,
            cause=_not_refused(client, response),
        )
    # Strict, not closed: the same book with proper JSON types is accepted.
    create_book(client, "a valid book, every field with its proper JSON type")


def test_invalid_never_stored(client: GradingClient) -> None:
    invalid: list[tuple[str, Any, str, str, Cause | None]] = [
        (
            "with year 3000",
            {**VALID, "year": 3000},
            "Bound `year` in `BookCreate` (1450 to 2100): the store must never see year 3000.",
            FIELDS_ANCHOR,
            YEAR_UNBOUNDED,
        ),
        (
            'with title ""',
            {**VALID, "title": ""},
            "Give `title` `min_length=1` in `BookCreate`: an empty title must never be stored.",
            FIELDS_ANCHOR,
            TITLE_UNBOUNDED,
        ),
        (
            "with title null",
            {**VALID, "title": None},
            "Type `title` as `str`, not `str | None`: a book must have a title.",
            FIELDS_ANCHOR,
            None,
        ),
        (
            "with a JSON list as the body",
            [VALID],
            "Take the body as one `BookCreate` parameter (not a `list` or `Any`): FastAPI then "
            "refuses any body that is not one book.",
            BODY_ANCHOR,
            None,
        ),
        (
            "with an empty JSON object",
            {},
            "Give `title`, `author` and `year` no default in `BookCreate`: FastAPI then refuses "
            "a body that lacks them.",
            FIELDS_ANCHOR,
            None,
        ),
    ]
    for description, body, hint, anchor, missing_rule in invalid:
        response = client.post("/books", json=body)
        expect(
            not 200 <= response.status_code < 300,
            expected=f"POST /books {description} to be refused",
            seen=describe_response(response),
            hint=hint,
            anchor=anchor,
            cause=_not_refused(client, response, missing_rule),
        )
    # Fields the model does not declare: refused, or dropped before the handler sees them.
    smuggled = {**VALID, "id": 4242, "price": 0}
    response = client.post("/books", json=smuggled)
    if response.status_code in CREATED:
        book = json_body(response, 'the book stored by POST /books with "id": 4242')
        expect(
            isinstance(book, dict) and book.get("id") != 4242 and "price" not in book,
            expected='POST /books with undeclared "id": 4242 and "price": 0 to ignore or refuse '
            "them",
            seen=f"the stored book {_short(book)}",
            hint="Store only what `BookCreate` validated (it declares no `id` and no `price`), "
            "and let the store choose the id: never build the book from the raw body.",
            cause=_not_refused(client, response),
        )
    else:
        expect(
            response.status_code == 422,
            expected='POST /books with undeclared "id": 4242 and "price": 0 to store the book or '
            "answer 422",
            seen=describe_response(response),
            hint="Undeclared fields are ignored by default, or refused with a 422 by "
            '`extra="forbid"`; any other answer tells the client nothing useful.',
            anchor=BODY_ANCHOR,
            cause=POST_CRASHES if response.status_code >= 500 else _not_refused(client, response),
        )
    create_book(
        client, "a valid book (A Wizard of Earthsea, 1968)", title="A Wizard of Earthsea", year=1968
    )
    books = list_books(client, "?limit=100", " (100 is the largest limit allowed)")
    allowed = {"id", *VALID}
    for book in books:
        expect(
            set(book) <= allowed and book.get("year") in range(1450, 2101),
            expected="only validated books in GET /books?limit=100, with only the declared fields",
            seen=f"the stored book {_short(book)}",
            hint="A body that should have been refused, or its undeclared fields, reached the "
            "store: store only the validated `BookCreate`, and return `Book`s (declare "
            "`-> list[Book]`).",
        )
    expect(
        len(books) in (1, 2) and all(book.get("id") != 4242 for book in books),
        expected="GET /books?limit=100 to list only the valid books (1, or 2 if extra fields "
        "are ignored)",
        seen=f"{len(books)} books: ids {[book.get('id') for book in books]}",
        hint="A refused request still added a book: let `BookCreate` refuse bad input before "
        "your handler runs, and never store first and check afterwards.",
    )


def _expect_bounds(
    what: str,
    node: dict[str, Any],
    wanted: tuple[int, int | None],
    fix: str,
    causes: tuple[Cause, Cause, Cause | None],
    refused: Callable[[], bool],
) -> None:
    """The schema gives `what` exactly the bounds `wanted` (no upper bound asked: None).

    `causes` are what other checks meet for the same mistake: bounds tighter than the
    contract (valid values refused), bounds missing or looser when the app lets an out-of-range
    value through (`refused()` is False; when it refuses it all the same, with a validator, only
    the schema misses the rule and this step says so), and a value not typed as an integer."""
    low, high = wanted
    lowest, highest = _lowest(node), _highest(node)
    kind = node.get("type")
    integer = kind in ("integer", None)
    right = lowest == low and (high is None or highest == high)
    if right and integer:
        return
    tighter = (lowest is not None and lowest > low) or (
        high is not None and highest is not None and highest < high
    )
    if kind == "number":
        # A float with the right bounds still takes 1969.5: the type is half the rule.
        raise CheckFailed(
            expected=f"the schema to give the {what} the type integer"
            + ("" if right else f", minimum {low}" + ("" if high is None else f", maximum {high}")),
            seen=_bounds(node) + ", on a value of type number",
            hint=f"Type it as `int`, not `float`, and keep its bounds, {fix}: a bound does not "
            "make a number whole, and clients read the type in the schema.",
        )
    if not integer:
        # Typed as text: the bounds come after the type.
        hint = f"Type it as `int` first, then give it its bounds, {fix}."
    elif lowest is None and highest is None:
        hint = (
            f"Declare the bound in the type, {fix}: a check in code (an `if`, a validator) "
            "works, but the schema and the docs never show it."
        )
    else:
        hint = f"Give exactly the contract's bounds, {fix}, so that the docs promise them too."
    raise CheckFailed(
        expected=f"the schema to give the {what} minimum {low}"
        + ("" if high is None else f" and maximum {high}"),
        seen=_bounds(node) + ("" if integer else f", on a value of type {kind}"),
        hint=hint,
        cause=causes[2]
        if not integer
        else causes[0]
        if tighter
        else None
        if refused()
        else causes[1],
    )


def test_schema_documents_bounds(client: GradingClient) -> None:
    def get_refused(*paths: str) -> bool:
        return all(client.get(path).status_code == 422 for path in paths)

    def post_refused(**changes: Any) -> bool:
        return client.post("/books", json={**VALID, **changes}).status_code == 422

    schema = _schema(client)
    limit = _parameter(schema, "/books", "query", "limit")
    _expect_bounds(
        "query parameter `limit` of GET /books",
        limit,
        (1, 100),
        "`ge=1, le=100` on `limit`",
        (QUERY_EDGES, QUERY_UNBOUNDED, None),
        lambda: get_refused("/books?limit=0", "/books?limit=101"),
    )
    offset = _parameter(schema, "/books", "query", "offset")
    _expect_bounds(
        "query parameter `offset` of GET /books",
        offset,
        (0, None),
        "`ge=0` on `offset`",
        (QUERY_EDGES, QUERY_UNBOUNDED, None),
        lambda: get_refused("/books?offset=-1"),
    )
    book_path = _book_path(schema)
    name = book_path.removeprefix("/books/{").removesuffix("}")
    book_id = _parameter(schema, book_path, "path", name)
    _expect_bounds(
        f"path parameter `{name}` of GET {book_path}",
        book_id,
        (1, None),
        f"`Path(ge=1)` on `{name}`",
        (ID_REFUSED, ID_UNBOUNDED, ID_NOT_INT),
        lambda: get_refused("/books/0"),
    )

    operation = schema.get("paths", {}).get("/books", {}).get("post", {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = _resolve(schema, content.get("schema", {}))
    fields = body.get("properties", {})
    expect(
        "year" in fields and "title" in fields,
        expected="POST /books to document its JSON body (`BookCreate`) in the schema",
        seen=f"the documented body {_short(body) if body else 'is missing'}",
        hint=f"POST /books documents a body with the fields {sorted(fields)}: take the book as "
        "its one body parameter, `BookCreate`, so that the body is the book itself.",
        anchor=BODY_ANCHOR,
        cause=None if fields else (BODY_NOT_MODEL if operation else POST_MISSING),
    )
    _expect_bounds(
        "body field `year` of POST /books",
        _resolve(schema, fields["year"]),
        (1450, 2100),
        "`ge=1450, le=2100` on `year`",
        (BODY_EDGES, YEAR_UNBOUNDED, VALID_REFUSED),
        lambda: post_refused(year=1449) and post_refused(year=2101),
    )
    title = _resolve(schema, fields["title"])
    longest = title.get("maxLength")
    if isinstance(longest, int) and longest < 200:
        cause: Cause | None = BODY_EDGES
    else:
        cause = None if longest == 200 or post_refused(title="x" * 201) else TITLE_UNBOUNDED
    expect(
        longest == 200,
        expected="the schema to give the body field `title` of POST /books a maxLength of 200",
        seen=f"maxLength {longest if longest is not None else 'missing'}",
        hint="Declare the length in the type, `max_length=200` on `title`: a check in code "
        "works, but the schema and the docs never show it.",
        cause=cause,
    )
