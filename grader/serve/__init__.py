"""`grade serve`: the course site, served locally with the learner's grader progress."""
