"""Numbers shared by the grader's runner and its pytest plugin (kept import-light)."""

# How long a check may go on after its time limit before its process is ended from outside.
GRACE_SECONDS = 2.0
# Exit status of a pytest run that was ended because a check could not be stopped.
HUNG_EXIT = 70
# Warnings that mean "this API is on its way out": learner code that triggers one fails the check.
# FastAPI's and Starlette's own deprecation warnings are UserWarnings, so they are named too.
DEPRECATION_WARNINGS = (
    "DeprecationWarning",
    "PendingDeprecationWarning",
    "fastapi.exceptions.FastAPIDeprecationWarning",
    "starlette.exceptions.StarletteDeprecationWarning",
)
