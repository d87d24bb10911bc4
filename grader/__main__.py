"""`python -m grader` is the `grade` command."""

from grader.entry import main

main()
