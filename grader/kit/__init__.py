"""What hidden suites use to load a learner's code and to fail kindly.

A check fails by raising `CheckFailed(expected=..., seen=...)` (or calling `expect`), optionally
with the `hint` and `anchor` of the step that failed, or the `cause` it shares with other checks.
The grader prints those sentences, the hint and a link, never a traceback.
"""

from grader.causes import Cause
from grader.kit.aio import async_client
from grader.kit.failures import CheckFailed, CheckTimedOut, expect
from grader.kit.http import GradingClient, describe_response, expect_status, json_body
from grader.kit.loader import (
    describe_error,
    load_app,
    load_module,
    target_path,
    where_in_target,
)

__all__ = [
    "Cause",
    "CheckFailed",
    "CheckTimedOut",
    "GradingClient",
    "async_client",
    "describe_error",
    "describe_response",
    "expect",
    "expect_status",
    "json_body",
    "load_app",
    "load_module",
    "target_path",
    "where_in_target",
]
