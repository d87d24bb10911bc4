"""OpenTelemetry, built into FastAPI: a span per request (and per dependency, endpoint and
serialization step) and request metrics, sent to OpenTelemetry's providers.

The global providers do nothing until something configures them. The quickest way to export is
FastAPI's own: set FASTAPI_OTEL_AUTO_CONFIGURE=true and OTEL_EXPORTER_OTLP_ENDPOINT (a collector,
such as http://otel-collector:4318), and traces, metrics and logs go there over OTLP/HTTP.
"""

from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig


# --8<-- [start:telemetry]
def is_probe(scope: MutableMapping[str, Any]) -> bool:
    """Health probes come every few seconds and say nothing new: no spans for them."""
    return str(scope.get("path", "")).startswith("/health")


def create_app(telemetry: TelemetryConfig | None = None) -> FastAPI:
    app = FastAPI(title="Shelf API", telemetry={"exclude": is_probe, **(telemetry or {})})

    @app.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/books/{book_id}")
    def read_book(book_id: int) -> dict[str, int]:
        return {"id": book_id}

    return app


# --8<-- [end:telemetry]
