"""What hidden suites use to load a learner's code and to fail kindly.

A check fails by raising `CheckFailed(expected=..., seen=...)` (or calling `expect`): the grader
prints those two sentences, the check's hint and a link, never a traceback.
"""

from grader.kit.failures import CheckFailed, CheckTimedOut, expect
from grader.kit.http import describe_response, expect_status, json_body
from grader.kit.loader import load_app, load_module, target_path

__all__ = [
    "CheckFailed",
    "CheckTimedOut",
    "describe_response",
    "expect",
    "expect_status",
    "json_body",
    "load_app",
    "load_module",
    "target_path",
]
