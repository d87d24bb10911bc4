"""Phase 3 — Responses with Pydantic. One test per check in course.toml, in the same order."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Route

from grader.kit import CheckFailed, describe_response, expect, json_body, load_module

# Creating something may answer 200 (what Phase 3 asks) or 201 (what Phase 4 teaches).
CREATED = (200, 201)
PUBLIC_USER_FIELDS = ("id", "username", "email", "created_at")
PUBLIC_BOOK_FIELDS = ("id", "title", "author", "year", "isbn", "created_at")
# Words that make a field's name a secret's: password_hash, hashedPassword, pwd, salt, secret...
# Whole words, so that `compass`, `passport`, `hashtag` or `digest_frequency` stay harmless.
SECRET_WORDS = frozenset(
    {"pass", "passphrase", "pwd", "pw", "hash", "hashed", "salt", "salted", "secret", "secrets"}
)
NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Modular-crypt and PHC strings: $argon2id$v=19$..., $2b$12$..., $scrypt$..., $pbkdf2-sha256$...
CRYPT_FORMAT = re.compile(r"^\$[A-Za-z0-9-]{1,24}\$")
# One piece of an encoded digest or salt: a long run of base64 or hex characters.
DIGEST_PIECE = re.compile(r"[A-Za-z0-9+/=._-]{16,}")
# Hex digests, bare or joined by separators (sha256 hex, pbkdf2 hex, "salt:digest" in hex).
HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{16,}(?:[:$.][0-9a-fA-F]{16,})*$")
# A base64 digest (SHA-256 and up, scrypt, salt + digest): long, no spaces, dots or colons.
BASE64_DIGEST = re.compile(r"^[A-Za-z0-9+/=_-]{40,}$")
# Timestamps must be "now", give or take a generous margin (catches local time passed as UTC).
CLOCK_MARGIN = timedelta(minutes=10)
# The local time zone the server runs in while timestamps are checked: UTC+05:45 (a POSIX TZ
# string, so no time zone database is needed). Local time labelled as UTC is then 5.75 h off.
SERVER_TZ = "<+0545>-05:45"


def _book(**changes: Any) -> dict[str, Any]:
    book = {
        "title": "Kindred",
        "author": "Octavia E. Butler",
        "year": 1979,
        "isbn": "9780807083697",
    }
    return {**book, **changes}


def _signup(username: str, password: str, **changes: Any) -> dict[str, Any]:
    return {
        "username": username,
        "email": f"{username.strip() or 'blank'}@example.com",
        "password": password,
    } | changes


def _create(client: TestClient, path: str, payload: dict[str, Any], what: str) -> dict[str, Any]:
    response = client.post(path, json=payload)
    expect(
        response.status_code in CREATED,
        expected=f"POST {path} with {what} to answer 200",
        seen=describe_response(response),
    )
    body = json_body(response, f"the answer to POST {path}")
    expect(isinstance(body, dict), expected="a JSON object", seen=f"{body!r}")
    return body


def _walk(value: Any, where: str = "") -> Iterator[tuple[str, str | None, Any]]:
    """(where, key, value) for every value nested in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{where}.{key}", str(key), item
            yield from _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{where}[{index}]", None, item
            yield from _walk(item, f"{where}[{index}]")


def _is_secret_name(name: str) -> bool:
    words = [word.lower() for word in NAME_WORDS.findall(name)]
    return any(word in SECRET_WORDS or "password" in word or "passwd" in word for word in words)


def _is_uuid(value: str) -> bool:
    """A UUID, with or without hyphens: an identifier, not a digest."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.variant == uuid.RFC_4122 and parsed.version in range(1, 9)


def _hash_format(value: str) -> bool:
    """Whether a string is written the way password hashes are stored, whatever the algorithm."""
    if len(value) < 20 or any(char.isspace() for char in value):
        return False
    if CRYPT_FORMAT.match(value):
        return True
    # Framework formats: pbkdf2_sha256$600000$salt$digest, scrypt:32768:8:1$salt$digest...
    return value.count("$") >= 2 and any(
        DIGEST_PIECE.fullmatch(piece) for piece in re.split(r"[$:]", value)
    )


def _digest_like(value: str) -> bool:
    """Whether a string looks like a bare digest: long hex, or long mixed-case base64."""
    if _is_uuid(value):
        return False
    if HEX_DIGEST.match(value) and len(re.sub(r"[:$.]", "", value)) >= 32:
        return True
    return bool(
        BASE64_DIGEST.match(value)
        and re.search(r"[a-z]", value)
        and re.search(r"[A-Z]", value)
        and re.search(r"[0-9]", value)
    )


def _leak_in(response: Any, body: Any, passwords: list[str], hashes: list[str]) -> str | None:
    """What in one response looks like a password or a hash, or None."""
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    text = f"{response.text}\n{headers}"
    for password in passwords:
        if password in text:
            if response.status_code == 422:
                # The usual cause: a model-level validator, whose error repeats the whole body.
                return (
                    f"the password {password!r} the check sent, in a 422 (a `model_validator`'s "
                    "error repeats the whole body: check single fields with `field_validator`)"
                )
            return f"the password {password!r} the check sent"
    # The hashes the learner's own hash_password made during the check, in any format, whole
    # or in part (the salt or the digest on its own).
    for hashed in hashes:
        pieces = [hashed, *(p for p in re.split(r"[$:]", hashed) if DIGEST_PIECE.fullmatch(p))]
        if any(piece in text for piece in pieces):
            return f"the hash that hash_password returned at sign-up: {hashed[:24]}…"
    for where, key, value in _walk(body):
        if key is not None and _is_secret_name(key) and isinstance(value, str) and value:
            return f"a field `{key}` (at {where.lstrip('.')})"
        if isinstance(value, str) and _hash_format(value):
            return f"a value that looks like a password hash: {value[:24]}…"
    # In a user object, a string under a key the public model does not have must not look like
    # a digest either. UUIDs, slugs, bios and URLs do not.
    for value in (body, *(item for _where, _key, item in _walk(body))):
        if isinstance(value, dict) and "username" in value:
            for key, item in value.items():
                if key not in PUBLIC_USER_FIELDS and isinstance(item, str) and _digest_like(item):
                    return f"an extra field `{key}` with the hash-like value {item[:24]}…"
    return None


@contextmanager
def _recording_hashes() -> Iterator[list[tuple[Any, str]]]:
    """(password, hash) for each call of the learner's `hash_password` while inside.

    Wraps the function wherever a `bookapi` module holds it (`from bookapi.security import
    hash_password` included). The learner's code still does all the hashing: nothing about
    the algorithm is assumed, and a solution that hashes elsewhere is simply not recorded.
    """
    calls: list[tuple[Any, str]] = []
    security = sys.modules.get("bookapi.security")
    original = getattr(security, "hash_password", None)
    if not callable(original):
        yield calls
        return

    @functools.wraps(original)
    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        password = args[0] if args else next(iter(kwargs.values()), None)
        hashed = result.decode(errors="replace") if isinstance(result, bytes) else result
        if isinstance(hashed, str):
            calls.append((password, hashed))
        return result

    with ExitStack() as stack:
        for name, module in list(sys.modules.items()):
            if name == "bookapi" or name.startswith("bookapi."):
                for attribute, value in list(vars(module).items()):
                    if value is original:
                        stack.enter_context(mock.patch.object(module, attribute, recording))
        yield calls


def _check_no_leak(response: Any, request: str, passwords: list[str], hashes: list[str]) -> None:
    try:
        body = json.loads(response.text)
    except ValueError:
        body = None
    leak = _leak_in(response, body, passwords, hashes)
    expect(
        leak is None,
        expected="no response to carry a password or a password hash",
        seen=f"{request} answers {response.status_code} with {leak}",
    )


def _errors_name(response: Any, field: str) -> bool:
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        return False
    return any(isinstance(e, dict) and field in (e.get("loc") or [])[-1:] for e in detail)


def _expect_422(response: Any, field: str, what: str) -> None:
    expect(
        response.status_code == 422,
        expected=f"{what} to be refused with 422",
        seen=describe_response(response),
    )
    expect(
        _errors_name(response, field),
        expected=f"the 422's detail to name the field `{field}` in an error's `loc`",
        seen=describe_response(response),
    )


def _created_at(body: dict[str, Any], what: str) -> datetime:
    """The aware `created_at` of a response, or a kind failure that says what is wrong."""
    expect(
        "created_at" in body,
        expected=f"{what} to include `created_at`",
        seen=f"the fields {sorted(body)}",
    )
    value = body["created_at"]
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    expect(
        moment is not None,
        expected=f"{what}'s `created_at` to be an ISO 8601 date and time",
        seen=f"{value!r}",
    )
    assert moment is not None
    expect(
        moment.utcoffset() is not None,
        expected=f"{what}'s `created_at` to carry a UTC offset, like ...T12:00:00Z or +00:00",
        seen=f"{value!r}, with no offset (a naive datetime)",
    )
    hours = (moment - datetime.now(UTC)).total_seconds() / 3600
    expect(
        abs(moment - datetime.now(UTC)) < CLOCK_MARGIN,
        expected=f"{what}'s `created_at` to be the moment it was created",
        seen=f"{value!r}, which is {hours:+.2f} hours from now"
        + (" (local time labelled with another zone's offset?)" if abs(hours) > 0.5 else ""),
    )
    return moment


@contextmanager
def _server_time_zone(spec: str) -> Iterator[None]:
    """Run with the process's local time zone set to `spec`, where the platform allows it."""
    tzset: Callable[[], None] | None = getattr(time, "tzset", None)
    if tzset is None:  # Windows: the check runs in whatever zone the machine is in
        yield
        return
    before = os.environ.get("TZ")
    os.environ["TZ"] = spec
    tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        tzset()


def _get_routes(app: FastAPI) -> list[str]:
    """Every GET path the app serves, hidden or not, except FastAPI's own docs."""
    skip = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    return [
        route.path
        for route in app.routes
        if isinstance(route, Route) and "GET" in (route.methods or ()) and route.path not in skip
    ]


def _fill(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def test_user_routes(client: TestClient) -> None:
    sent = _signup("ada_lovelace", "analytical-engine-1843")
    created = _create(client, "/users", sent, "a valid sign-up")
    missing = [field for field in PUBLIC_USER_FIELDS if field not in created]
    expect(
        not missing,
        expected=f"the new user's public fields {', '.join(PUBLIC_USER_FIELDS)}",
        seen=f"no {', '.join(missing)} in {sorted(created)}",
    )
    expect(
        isinstance(created["id"], int)
        and created["username"] == sent["username"]
        and str(created["email"]).lower() == sent["email"],
        expected="the new user's id (an integer), username and email as sent",
        seen=f"{created!r}",
    )

    one = client.get(f"/users/{created['id']}")
    expect(
        one.status_code == 200,
        expected=f"GET /users/{created['id']} to answer 200 with the user just created",
        seen=describe_response(one),
    )
    body = json_body(one, "the user")
    expect(
        isinstance(body, dict) and all(body.get(f) == created[f] for f in PUBLIC_USER_FIELDS),
        expected="GET /users/{id} to answer the same public fields POST /users answered",
        seen=f"{body!r}",
    )

    listing = client.get("/users")
    expect(
        listing.status_code == 200,
        expected="GET /users to answer 200 with a list of users",
        seen=describe_response(listing),
    )
    users = json_body(listing, "the user list")
    expect(
        isinstance(users, list)
        and any(isinstance(u, dict) and u.get("id") == created["id"] for u in users),
        expected="GET /users to list the user just created",
        seen=f"{users!r}"[:200],
    )

    absent = client.get(f"/users/{created['id'] + 1000}")
    expect(
        absent.status_code == 404,
        expected="GET /users/{id} for an unknown id to answer 404",
        seen=describe_response(absent),
    )
    error = json_body(absent, "the 404")
    expect(
        isinstance(error, dict) and "detail" in error,
        expected='the 404 body to be {"detail": ...}',
        seen=describe_response(absent),
    )

    bad_email = client.post("/users", json=_signup("grace", "compiler-1952", email="not-an-email"))
    _expect_422(bad_email, "email", "a sign-up with the email 'not-an-email'")
    short = client.post("/users", json=_signup("alan_t", "enigma"))
    _expect_422(short, "password", "a sign-up with a 6-character password")


def test_book_routes_public(client: TestClient) -> None:
    sent = _book()
    created = _create(client, "/books", sent, "a valid book")
    missing = [field for field in PUBLIC_BOOK_FIELDS if field not in created]
    expect(
        not missing,
        expected=f"the new book's public fields {', '.join(PUBLIC_BOOK_FIELDS)}",
        seen=f"no {', '.join(missing)} in {sorted(created)}",
    )
    expect(
        all(created[key] == value for key, value in sent.items()),
        expected="the new book's title, author, year and isbn as sent",
        seen=f"{created!r}",
    )

    one = client.get(f"/books/{created['id']}")
    expect(
        one.status_code == 200,
        expected=f"GET /books/{created['id']} to answer 200 with the book just created",
        seen=describe_response(one),
    )
    body = json_body(one, "the book")
    expect(
        isinstance(body, dict) and all(body.get(f) == created[f] for f in PUBLIC_BOOK_FIELDS),
        expected="GET /books/{id} to answer the same public fields POST /books answered",
        seen=f"{body!r}",
    )

    listing = client.get("/books")
    books = json_body(listing, "the book list")
    expect(
        listing.status_code == 200
        and isinstance(books, list)
        and any(isinstance(b, dict) and b == body for b in books),
        expected="GET /books to list the book, with the same public fields",
        seen=describe_response(listing),
    )


def test_no_password_in_responses(app: FastAPI, client: TestClient) -> None:
    passwords = ["Leak-Check-Alpha-91", "Leak-Check-Bravo-92", "Leak-Check-Charlie-93"]
    seen: list[tuple[str, Any]] = []

    def call(method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = client.request(method, path, json=payload)
        seen.append((f"{method} {path}", response))
        return response

    with _recording_hashes() as hashed:
        first = call("POST", "/users", _signup("leak_check_a", passwords[0]))
        expect(
            first.status_code in CREATED,
            expected="POST /users with a valid sign-up to answer 200",
            seen=describe_response(first),
        )
        # Sign-ups refused for another field: the error must not carry the (valid) password.
        call("POST", "/users", _signup("leak_check_c", passwords[1], email="no-at-sign"))
        call("POST", "/users", _signup("   ", passwords[2]))
        call("POST", "/books", _book())
        for path in _get_routes(app):
            if "{" not in path:
                call("GET", path)
            else:
                for value in (1, 2, 999):
                    call("GET", _fill(path, value))

    hashes = [hash_ for _password, hash_ in hashed if len(hash_) >= 16]
    for request, response in seen:
        _check_no_leak(response, request, passwords, hashes)


def _resolve(schema: Any, components: dict[str, Any], depth: int = 0) -> Any:
    if isinstance(schema, dict) and "$ref" in schema and depth < 20:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return _resolve(components.get(name, {}), components, depth + 1)
    return schema


def _properties(
    schema: Any, components: dict[str, Any], seen: set[str]
) -> Iterator[tuple[str, Any]]:
    """(name, schema) of every property reachable from a schema, following $refs (each once)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from _properties(components.get(name, {}), components, seen)
            return
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                yield from value.items()
            yield from _properties(value, components, seen)
    elif isinstance(schema, list):
        for item in schema:
            yield from _properties(item, components, seen)


def _types(schema: Any, components: dict[str, Any]) -> set[str]:
    """The JSON types a property schema allows (through anyOf/oneOf and $refs)."""
    schema = _resolve(schema, components)
    if not isinstance(schema, dict):
        return set()
    found = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key) or []:
            found |= _types(option, components)
    return found


def _is_secret_property(name: str, schema: Any, components: dict[str, Any]) -> bool:
    """A secret's name on something that can hold one (`has_password: bool` cannot)."""
    types = _types(schema, components) - {"null"}
    return _is_secret_name(name) and not (types and types <= {"boolean", "integer", "number"})


def _success_schema(operation: dict[str, Any], components: dict[str, Any]) -> Any:
    for code in ("200", "201"):
        response = operation.get("responses", {}).get(code)
        if response is not None:
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            return _resolve(schema, components)
    return None


def _documents(
    paths: dict[str, Any], components: dict[str, Any], route: str, fields: tuple[str, ...]
) -> None:
    method, pattern = route.split(" ", 1)
    matches = [p for p in paths if re.fullmatch(pattern, p) and method.lower() in paths[p]]
    shown = pattern.replace(r"\{[^/}]+\}", "{id}")
    expect(
        matches,
        expected=f"{method} {shown} in the OpenAPI schema",
        seen=f"the schema's paths are {sorted(paths) or 'empty'}",
    )
    schema = _success_schema(paths[matches[0]][method.lower()], components)
    if isinstance(schema, dict) and schema.get("type") == "array":
        schema = _resolve(schema.get("items"), components)
    documented = schema.get("properties", {}) if isinstance(schema, dict) else {}
    expect(
        all(field in documented for field in fields),
        expected=f"{method} {shown}'s success response documented with the public fields "
        f"{', '.join(fields)} (declare a return type or response_model)",
        seen=f"a documented schema with {sorted(documented) or 'no fields'}",
    )


def test_openapi_public_schemas(client: TestClient) -> None:
    response = client.get("/openapi.json")
    expect(
        response.status_code == 200,
        expected="the OpenAPI schema at /openapi.json",
        seen=describe_response(response),
    )
    schema = json_body(response, "the OpenAPI schema")
    paths = schema.get("paths", {})
    components = schema.get("components", {}).get("schemas", {})
    item = r"\{[^/}]+\}"
    for route, fields in (
        ("POST /books", PUBLIC_BOOK_FIELDS),
        ("GET /books", PUBLIC_BOOK_FIELDS),
        (f"GET /books/{item}", PUBLIC_BOOK_FIELDS),
        ("POST /users", PUBLIC_USER_FIELDS),
        ("GET /users", PUBLIC_USER_FIELDS),
        (f"GET /users/{item}", PUBLIC_USER_FIELDS),
    ):
        _documents(paths, components, route, fields)

    for path, operations in paths.items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for code, answer in operation.get("responses", {}).items():
                secret = next(
                    (
                        name
                        for name, prop in _properties(answer, components, set())
                        if _is_secret_property(name, prop, components)
                    ),
                    None,
                )
                expect(
                    secret is None,
                    expected="no response schema to have a password or hash field",
                    seen=f"a field `{secret}` in the {code} response of {method.upper()} {path}",
                )

    hashes = [v for _, _, v in _walk(schema) if isinstance(v, str) and _hash_format(v)]
    expect(
        not hashes,
        expected="the OpenAPI schema to hold no password hash (in an example or a default)",
        seen=f"the value {hashes[0][:24] if hashes else ''}…",
    )


def test_datetimes_have_offset(client: TestClient) -> None:
    # The server's local time zone is not UTC here, as on most laptops: local time passed off
    # as UTC is then hours away from the real moment.
    with _server_time_zone(SERVER_TZ):
        book = _create(client, "/books", _book(), "a valid book")
        user = _create(client, "/users", _signup("clock_check", "what-time-is-it"), "a sign-up")
    moment = _created_at(book, "the new book")
    again = json_body(client.get(f"/books/{book.get('id')}"), "the book")
    expect(
        isinstance(again, dict) and _created_at(again, "GET /books/{id}") == moment,
        expected="GET /books/{id} to answer the same `created_at` as POST /books",
        seen=f"{again!r}",
    )
    for listed in json_body(client.get("/books"), "the book list"):
        _created_at(listed, "each book in GET /books")

    _created_at(user, "the new user")
    for listed in json_body(client.get("/users"), "the user list"):
        _created_at(listed, "each user in GET /users")
    again = json_body(client.get(f"/users/{user.get('id')}"), "the user")
    _created_at(again, "GET /users/{id}")


def test_blank_input_rejected(client: TestClient) -> None:
    _expect_422(client.post("/books", json=_book(title="   ")), "title", "a title of only spaces")
    _expect_422(
        client.post("/books", json=_book(author="\t \n")), "author", "an author of only whitespace"
    )
    _expect_422(
        client.post("/users", json=_signup("   ", "blank-name-check")),
        "username",
        "a username of only spaces",
    )
    _expect_422(
        client.post("/users", json=_signup("blank_pw", " " * 12)),
        "password",
        "a password of twelve spaces",
    )


def test_text_trimmed(client: TestClient) -> None:
    book = _create(
        client,
        "/books",
        _book(title="  The Dispossessed ", author=" Ursula K. Le Guin  "),
        "a book",
    )
    expect(
        (book.get("title"), book.get("author")) == ("The Dispossessed", "Ursula K. Le Guin"),
        expected="the title and author stored without the spaces around them",
        seen=f"title {book.get('title')!r} and author {book.get('author')!r}",
    )
    found = json_body(client.get("/books", params={"author": "Ursula K. Le Guin"}), "the list")
    expect(
        isinstance(found, list) and any(b.get("id") == book.get("id") for b in found),
        expected="GET /books?author=Ursula K. Le Guin to find the trimmed book",
        seen=f"{found!r}"[:200],
    )

    password = "  spaces around me  "
    with _recording_hashes() as hashed:
        response = client.post("/users", json=_signup("  trim_check ", password))
        if response.status_code in CREATED:
            user = json_body(response, "the new user")
            expect(
                user.get("username") == "trim_check",
                expected="a username sent with spaces around it to be trimmed (or refused)",
                seen=f"the username {user.get('username')!r}",
            )
        else:
            _expect_422(response, "username", "a username with spaces around it, if not trimmed,")
            _create(client, "/users", _signup("trim_check", password), "a valid sign-up")
    # Seen only when the routes hash through bookapi.security.hash_password, as the exercise
    # asks; a solution that hashes some other way is not judged on this.
    changed = [sent for sent, _hash in hashed if sent != password]
    if changed:
        raise CheckFailed(
            expected="the password hashed exactly as typed, spaces included (never trimmed)",
            seen=f"hash_password received {changed[0]!r} for the password {password!r}",
        )


def test_server_fields_not_client_set(client: TestClient) -> None:
    forged = {"id": 999, "created_at": "2000-01-01T00:00:00Z"}
    accepted: list[tuple[str, dict[str, Any]]] = []
    for path, what, payload in (
        ("/books", "the new book", _book(**forged)),
        (
            "/users",
            "the new user",
            _signup("forger", "i-set-my-own-id", password_hash="$argon2id$v=19$fake", **forged),
        ),
    ):
        response = client.post(path, json=payload)
        if response.status_code == 422:
            continue  # refusing unknown fields is as good as ignoring them
        expect(
            response.status_code in CREATED,
            expected=f"POST {path} with extra id and created_at fields to answer 200 or 422",
            seen=describe_response(response),
        )
        body = json_body(response, f"the answer to POST {path}")
        expect(
            isinstance(body, dict) and body.get("id") != 999,
            expected=f"POST {path} to ignore (or refuse) an `id` sent by the client",
            seen="the id 999 the client chose",
        )
        accepted.append((what, body))
    for what, body in accepted:
        expect(
            not str(body.get("created_at", "")).startswith("2000-01-01"),
            expected=f"{what} to ignore (or refuse) a `created_at` sent by the client",
            seen=f"the created_at the client chose, {body.get('created_at')!r}",
        )
        _created_at(body, what)


def test_password_hashing() -> None:
    security = load_module("bookapi.security")
    hash_password = getattr(security, "hash_password", None)
    verify_password = getattr(security, "verify_password", None)
    expect(
        callable(hash_password) and callable(verify_password),
        expected="functions `hash_password` and `verify_password` in bookapi/security.py",
        seen=f"hash_password: {hash_password!r}, verify_password: {verify_password!r}",
    )
    assert callable(hash_password) and callable(verify_password)
    password = "Hash-Check-Echo-95"

    def attempt(what: str, call: Any, *args: str) -> Any:
        try:
            return call(*args)
        except NotImplementedError:
            raise CheckFailed(
                expected=f"{what} to work", seen="NotImplementedError: still a TODO"
            ) from None
        except Exception as error:
            raise CheckFailed(
                expected=f"{what} to work", seen=f"{type(error).__name__}: {error}"
            ) from None

    first = attempt("hash_password(password)", hash_password, password)
    expect(
        isinstance(first, str) and password not in first,
        expected="hash_password to return a string that does not contain the password",
        seen=f"{first!r}"[:80],
    )
    second = attempt("hash_password(password)", hash_password, password)
    expect(
        second != first,
        expected="two hashes of the same password to differ (a salted hash)",
        seen="the same hash twice: equal passwords would be visible in the database",
    )
    expect(
        attempt("verify_password(password, hash)", verify_password, password, first) is True,
        expected="verify_password(password, hash_password(password)) to be True",
        seen="it is not True",
    )
    expect(
        attempt("verify_password(other, hash)", verify_password, password + "!", second) is False,
        expected="verify_password with a wrong password to be False",
        seen="it is not False",
    )
