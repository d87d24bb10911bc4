"""The `grade` command's entry point, kept light: when the command line asks to grade a phase,
the checks' interpreter starts before anything else is imported (Typer included), so that its
own imports overlap ours. Everything else is `grader.cli`."""

from __future__ import annotations

import sys

# The command suite's sub-commands besides grading a phase (a test keeps this in step with
# grader.cli).
OTHER_COMMANDS = frozenset(
    {
        "watch",
        "hint",
        "all",
        "doctor",
        "reset",
        "solution",
        "serve",
        "quizzes",
        "gradescope-bundle",
        "batch",
    }
)


def grades_one_phase(args: list[str]) -> bool:
    """Whether the command line asks to grade one phase (`grade phase-3 ...`)."""
    if not args or args[0].startswith("-") or args[0] in OTHER_COMMANDS:
        return False
    return not {"-h", "--help"} & set(args)


def main() -> None:
    try:
        from grader.sandbox import become_subreaper, prestart

        become_subreaper()
        if grades_one_phase(sys.argv[1:]):
            prestart()
        from grader.cli import app
    except KeyboardInterrupt:
        # Ctrl-C while the grader itself starts up: nothing was graded or saved yet (the
        # commands say the same when they are stopped later on).
        print("\ngrade: stopped; your saved progress is unchanged.", file=sys.stderr)
        raise SystemExit(130) from None
    app(prog_name="grade")
