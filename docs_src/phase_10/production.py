"""The Shelf API, assembled for production. Servers call the factory themselves, when each
worker starts, so the settings are read then and never at import:

    gunicorn --config docs_src/phase_10/gunicorn_conf.py 'docs_src.phase_10.production:create_app()'
    uvicorn --factory docs_src.phase_10.production:create_app
"""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from docs_src.phase_10 import background, health, jobs_api
from docs_src.phase_10.lifespan import lifespan
from docs_src.phase_10.request_ids import REQUEST_ID, RequestIdMiddleware, unexpected_error
from docs_src.phase_10.settings import Settings, load_settings


# --8<-- [start:cors]
def add_cors(app: FastAPI, settings: Settings) -> None:
    """Browsers may call the API from the front end's pages, and from no one else's."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,  # exact origins, from the settings; never "*"
        allow_credentials=True,  # the Authorization header may be sent
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID],
        expose_headers=[REQUEST_ID],  # the front end's scripts may read it, to quote it
    )


# --8<-- [end:cors]


# --8<-- [start:factory]
def create_app(settings: Settings | None = None) -> FastAPI:
    """A new Shelf API; without settings, the environment's (no secret: it refuses to start)."""
    settings = settings or load_settings()
    public = settings.environment != "production"
    app = FastAPI(
        title="Shelf API",
        lifespan=lifespan,
        # In production, nobody browses the API: no /docs, no /redoc, no /openapi.json.
        docs_url="/docs" if public else None,
        redoc_url="/redoc" if public else None,
        openapi_url="/openapi.json" if public else None,
    )
    app.state.settings = settings
    app.add_exception_handler(Exception, unexpected_error)
    add_cors(app, settings)
    app.add_middleware(RequestIdMiddleware)  # added last, so it runs first: every response
    app.include_router(health.router)  # /health/live and /health/ready
    app.include_router(background.router)  # POST /members
    app.include_router(jobs_api.router)  # POST /imports, GET /jobs/{job_id}
    return app


# --8<-- [end:factory]
