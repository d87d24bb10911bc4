"""The Book API, on its way to production (Phase 10). It starts as Phase 9 left it: organised by
domain, built by a factory, versioned under /api/v1.

`create_app(settings)` builds a new, independent app each time it is called: its own settings,
and, once it starts, its own engine, rate limiter and price-service client. Tests call it with
settings of their own (a throwaway database, a cheap page cap); servers import `app`, the one
built here for them, which reads its settings from the environment when it starts:

    fastapi dev bookapi/main.py                                 # on your laptop
    gunicorn --config gunicorn.conf.py bookapi.main:app         # in production (TODO 13)
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from bookapi.database import create_db_engine, create_tables
from bookapi.handlers import add_error_handlers
from bookapi.rate_limit import RateLimiter
from bookapi.routers import auth, authors, books, health, jobs, users
from bookapi.settings import Settings, load_settings

# Every route of the API lives under this prefix. A v2 that changes the contract would be
# mounted beside it, under /api/v2, while clients of v1 move over.
API_PREFIX = "/api/v1"


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
    # TODO 11: configure logging here (`bookapi.logs.configure_logging()`), when the app starts.
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
        # TODO 11: close the job queue's connection too (`worker.close_queue(worker.huey)`).


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
            allow_headers=["Authorization", "Content-Type"],
            # TODO 12: let the front end send X-Request-ID, and let its scripts read it
            # (`expose_headers`): a browser hides the other response headers from them.
        )

    app.add_middleware(cors)
    # TODO 12: in production (`settings_of(app).environment == "production"`, known when the
    # app starts, like the CORS origins), /docs, /docs/oauth2-redirect, /redoc and
    # /openapi.json answer 404. One way: a middleware factory like `cors` above, which answers
    # them itself in production and passes everything else on.
    # TODO 12: add `RequestIdMiddleware` (bookapi.middleware) last, so that it runs first and
    # every response gets the header, CORS preflights included.
    # Probes stay where orchestrators look for them; the API itself is versioned.
    app.include_router(health.router)
    for router in (auth.router, users.router, books.router, authors.router, jobs.router):
        app.include_router(router, prefix=API_PREFIX)
    return app


# The app `fastapi dev bookapi/main.py` and `fastapi run` serve. Tests build their own.
app = create_app()
