"""Numbers shared by the grader's runner and its pytest plugin (kept import-light)."""

# How long a check may go on after its time limit before its process is ended from outside.
GRACE_SECONDS = 1.0
# Exit status of a pytest run that was ended because a check could not be stopped.
HUNG_EXIT = 70
# Exit status of a pytest run that used up its CPU seconds.
LEARNER_EXIT_CPU = 71
# Limits on the process that runs the checks (the course catalogue may change them).
MEMORY_MIB = 2048
FILE_MIB = 256
OPEN_FILES = 1024
# Warnings that mean "this API is on its way out": learner code that triggers one fails the check.
# FastAPI's and Starlette's own deprecation warnings are UserWarnings, so they are named too.
DEPRECATION_WARNINGS = (
    "DeprecationWarning",
    "PendingDeprecationWarning",
    "fastapi.exceptions.FastAPIDeprecationWarning",
    "starlette.exceptions.StarletteDeprecationWarning",
)
