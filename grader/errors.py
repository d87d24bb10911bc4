"""Exit statuses, and the error that means "nothing could be done" (kept import-light)."""

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UsageProblem(Exception):
    """Something about the request means nothing can be graded or done; the message says what."""
