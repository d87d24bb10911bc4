"""Grading on Gradescope: the results file (`grade phase-N --format gradescope --output FILE`),
a limit on graded submissions per window, and the autograder bundle an instructor uploads
(`grade gradescope-bundle`)."""
