"""Structured logs: one JSON object per line, on standard output, each with its request id.

A log line is data for machines first (the log collector indexes fields, you search for
`request_id="3f2a..."`), so every record becomes one JSON object: time, level, logger,
message, the request id, and any `extra={...}` fields the code passed.

What never goes in: passwords, tokens, the `Authorization` header, email addresses, whole
request bodies or header lists. Log ids (`user_id`, `book_id`, `request_id`) instead: they
lead to the data without copying it into every log file and backup.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from bookapi.middleware import current_request_id

# The attributes every LogRecord has: anything else on a record came from `extra={...}`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            # The whole story, for us: the traceback goes to the log, never to the client.
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# The servers' and the queue's own loggers: they send their records to the root's handler.
_OTHER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "huey")


def configure_logging(level: str = "INFO") -> None:
    """Every log record of the process, ours and the servers', as JSON lines on stdout.

    Called when the app (or the worker) starts; calling it again replaces the handler instead of
    adding a second one.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in _OTHER_LOGGERS:
        other = logging.getLogger(name)
        other.handlers = []
        other.propagate = True
    # The request id middleware writes one access line per request (with its id): the
    # server's own access log would say the same thing again, without it.
    logging.getLogger("uvicorn.access").disabled = True
