"""Small helpers for reading responses in checks."""

from __future__ import annotations

import json
from typing import Any, Protocol

from grader.kit.failures import CheckFailed, expect

_PREVIEW = 120


class Response(Protocol):
    """The part of an httpx response that checks read."""

    status_code: int
    headers: Any
    text: str


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def describe_response(response: Response) -> str:
    """`status 404 with body {"detail": ...}`: a short, printable account of a response."""
    body = _preview(response.text) or "an empty body"
    return f"status {response.status_code} with body {body}"


def expect_status(response: Response, status: int | tuple[int, ...], request: str) -> None:
    """Fail kindly unless `request` (e.g. "GET /health") answered with `status` (or one of them)."""
    wanted = (status,) if isinstance(status, int) else status
    expect(
        response.status_code in wanted,
        expected=f"{request} to answer {' or '.join(str(code) for code in wanted)}",
        seen=describe_response(response),
    )


def json_body(response: Response, what: str) -> Any:
    """The response's JSON body, or a kind failure that says what came back instead."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise CheckFailed(
            expected=f"{what} as JSON (content-type application/json)",
            seen=f"content-type {content_type or 'missing'}: {describe_response(response)}",
        )
    try:
        return json.loads(response.text)
    except ValueError:
        raise CheckFailed(
            expected=f"{what} as valid JSON", seen=describe_response(response)
        ) from None
