"""An instructor's checks for Phase 1: one test `test_<id>` per check in ../checks.toml.

They are written like the hidden suites (grader/suites/): the `client` fixture is the learner's
app with its lifespan running, and a check fails only through `grader.kit`.
"""

from __future__ import annotations

from grader.kit import GradingClient, expect, expect_status


def test_health_is_json(client: GradingClient) -> None:
    response = client.get("/health")
    expect_status(response, 200, "GET /health")
    kind = response.headers.get("content-type", "")
    expect(
        kind.startswith("application/json"),
        expected="GET /health to answer with Content-Type application/json",
        seen=f"Content-Type {kind or 'missing'}",
    )


def test_wrong_method_405(client: GradingClient) -> None:
    response = client.post("/health")
    expect(
        response.status_code == 405,
        expected="POST /health to answer 405 Method Not Allowed",
        seen=f"status {response.status_code}",
    )
    allowed = response.headers.get("allow", "")
    expect(
        "GET" in allowed.upper(),
        expected="an `Allow` header that names GET",
        seen=f"Allow: {allowed}" if allowed else "no `Allow` header",
    )
