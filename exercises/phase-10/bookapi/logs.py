"""Structured logs: one JSON object per line, on standard output, each with its request id.

What never goes in: passwords, tokens, the `Authorization` header, email addresses, whole
request bodies or header lists. Log ids (`user_id`, `book_id`, `request_id`) instead.
"""

import logging

# TODO 3: JSON logs.
#   - Write `class JsonFormatter(logging.Formatter)` whose `format(record)` returns one line of
#     JSON (`json.dumps`): the time (aware, UTC), the level, the logger's name, the message
#     (`record.getMessage()`), the request id (`bookapi.middleware.current_request_id()`, when
#     there is one), the fields the code passed with `extra={...}`, and, when the record has
#     `exc_info`, the traceback (`self.formatException(record.exc_info)`).
#     (structlog or python-json-logger are fine too, if you prefer them.)
#   - Fill in `configure_logging`: one `StreamHandler(sys.stdout)` with that formatter as the
#     root logger's only handler, at `level`; the servers' and the queue's loggers ("uvicorn",
#     "uvicorn.error", "uvicorn.access", "gunicorn.error", "huey") with no handler of their own
#     and `propagate = True`. Your middleware writes the access lines, so disable
#     "uvicorn.access".


def configure_logging(level: str = "INFO") -> None:
    """Every log record of the process as JSON lines on stdout. Called when the app (or the
    worker) starts; calling it again must not add a second handler."""
    logging.getLogger(__name__).debug("TODO 3: logging is not configured yet (level %s)", level)
