"""The Book API, organised by domain: `bookapi/routers/` (one `APIRouter` per domain),
`bookapi/schemas/`, `bookapi/services/` and `bookapi/dependencies.py`.

It still builds one app, here, at import: every test shares it, and its overrides. Phase 9 turns
it into a factory, `create_app(settings)`, that builds a new, independent app on every call, and
serves the API under /api/v1. The TODOs are numbered across `bookapi/routers/` (1-4),
`bookapi/dependencies.py` (5-6), this file (7-9) and `tests/` (10-15).
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
from bookapi.routers import auth, authors, books, health, users
from bookapi.settings import load_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fail at start-up, not at the first request, when a setting is missing or invalid.
    # TODO 7 (the lifespan's part): use the app's own settings, the ones `create_app` was given,
    # and the environment's (`load_settings()`) only when it was given none; keep them on
    # `app.state.settings`, where `get_settings` (TODO 5) finds them.
    settings = load_settings()
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


def cors(app: ASGIApp) -> ASGIApp:
    """CORS for the front ends listed in the settings. FastAPI builds its middleware when the
    app starts (its first event), so the settings are read then, not at import."""
    return CORSMiddleware(
        app,
        allow_origins=load_settings().cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )


# TODO 7: an app factory. Write `create_app(settings: Settings | None = None) -> FastAPI`, which
# builds everything below (the app, its error handlers, its middleware, its routers) and
# returns the new app. It reads nothing from the environment itself: it keeps `settings` on
# `app.state.settings`, and the lifespan and the CORS middleware read the environment's only
# when there are none. Never put the settings into `dependency_overrides`: tests clear those.
app = FastAPI(title="Book API", version="0.9.0", lifespan=lifespan)
add_error_handlers(app)
app.add_middleware(cors)

# TODO 8: version the API. Keep the health router as it is (probes look for /health), and
# include the other four under the prefix "/api/v1": `app.include_router(router,
# prefix="/api/v1")`, each router once.
app.include_router(health.router)
for router in (auth.router, users.router, books.router, authors.router):
    app.include_router(router)

# TODO 9: end the module with `app = create_app()`: the app `fastapi dev bookapi/main.py` serves.
