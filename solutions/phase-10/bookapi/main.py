"""The Book API after Phase 10: ready for production.

`create_app(settings)` builds a new, independent app each time it is called: its own settings,
and, once it starts, its own engine, rate limiter and price-service client. Tests call it with
settings of their own; servers import `app`, the one built here for them, which reads its
settings from the environment when it starts:

    fastapi dev bookapi/main.py                                 # on your laptop
    gunicorn --config gunicorn.conf.py bookapi.main:app         # in production (see Procfile)

Phase 10 adds: a request id on every response and in every log line, JSON logs, probes for
liveness and readiness, docs hidden in production, jobs run by a separate worker (POST
/api/v1/imports), and a welcome email sent after the response, as a background task.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bookapi import worker
from bookapi.database import create_db_engine, create_tables
from bookapi.handlers import add_error_handlers
from bookapi.logs import configure_logging
from bookapi.middleware import REQUEST_ID_HEADER, RequestIdMiddleware
from bookapi.rate_limit import RateLimiter
from bookapi.routers import auth, authors, books, health, jobs, users
from bookapi.settings import Settings, load_settings

# Every route of the API lives under this prefix. A v2 that changes the contract would be
# mounted beside it, under /api/v2, while clients of v1 move over.
API_PREFIX = "/api/v1"
# What FastAPI serves about the API itself: hidden in production.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def settings_of(app: FastAPI) -> Settings:
    """The app's settings: the ones its factory was given or, failing that, the environment's,
    read the first time they are needed (when the app starts, never when it is created)."""
    if getattr(app.state, "settings", None) is None:
        app.state.settings = load_settings()
    return app.state.settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fail at start-up, not at the first request, when a setting is missing or invalid.
    settings = settings_of(app)
    configure_logging()
    # One engine (and its pool of connections) per run of the app, shared by every request
    # through its own session. Tables that do not exist yet are created; a database managed
    # by migrations (`alembic upgrade head`) already has them all.
    engine = create_db_engine(settings)
    try:
        create_tables(engine)
        app.state.engine = engine
        # One limiter per run of the app: a restart forgets old attempts (as a test wants).
        app.state.login_limiter = RateLimiter(settings.login_attempts_per_minute, 60)
        # One HTTP client per run of the app: it keeps connections to the price service open
        # between requests, and leaving the `async with` block closes them at shutdown.
        async with httpx2.AsyncClient(
            base_url=str(settings.price_service_url), timeout=settings.price_timeout
        ) as price_client:
            app.state.price_client = price_client
            yield
    finally:
        engine.dispose()  # close the pooled connections
        worker.close_queue(worker.huey)  # the queue's file, or its Redis connections


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new Book API. With `settings`, it uses those; without, the environment's, read when it
    starts. Nothing here reads the environment or opens a connection: importing this module and
    calling the factory are both free of side effects."""
    app = FastAPI(title="Book API", version="0.10.0", lifespan=lifespan)
    # The app's own settings, on the app itself (not a dependency override: tests clear those).
    app.state.settings = settings
    add_error_handlers(app)

    def cors(inner: ASGIApp) -> ASGIApp:
        """CORS for the front ends listed in the settings. FastAPI builds its middleware when
        the app starts (its first event), so the settings are read then."""
        return CORSMiddleware(
            inner,
            allow_origins=settings_of(app).cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
            # A browser shows a script only a few response headers unless told otherwise: the
            # front end needs the request id to say "reference 3f2a..." when something fails.
            expose_headers=[REQUEST_ID_HEADER],
        )

    def hide_docs(inner: ASGIApp) -> ASGIApp:
        """In production, /docs, /redoc and /openapi.json answer 404. FastAPI adds those routes
        when the app object is created, before the settings are read; this decides when the
        app starts, like CORS."""
        if settings_of(app).environment != "production":
            return inner

        async def without_docs(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"] in DOCS_PATHS:
                await JSONResponse({"detail": "Not Found"}, status_code=404)(scope, receive, send)
                return
            await inner(scope, receive, send)

        return without_docs

    app.add_middleware(cors)
    app.add_middleware(hide_docs)
    # Added last, so it runs first: every response gets the id, CORS preflights included.
    app.add_middleware(RequestIdMiddleware)
    # Probes stay where orchestrators look for them; the API itself is versioned.
    app.include_router(health.router)
    for router in (auth.router, users.router, books.router, authors.router, jobs.router):
        app.include_router(router, prefix=API_PREFIX)
    return app


# The app `fastapi dev bookapi/main.py` and `fastapi run` serve. Tests build their own.
app = create_app()
