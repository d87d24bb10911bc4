"""Every error the Book API answers with, mapped to one shape, {"detail": ...}, in one place."""

import logging

from fastapi import FastAPI

logger = logging.getLogger("bookapi.errors")


def add_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`. main.py calls it once, right after creating the app."""
    # Declare each handler inside this function with `@app.exception_handler(...)`.
    #
    # TODO 3: NotFound -> 404 and Conflict -> 409, each with the body {"detail": exc.detail}.
    #         (Starlette picks a handler by the exception's class hierarchy, so one handler
    #         for NotFound also catches BookNotFound and UserNotFound.)
    #
    # TODO 4: RequestValidationError -> 422 (status.HTTP_422_UNPROCESSABLE_CONTENT) with
    #         {"detail": [...]}: for every error in exc.errors() keep `loc`, `msg` and `type`,
    #         and drop `input` (the rejected value: a password, for one) and `url`. `ctx` (the
    #         rule's parameters) may stay, made JSON-safe: a validator's error holds the
    #         exception it raised there, so turn such values into their text (`str(value)`).
    #
    # TODO 5: Exception -> 500 with a generic {"detail": ...} that says nothing about the bug.
    #         Log the exception, with its traceback, at ERROR level: `logger.error(...,
    #         exc_info=exc)` (`logger.exception(...)` attaches it only in an `async def`
    #         handler). The log gets the details; the client does not.
