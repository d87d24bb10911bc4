"""Phase 6 — async def, def, and the event loop. One test per check in course.toml, in order.

The checks measure behaviour, never code. A blocking call inside `async def` only shows when
several requests are in flight at once, so the timing checks send them together, through
`grader.kit.async_client` (an httpx client on the app, in one event loop, with the lifespan
running), and compare durations AS RATIOS with wide margins: five price requests at once
against one alone, and the latency of GET /health against one cover computation.

The price service is the grader's own: a tiny HTTP server on 127.0.0.1, in threads of this
process, started for each check and pointed at by BOOKAPI_PRICE_SERVICE_URL. It answers after
a delay the check chooses, fails when the check tells it to, and counts requests and
connections (so a check can tell whether the app shares one client and closes it).

A missing route, a route that never asks the service, and a cover that is not the course's
palette are causes: reported once, at the top.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio.to_thread
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from grader.kit import (
    Cause,
    CheckFailed,
    GradingClient,
    async_client,
    describe_error,
    describe_response,
    expect,
    json_body,
    load_app,
)

T = TypeVar("T")

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
SECRET = "grader-secret-" + secrets.token_hex(16)
URL_VARIABLE = "BOOKAPI_PRICE_SERVICE_URL"
TIMEOUT_VARIABLE = "BOOKAPI_PRICE_TIMEOUT"
ROUNDS_VARIABLE = "BOOKAPI_COVER_ROUNDS"
# Checks that do not measure covers keep them cheap.
QUICK_ROUNDS = 1_000
# A number no check creates: far above any id a fresh store hands out.
MISSING_ID = 987_654

# The timing checks. Every threshold is a ratio, with a wide margin on both sides.
# How long the grader's price service takes to answer in the concurrency check.
PRICE_DELAY = 0.3
# How many price requests go out at once.
AT_ONCE = 5
# They must finish in under this share of the time they would take one after another...
AT_ONCE_SHARE = 0.5
# ...and above this share, they ran one after another (for the hint).
SERIAL_SHARE = 0.8
# While they are in flight, GET /health must answer within this share of one price request.
PRICE_LAG_SHARE = 0.5
# How long one cover computation should take (the grader sets BOOKAPI_COVER_ROUNDS to match).
COVER_SECONDS = 0.5
# While a cover is being computed, GET /health must answer within this share of its time.
COVER_LAG_SHARE = 0.4
# How many times the cover is timed before a late /health counts as a blocked loop.
COVER_TRIES = 3
# How often the probe sends GET /health while slow requests are in flight.
PROBE_EVERY = 0.02

PRICE_ROUTE = re.compile(r"^/books/\{[^}/]+\}/price$")
COVER_ROUTE = re.compile(r"^/books/\{[^}/]+\}/cover$")

PER_REQUEST_CLIENT_HINT = (
    "Every price request opened a connection of its own: a new client for each request. "
    "Creating a client is CPU work (it loads the machine's certificates), done on the event loop "
    "when it happens inside `async def`, and it throws away the open connections. Create one "
    "client in the lifespan and hand it to the route through `PriceClientDep`."
)

# Sections of the lesson, for the steps that send the learner somewhere else than the check.
BLOCKING_ANCHOR = "what-one-blocking-call-does"
CLIENT_ANCHOR = "an-async-http-client-made-once"
POOL_ANCHOR = "the-thread-pools-size"
CPU_ANCHOR = "cpu-heavy-work"

# Causes: one mistake that fails several checks, reported once ---------------------------------

PRICE_ROUTE_MISSING = Cause(
    id="price-route-missing",
    hint="Add `GET /books/{book_id}/price`: it takes the book from `BookDep` and asks the price "
    "service (at `settings.price_service_url`) for the price of the book's ISBN.",
    anchor=CLIENT_ANCHOR,
)
PRICE_SERVICE_NOT_CALLED = Cause(
    id="price-service-not-called",
    hint="GET /books/{book_id}/price must ask the price service at BOOKAPI_PRICE_SERVICE_URL "
    "(`settings.price_service_url`): build the lifespan's client with that base URL and ask it "
    "for `/prices/{isbn}`, never a URL written in the code.",
    anchor=CLIENT_ANCHOR,
)
COVER_ROUTE_MISSING = Cause(
    id="cover-route-missing",
    hint="Add `GET /books/{book_id}/cover`: it takes the book from `BookDep` and answers "
    '`{"book_id": ..., "palette": cover_palette(title, isbn, settings.cover_rounds)}`.',
    anchor=CPU_ANCHOR,
)
COVER_WRONG = Cause(
    id="cover-not-the-course-palette",
    hint="Answer the palette that `bookapi.covers.cover_palette(book.title, book.isbn, "
    "settings.cover_rounds)` computes, unchanged: the grader computes the same one, with the "
    "BOOKAPI_COVER_ROUNDS it set, and compares.",
    anchor=CPU_ANCHOR,
)
APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="The app stops while starting: fix the error its lifespan raised, at the place shown. "
    "The lifespan loads the settings, creates the store, and opens the price service's client.",
    anchor=CLIENT_ANCHOR,
)
SETTINGS_FAIL_AT_START = Cause(
    id="settings-fail-at-start",
    hint="The settings refuse to load with the grader's BOOKAPI_ variables (the secret, the "
    "price service's URL, the timeout, the cover rounds): declare `price_service_url`, "
    "`price_timeout` and `cover_rounds` with types that accept them, and defaults for the rest.",
    anchor=CLIENT_ANCHOR,
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the grader's own BOOKAPI_ variables, whatever the learner's shell exports."""
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    monkeypatch.setenv(ROUNDS_VARIABLE, str(QUICK_ROUNDS))


# The grader's price service -----------------------------------------------------------------


@dataclass
class PriceService:
    """A price service on 127.0.0.1, served by threads of this process.

    GET .../prices/{isbn} answers `{"isbn", "price", "currency"}` for the ISBNs in `prices`,
    the status in `failing` for those, 404 for any other, after `delay` seconds (or the ISBN's
    own delay in `slow`). It notes every request's path, and counts the connections opened
    and those still open.
    """

    prices: dict[str, str] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    delay: float = 0.0
    currency: str = "EUR"
    requests: list[str] = field(default_factory=list)
    connections_opened: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a shared client reuses its connection

            def setup(self) -> None:
                super().setup()
                with service._lock:
                    service.connections_opened += 1
                    service._open.add(self.connection)

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with service._lock:
                        service._open.discard(self.connection)

            def do_GET(self) -> None:
                service._answer(self)

            def log_message(self, *_args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 64

            def handle_error(self, *_args: Any) -> None:
                pass  # a client that hung up (a timeout, a shutdown): nothing to report

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append(path)
        match = re.search(r"/prices/([^/]+)/?$", path)
        isbn = match.group(1) if match else ""
        time.sleep(self.slow.get(isbn, self.delay))
        body: dict[str, Any]
        if not match:
            status, body = 404, {"detail": f"the price service has no page {path}"}
        elif isbn in self.failing:
            status, body = self.failing[isbn], {"detail": "the price service is having a bad day"}
        elif isbn in self.prices:
            status = 200
            body = {"isbn": isbn, "price": self.prices[isbn], "currency": self.currency}
        else:
            status, body = 404, {"detail": f"no price for ISBN {isbn}"}
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def asked_for(self, isbn: str) -> int:
        """How many requests asked for this ISBN's price."""
        with self._lock:
            return sum(1 for path in self.requests if path.rstrip("/").endswith(f"/prices/{isbn}"))

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def stop(self) -> None:
        self._server.shutdown()
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()


@pytest.fixture(autouse=True)
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PriceService]:
    """The grader's price service for this check, and BOOKAPI_PRICE_SERVICE_URL pointing at it."""
    price_service = PriceService()
    monkeypatch.setenv(URL_VARIABLE, price_service.url)
    try:
        yield price_service
    finally:
        price_service.stop()


# Books, ISBNs, prices, palettes ---------------------------------------------------------------

_serials = iter(range(10_000, 100_000))


def isbn13() -> str:
    """A fresh valid ISBN-13 (978 prefix, correct check digit), different on every call."""
    body = f"978{secrets.randbelow(10**5):05d}{next(_serials) % 10**4:04d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def a_price() -> str:
    cents = 500 + secrets.randbelow(5000)
    return f"{cents // 100}.{cents % 100:02d}"


def new_book(title: str, isbn: str | None) -> dict[str, Any]:
    book: dict[str, Any] = {"title": title, "author": "Ursula K. Le Guin", "year": 1969}
    if isbn is not None:
        book["isbn"] = isbn
    return book


def reference_palette(title: str, isbn: str | None, rounds: int) -> list[str]:
    """What `bookapi.covers.cover_palette` computes: the grader's own copy of the course's."""
    digest = hashlib.sha256(f"{title}\n{isbn or ''}".encode()).digest()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return [f"#{digest[start : start + 3].hex()}" for start in range(0, 15, 3)]


def rounds_for(seconds: float) -> int:
    """How many rounds of the course's palette take about `seconds` on this machine, now."""
    sample = 20_000
    started = time.perf_counter()
    reference_palette("calibration", None, sample)
    elapsed = max(time.perf_counter() - started, 1e-6)
    return max(20_000, min(20_000_000, int(sample * seconds / elapsed)))


def as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# Running the app ------------------------------------------------------------------------------


def start_failure(error: BaseException) -> CheckFailed:
    return CheckFailed(
        expected="the app to start (its lifespan to run)",
        seen=describe_error(error),
        cause=SETTINGS_FAIL_AT_START if isinstance(error, ValidationError) else APP_DOES_NOT_START,
    )


@contextmanager
def running(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    client = GradingClient(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except (CheckFailed, Warning, MemoryError):
        raise  # the kit names these (a deprecated API, memory) itself
    except Exception as error:
        raise start_failure(error) from None
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def run(app: FastAPI, scenario: Callable[[Any], Awaitable[T]]) -> T:
    """`scenario(client)` in a fresh event loop, with an async client on the app and the app's
    lifespan running around it, as a server runs it."""

    async def main() -> T:
        try:
            async with async_client(app) as client:
                return await scenario(client)
        except CheckFailed as failure:
            if failure.cause is None and failure.expected.startswith("the app to start"):
                settings = "start-up: ValidationError" in failure.seen
                raise CheckFailed(
                    expected=failure.expected,
                    seen=failure.seen,
                    cause=SETTINGS_FAIL_AT_START if settings else APP_DOES_NOT_START,
                ) from None
            raise

    return asyncio.run(main())


@dataclass
class Answer:
    """A response, or what the app raised instead (an unhandled error, seen as a 500)."""

    status_code: int
    body: Any
    text: str
    seconds: float

    def describe(self) -> str:
        return self.text


async def ask(client: Any, method: str, path: str, **kwargs: Any) -> Answer:
    started = time.perf_counter()
    try:
        response = await client.request(method, path, **kwargs)
    except CheckFailed:
        raise
    except Exception as error:
        return Answer(
            500,
            None,
            f"a 500: your code raised {describe_error(error)}",
            time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(response.status_code, body, describe_response(response), seconds)


def routes(app: FastAPI, pattern: re.Pattern[str]) -> bool:
    """Whether the app has a GET route whose path matches `pattern`."""
    return any(
        pattern.match(getattr(route, "path", ""))
        and "GET" in (getattr(route, "methods", None) or ())
        for route in app.routes
    )


def book_id_of(status: int, body: Any, text: str, title: str) -> int:
    expect(
        status == 201,
        expected=f"POST /books with a valid book ({title!r}) to answer 201",
        seen=text,
        hint="POST /books must still answer 201 with the stored book, as in Phase 5; any error "
        "your code raised is shown above.",
        anchor="phase-5#one-store-per-app-one-session-per-request",
    )
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected=f"the new book {title!r} as a JSON object with an integer `id`",
        seen=f"the body {body!r:.120}",
        hint="Return the stored book from POST /books, `id` included, as in Phase 5.",
        anchor="phase-3#let-the-return-type-filter-the-output",
    )
    return body["id"]


def add_book(client: GradingClient, title: str, isbn: str | None) -> int:
    response = client.post("/books", json=new_book(title, isbn))
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    return book_id_of(response.status_code, body, describe_response(response), title)


async def add_book_async(client: Any, title: str, isbn: str | None) -> int:
    answer = await ask(client, "POST", "/books", json=new_book(title, isbn))
    return book_id_of(answer.status_code, answer.body, answer.describe(), title)


def price_failure(app: FastAPI, service: PriceService, isbn: str, response: Any) -> CheckFailed:
    """Why GET /books/{id}/price did not answer 200: a missing route, a service never asked, or
    an error of the route's own."""
    status = response.status_code
    seen = response.describe() if isinstance(response, Answer) else describe_response(response)
    if not routes(app, PRICE_ROUTE):
        return CheckFailed(
            expected="a route GET /books/{book_id}/price",
            seen=f"none in the app: {seen}",
            cause=PRICE_ROUTE_MISSING,
        )
    if not service.requests and status != 500:  # a 500 shows the route's own error instead
        return CheckFailed(
            expected=f"GET /books/{{book_id}}/price to ask the price service at {URL_VARIABLE}",
            seen=f"the grader's price service got no request; the route answered {seen}",
            cause=PRICE_SERVICE_NOT_CALLED,
        )
    return CheckFailed(
        expected=f"GET /books/{{book_id}}/price to answer 200 for a book with ISBN {isbn}, which "
        "the price service knows",
        seen=seen,
        hint="The price route must answer 200 before anything else can be checked: ask the "
        'service for `/prices/{isbn}`, read its JSON answer and return `{"book_id", "isbn", '
        '"price", "currency"}`. The error your code raised is shown above.',
        anchor=CLIENT_ANCHOR,
    )


def cover_failure(app: FastAPI, seen: str) -> CheckFailed:
    if not routes(app, COVER_ROUTE):
        return CheckFailed(
            expected="a route GET /books/{book_id}/cover",
            seen=f"none in the app: {seen}",
            cause=COVER_ROUTE_MISSING,
        )
    return CheckFailed(
        expected="GET /books/{book_id}/cover to answer 200 for a stored book",
        seen=seen,
        hint='Answer `{"book_id": ..., "palette": ...}` with the palette from '
        "`cover_palette(book.title, book.isbn, settings.cover_rounds)`; the error your code "
        "raised is shown above.",
        anchor=CPU_ANCHOR,
    )


def expect_palette(body: Any, book_id: int, expected: list[str], rounds: int) -> None:
    palette = body.get("palette") if isinstance(body, dict) else None
    if palette == expected and body.get("book_id") == book_id:
        return
    if palette == expected:
        raise CheckFailed(
            expected=f"the cover's `book_id` to be {book_id}",
            seen=f"the body {body!r:.160}",
            hint="Answer the book's own id as `book_id`, beside its palette.",
            anchor=CPU_ANCHOR,
        )
    raise CheckFailed(
        expected=f"the palette `cover_palette(title, isbn, {rounds})` ({ROUNDS_VARIABLE}={rounds})",
        seen=f"the body {body!r:.160}",
        cause=COVER_WRONG,
    )


async def probe_while(client: Any, pending: list[asyncio.Task[Any]]) -> list[float]:
    """GET /health again and again while `pending` run: how late each answer came, counted from
    the moment the probe was due. A blocked event loop wakes the probe late, so the time it was
    blocked shows up here, whoever blocked it."""
    lags: list[float] = []
    due = time.perf_counter()
    while not all(task.done() for task in pending):
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        answer = await ask(client, "GET", "/health")
        expect(
            answer.status_code == 200,
            expected="GET /health to answer 200 while other requests are in flight",
            seen=answer.describe(),
            hint='Keep Phase 1\'s GET /health: it answers {"status": "ok"} at once, whatever '
            "else the app is doing.",
            anchor="phase-1#your-first-path-operation",
        )
        lags.append(time.perf_counter() - due)
        due = max(due + PROBE_EVERY, time.perf_counter())
    return lags


def record(check: str, **numbers: float) -> None:
    """Append this check's measurements to the file GRADE_MEASUREMENTS names, if it names one:
    bench/phase_06_stability.py reads them. Grading never needs it."""
    path = os.environ.get("GRADE_MEASUREMENTS")
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"check": check, **numbers}) + "\n")


def thread_tokens() -> int:
    """The size of the thread pool that runs `def` routes, in the running event loop."""
    return int(anyio.to_thread.current_default_thread_limiter().total_tokens)


def pool_advice(tokens: int, busy: int) -> str | None:
    if tokens > busy:
        return None
    return (
        f"Your app shrank the thread pool that runs `def` routes and dependencies to "
        f"{plural(tokens, 'thread')}: {busy} slow requests take them all, and every other "
        "request (GET /health too) queues behind them. Leave anyio's default limiter alone "
        "(40 threads), or raise it, never below what runs at once."
    )


# Clients of the learner's code --------------------------------------------------------------


def client_types() -> tuple[type, ...]:
    """The HTTP client classes a learner may use (those that are installed)."""
    import httpx2

    found: list[type] = [httpx2.Client, httpx2.AsyncClient]
    try:
        import httpx

        found += [httpx.Client, httpx.AsyncClient]
    except ImportError:
        pass
    try:
        import requests

        found.append(requests.Session)
    except ImportError:
        pass
    return tuple(found)


def clients_at_module_level() -> list[str]:
    """Where the learner's modules keep an HTTP client made at import."""
    import sys

    kinds = client_types()
    found = []
    for name, module in list(sys.modules.items()):
        if name == "bookapi" or name.startswith("bookapi."):
            for key, value in list(vars(module).items()):
                if isinstance(value, kinds):
                    found.append(f"{name}.{key}")
    return sorted(found)


def live_clients() -> list[Any]:
    """Every HTTP client object alive in this process (holding them keeps them from being
    collected, which would close their connections behind the app's back)."""
    kinds = client_types()
    return [obj for obj in gc.get_objects() if isinstance(obj, kinds)]


# Checks ---------------------------------------------------------------------------------------


def test_price_route_answers(service: PriceService) -> None:
    isbn, price = isbn13(), a_price()
    service.prices[isbn] = price
    app = load_app()
    with running(app) as client:
        book_id = add_book(client, "The Left Hand of Darkness", isbn)
        response = client.get(f"/books/{book_id}/price")
        if response.status_code != 200:
            raise price_failure(app, service, isbn, response)
        expect(
            service.asked_for(isbn) >= 1,
            expected=f"the price service to be asked for /prices/{isbn}",
            seen=f"it was asked for {', '.join(service.requests[:3]) or 'nothing'}",
            hint=f"Ask the price service for `/prices/{{isbn}}` with the book's ISBN ({isbn}), "
            "relative to its base URL.",
        )
        body = json_body(response, "the price")
        expect(
            isinstance(body, dict),
            expected='the price as a JSON object {"book_id", "isbn", "price", "currency"}',
            seen=f"the body {body!r:.120}",
            hint="Return a `BookPrice` (the exercise's schema) from the route.",
        )
        quoted = as_decimal(body.get("price"))
        expect(
            quoted == Decimal(price)
            and body.get("currency") == service.currency
            and body.get("isbn") == isbn
            and body.get("book_id") == book_id,
            expected=f'{{"book_id": {book_id}, "isbn": "{isbn}", "price": "{price}", '
            f'"currency": "{service.currency}"}} (the price the service quoted)',
            seen=f"the body {body!r:.160}",
            hint="Answer the price and currency exactly as the service quoted them (a decimal, "
            "as a string or a number), with the book's id and ISBN.",
        )
        asked = len(service.requests)
        missing = client.get(f"/books/{MISSING_ID}/price")
        expect(
            missing.status_code == 404,
            expected=f"GET /books/{MISSING_ID}/price (no such book) to answer 404",
            seen=describe_response(missing),
            hint="Take the book from `BookDep`: a missing book answers 404 before the route runs.",
            anchor="phase-5#validating-with-dependencies",
        )
        no_isbn = add_book(client, "The Dispossessed", None)
        answer = client.get(f"/books/{no_isbn}/price")
        body = json_body(answer, "the answer for a book without an ISBN")
        expect(
            answer.status_code in (404, 409, 422) and isinstance(body, dict) and "detail" in body,
            expected=f"GET /books/{no_isbn}/price, a book without an ISBN, to answer 404 with "
            '{"detail": ...}',
            seen=describe_response(answer),
            hint="A book without an ISBN has no price to look up: raise `BookHasNoIsbn` (a "
            "`NotFound`, so Phase 4's handler answers 404) before calling the service.",
        )
        expect(
            len(service.requests) == asked,
            expected="no request to the price service for a missing book or a book without an ISBN",
            seen=f"{plural(len(service.requests) - asked, 'request')}: "
            f"{', '.join(service.requests[asked:][:3])}",
            hint="Check the book first (`BookDep`, then its ISBN), and call the service only "
            "when there is an ISBN to ask about.",
        )


def test_price_calls_run_concurrently(service: PriceService) -> None:
    isbns = [isbn13() for _ in range(AT_ONCE + 2)]
    service.prices.update({isbn: a_price() for isbn in isbns})
    service.delay = PRICE_DELAY
    app = load_app()

    async def scenario(client: Any) -> tuple[float, float, list[float], int]:
        ids = [
            await add_book_async(client, f"A Wizard of Earthsea, {n}", i)
            for n, i in enumerate(isbns)
        ]
        warm = await ask(client, "GET", f"/books/{ids[0]}/price")  # connections, lazy imports...
        if warm.status_code != 200:
            raise price_failure(app, service, isbns[0], warm)
        one = await ask(client, "GET", f"/books/{ids[1]}/price")
        started = time.perf_counter()
        burst = [asyncio.ensure_future(ask(client, "GET", f"/books/{i}/price")) for i in ids[2:]]
        lags = await probe_while(client, burst)
        answers = await asyncio.gather(*burst)
        total = time.perf_counter() - started
        for answer in [one, *answers]:
            expect(
                answer.status_code == 200,
                expected="every price request to answer 200",
                seen=answer.describe(),
                hint="The price route answered once, then failed when several requests came at "
                "once: share one client between requests (the lifespan's), and keep nothing of "
                "one request's in a global the next one overwrites.",
                anchor=CLIENT_ANCHOR,
            )
        return one.seconds, total, lags, thread_tokens()

    one, total, lags, tokens = run(app, scenario)
    one_after_another = AT_ONCE * one
    record(
        "price_calls_run_concurrently",
        one=one,
        total=total,
        ratio=total / one_after_another,
        ratio_limit=AT_ONCE_SHARE,
        lag=max(lags),
        lag_ratio=max(lags) / one,
        lag_limit=PRICE_LAG_SHARE,
    )
    # Why it failed, when it does. Requests that ran strictly one after another were held up by
    # something that blocks (or a pool shrunk to a few threads); requests that overlapped in
    # part, each on a connection of its own, point at a client made for every request.
    serial = total >= SERIAL_SHARE * one_after_another
    per_request = service.connections_opened >= AT_ONCE + 2  # one for each of the 7 requests
    if tokens <= AT_ONCE:
        hint, anchor = pool_advice(tokens, AT_ONCE), POOL_ANCHOR
    elif per_request and not serial:
        hint, anchor = PER_REQUEST_CLIENT_HINT, CLIENT_ANCHOR
    else:
        hint, anchor = None, BLOCKING_ANCHOR
    expect(
        total < AT_ONCE_SHARE * one_after_another,
        expected=f"{AT_ONCE} price requests sent at once (the service answers each in "
        f"{ms(PRICE_DELAY)}) to finish in well under {ms(AT_ONCE_SHARE * one_after_another)}"
        f" ({AT_ONCE_SHARE:.0%} of {AT_ONCE} times {ms(one)}, one request's time)",
        seen=f"they took {ms(total)}, {total / one:.1f} times one request"
        + (": they ran one after another" if serial else ""),
        hint=hint
        or "While your price route waits for the service, nothing else runs: a blocking call (a "
        "sync client such as `requests` or `httpx2.Client`, `time.sleep`) inside `async def` "
        "stops the event loop. Await an async client (`httpx2.AsyncClient`), or make the route "
        "a plain `def` so FastAPI runs it in a worker thread. A lock or a semaphore around the "
        "call has the same effect: let the requests overlap.",
        anchor=anchor,
    )
    worst = max(lags)
    expect(
        worst < PRICE_LAG_SHARE * one,
        expected=f"GET /health to answer within {ms(PRICE_LAG_SHARE * one)} while price "
        f"requests are in flight ({PRICE_LAG_SHARE:.0%} of one price request, {ms(one)})",
        seen=f"it took up to {ms(worst)}: something held the event loop (or every worker thread) "
        "for that long",
        hint=hint
        or "Part of each price request blocks the event loop: look for `time.sleep`, a sync "
        "client, file or CPU work inside `async def` (the route, its dependencies, the code "
        "they call) and await, offload (`anyio.to_thread.run_sync`), or use a plain `def`.",
        anchor=anchor,
    )


def expect_gateway_error(answer: Any, what: str, hint: str) -> None:
    status = answer.status_code
    body = answer.json() if "json" in answer.headers.get("content-type", "") else None
    expect(
        status in (502, 503, 504) and isinstance(body, dict) and "detail" in body,
        expected=f'{what} to answer 502 (or 503/504) with {{"detail": ...}}',
        seen=describe_response(answer),
        hint=hint
        if status != 500
        else "The price service's failure became a 500, as if your own code had crashed: catch "
        "the client's errors (`httpx2.HTTPError`) and the service's error statuses, and raise a "
        "domain error (`PriceServiceFailed`) that a handler answers with 502.",
    )


def test_price_service_errors(service: PriceService, monkeypatch: pytest.MonkeyPatch) -> None:
    known, unknown, failing, slow = isbn13(), isbn13(), isbn13(), isbn13()
    service.prices.update({known: a_price(), slow: a_price()})
    service.failing[failing] = 503
    service.slow[slow] = 2.0
    monkeypatch.setenv(TIMEOUT_VARIABLE, "0.3")
    app = load_app()
    with running(app) as client:
        ids = {
            isbn: add_book(client, f"The Lathe of Heaven, {n}", isbn)
            for n, isbn in enumerate((known, unknown, failing, slow))
        }
        first = client.get(f"/books/{ids[known]}/price")
        if first.status_code != 200:
            raise price_failure(app, service, known, first)
        missing = client.get(f"/books/{ids[unknown]}/price")
        body = json_body(missing, "the answer") if missing.status_code != 500 else None
        expect(
            missing.status_code == 404 and isinstance(body, dict) and "detail" in body,
            expected=f'GET /books/{ids[unknown]}/price to answer 404 with {{"detail": ...}}: the '
            f"price service answered 404 for its ISBN ({unknown})",
            seen=describe_response(missing),
            hint="A 404 from the price service means it has no price for that ISBN: raise "
            "`PriceNotFound` (a `NotFound`), which Phase 4's handler answers with 404.",
        )
        expect_gateway_error(
            client.get(f"/books/{ids[failing]}/price"),
            f"GET /books/{ids[failing]}/price, whose ISBN the price service answers with 503,",
            hint="When the price service answers an error status, your API did not fail the "
            "client, the service failed you: raise `PriceServiceFailed` and answer 502.",
        )
        started = time.perf_counter()
        late = client.get(f"/books/{ids[slow]}/price")
        waited = time.perf_counter() - started
        expect(
            late.status_code != 200,
            expected=f"GET /books/{ids[slow]}/price to give up after {TIMEOUT_VARIABLE}=0.3 s "
            "(the price service takes 2 s to answer for its ISBN) and answer 502 or 504",
            seen=f"it waited {waited:.1f} s for the answer and passed it on",
            hint="Give the client the configured timeout (`httpx2.AsyncClient(..., "
            "timeout=settings.price_timeout)`): a slow service must not hold your requests "
            "for as long as it likes.",
        )
        expect_gateway_error(
            late,
            f"GET /books/{ids[slow]}/price, after the price service took too long,",
            hint="A timeout is the service failing you: catch `httpx2.TimeoutException` (or any "
            "`httpx2.HTTPError`) and answer 502 (or 504, Gateway Timeout).",
        )
    # The service is down: nothing listens on its port any more.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setenv(URL_VARIABLE, f"http://127.0.0.1:{closed_port}")
    app = load_app()
    with running(app) as client:
        book_id = add_book(client, "The Word for World Is Forest", known)
        expect_gateway_error(
            client.get(f"/books/{book_id}/price"),
            f"GET /books/{book_id}/price while the price service is down (nothing answers on "
            f"port {closed_port})",
            hint="A service that cannot be reached is the service failing you: catch the "
            "client's error (`httpx2.ConnectError`, or any `httpx2.HTTPError`) and answer 502.",
        )


def test_price_client_lifecycle(service: PriceService) -> None:
    isbns = [isbn13() for _ in range(4)]
    service.prices.update({isbn: a_price() for isbn in isbns})
    app = load_app()
    called = list(service.requests)
    expect(
        not called,
        expected="importing the app to call nothing",
        seen=f"the price service got {plural(len(called), 'request')} while `bookapi.main` was "
        f"imported ({', '.join(called[:2])})",
        hint="Call the price service from routes only: a call at import runs whenever anything "
        "imports your module (a test, a tool), before any settings or server are in place.",
    )
    at_import = clients_at_module_level()
    with running(app) as client:
        before = service.connections_opened  # a warm-up call in the lifespan is fine
        for n, isbn in enumerate(isbns[:3]):
            book_id = add_book(client, f"Tehanu, {n}", isbn)
            response = client.get(f"/books/{book_id}/price")
            if response.status_code != 200:
                raise price_failure(app, service, isbn, response)
        opened = service.connections_opened - before
        expect(
            opened <= 1,
            expected="one connection to the price service for three requests, one after another "
            "(one shared client keeps its connection open)",
            seen=f"{plural(opened, 'connection')}: a new client (or a new connection) for every "
            "request",
            hint="Create one client in the lifespan and hand it to the route through a dependency "
            "(`PriceClientDep`): a client made per request (`async with httpx2.AsyncClient()` in "
            "the route, `requests.get`, `httpx2.get`) opens a new connection every time.",
        )
        kept = live_clients()  # alive until the app has shut down
    deadline = time.monotonic() + 1.0
    while service.open_connections() and time.monotonic() < deadline:
        time.sleep(0.01)
    left = service.open_connections()
    expect(
        left == 0,
        expected="the app to close its client (and its connections) when it shuts down",
        seen=f"{plural(left, 'connection')} to the price service still open after shutdown",
        hint=f"The client in {at_import[0]} is made at import and never closed: create it in "
        "the lifespan instead, with `async with httpx2.AsyncClient(...) as client:` around the "
        "`yield`."
        if at_import
        else "Close the client when the lifespan ends: create it with `async with "
        "httpx2.AsyncClient(...) as client:` around the `yield` (or call `await client.aclose()` "
        "after it).",
    )
    del kept
    with running(app) as client:
        book_id = add_book(client, "Tales from Earthsea", isbns[3])
        again = client.get(f"/books/{book_id}/price")
        expect(
            again.status_code == 200,
            expected="the price route to work again when the app starts a second time",
            seen=describe_response(again),
            hint=f"A client made at import ({at_import[0]}) serves one run of the app: create a "
            "new one in the lifespan, every time the app starts."
            if at_import
            else "Create the client in the lifespan, every time the app starts: one kept from an "
            "earlier run is closed, or belongs to an event loop that is gone.",
        )


def test_cover_route_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = 2_000 + secrets.randbelow(3_000)
    monkeypatch.setenv(ROUNDS_VARIABLE, str(rounds))
    app = load_app()
    with running(app) as client:
        title, isbn = "The Tombs of Atuan", isbn13()
        book_id = add_book(client, title, isbn)
        response = client.get(f"/books/{book_id}/cover")
        if response.status_code != 200:
            raise cover_failure(app, describe_response(response))
        body = json_body(response, "the cover")
        expect_palette(body, book_id, reference_palette(title, isbn, rounds), rounds)
        bare = add_book(client, "The Farthest Shore", None)
        response = client.get(f"/books/{bare}/cover")
        expect(
            response.status_code == 200,
            expected=f"GET /books/{bare}/cover, a book without an ISBN, to answer 200",
            seen=describe_response(response),
            hint="Every book has a cover, ISBN or not: pass `book.isbn` (which may be None) to "
            "`cover_palette` as it is.",
        )
        expect_palette(
            json_body(response, "the cover"),
            bare,
            reference_palette("The Farthest Shore", None, rounds),
            rounds,
        )
        missing = client.get(f"/books/{MISSING_ID}/cover")
        expect(
            missing.status_code == 404,
            expected=f"GET /books/{MISSING_ID}/cover (no such book) to answer 404",
            seen=describe_response(missing),
            hint="Take the book from `BookDep`: a missing book answers 404 before the route runs.",
            anchor="phase-5#validating-with-dependencies",
        )


def test_loop_free_during_cover_work(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = rounds_for(COVER_SECONDS)
    monkeypatch.setenv(ROUNDS_VARIABLE, str(rounds))
    app = load_app()
    title = "The Other Wind"

    async def scenario(client: Any) -> tuple[float, list[float], int]:
        isbn = isbn13()
        book_id = await add_book_async(client, title, isbn)
        first = await ask(client, "GET", f"/books/{book_id}/cover")  # a process pool starts...
        if first.status_code != 200:
            raise cover_failure(app, first.describe())
        expect_palette(first.body, book_id, reference_palette(title, isbn, rounds), rounds)
        one = await ask(client, "GET", f"/books/{book_id}/cover")
        cover = [asyncio.ensure_future(ask(client, "GET", f"/books/{book_id}/cover"))]
        lags = await probe_while(client, cover)
        for answer in (one, await cover[0]):
            if answer.status_code != 200:
                raise cover_failure(app, answer.describe())
        return one.seconds, lags, thread_tokens()

    # A blocked loop holds every probe taken during the cover, on every try; a free one can
    # still meet one late probe when another process takes the CPU. The best of a few tries.
    tries = [run(app, scenario)]
    while len(tries) < COVER_TRIES and max(tries[-1][1]) >= COVER_LAG_SHARE * tries[-1][0]:
        tries.append(run(app, scenario))
    one, lags, tokens = min(tries, key=lambda found: max(found[1]) / found[0])
    worst = max(lags)
    record(
        "loop_free_during_cover_work",
        one=one,
        rounds=rounds,
        lag=worst,
        lag_ratio=worst / one,
        lag_limit=COVER_LAG_SHARE,
        probes=len(lags),
    )
    expect(
        worst < COVER_LAG_SHARE * one,
        expected=f"GET /health to answer within {ms(COVER_LAG_SHARE * one)} while a cover is "
        f"being computed ({COVER_LAG_SHARE:.0%} of one cover's time, {ms(one)})",
        seen=f"it took up to {ms(worst)}: the cover held the event loop (or the only worker "
        "thread) all that time",
        hint=pool_advice(tokens, 1)
        or "The cover is CPU work running on the event loop: while it computes, no other request "
        "moves. Make the route a plain `def` (FastAPI runs it in a worker thread), or keep "
        "`async def` and `await anyio.to_thread.run_sync(...)` the computation, or send it to a "
        "process pool.",
        anchor=POOL_ANCHOR if tokens <= 1 else CPU_ANCHOR,
    )
