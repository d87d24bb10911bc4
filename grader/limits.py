"""Numbers shared by the grader's runner and its pytest plugin (kept import-light)."""

# How long a check may go on after its time limit before its process is ended from outside.
GRACE_SECONDS = 2.0
# Exit status of a pytest run that was ended because a check could not be stopped.
HUNG_EXIT = 70
