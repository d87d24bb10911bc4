"""Structured logs: one JSON object per line on standard output, each with its request id.

The platform collects standard output; its log store indexes the fields, so a search for
`request_id = "7c41..."` finds every line of one request, across every worker."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from docs_src.phase_10.request_ids import current_request_id

# Every LogRecord has these attributes; anything else on a record came from `extra={...}`.
STANDARD_FIELDS = {*vars(logging.makeLogRecord({})), "message", "asctime", "taskName"}


# --8<-- [start:formatter]
class JsonLines(logging.Formatter):
    """One line of JSON per record: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            line["request_id"] = request_id
        line.update(
            (key, value) for key, value in vars(record).items() if key not in STANDARD_FIELDS
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)  # for us, never clients
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Every record of the process, the servers' included, as JSON lines on stdout.
    Calling it again replaces the handler instead of adding a second one."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "huey"):
        logger = logging.getLogger(name)
        logger.handlers = []  # no format of their own...
        logger.propagate = True  # ...their records reach the root's JSON handler
    # RequestIdMiddleware writes one access line per request, with its id: the server's own
    # access line would say the same again, without it.
    logging.getLogger("uvicorn.access").disabled = True


# --8<-- [end:formatter]
