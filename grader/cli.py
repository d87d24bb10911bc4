"""The `grade` command suite (Typer). Each command imports what it needs when it runs, so that
`grade phase-1` starts as fast as a bare pytest run allows.

    grade                      your progress, and what to do next
    grade phase-1              grade exercises/phase-01/   (also: grade 1)
    grade watch phase-1        re-grade on every save
    grade hint phase-1         the next hint for the first failing check
    grade all                  grade every ready phase
    grade doctor               can this machine take the course?
    grade reset phase-1        back to the untouched stub (your files are kept in a backup)
    grade solution phase-1     the reference solution, once the phase passes
    grade serve                the course site on 127.0.0.1, with your progress in its pages
    grade quizzes              every phase's quick check as a QTI zip, for an LMS
    grade gradescope-bundle 1  the autograder zip an instructor uploads to Gradescope
    grade batch phase-1 DIR    grade a class's submissions (one folder each) into a gradebook

Exit status: 0 all passed (or done), 1 a check failed, 2 nothing could be graded or done.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from grader.errors import EXIT_UNUSABLE, UsageProblem

GRADE_ONE = "phase"


class QuizFormat(StrEnum):
    """The formats `grade quizzes` writes."""

    QTI = "qti"  # IMS QTI 1.2, as Canvas imports it


class _Commands(TyperGroup):
    """`grade phase-3` is short for `grade phase phase-3`: a first word that names no command
    is the phase to grade."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = [GRADE_ONE, *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_Commands,
    name="grade",
    help="Grade your Book API against each phase's hidden checks, and see your progress.\n\n"
    "Run `grade phase-1` (or `grade 1`) to grade a phase; `grade` alone shows your progress.",
    epilog="Exit status: 0 every check passed, 1 a check failed, 2 nothing could be graded.",
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

PhaseArg = Annotated[str, typer.Argument(metavar="PHASE", help="phase-3, 3 or the phase's slug")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
SolutionOpt = Annotated[bool, typer.Option("--solution", help="use the reference solution")]
PathOpt = Annotated[
    Path | None, typer.Option("--path", metavar="DIR", help="use this folder instead")
]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", metavar="S", help="seconds per check")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="also show pytest's own report of each failure")
]


def _run(command: str, **kwargs: Any) -> None:
    """Run `grader.commands.<command>.run(**kwargs)` and exit with its status."""
    import importlib
    import sys

    try:
        module = importlib.import_module(f"grader.commands.{command}")
        code = module.run(**kwargs)
    except UsageProblem as problem:
        print(f"grade: {problem}", file=sys.stderr)
        code = EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("\ngrade: stopped; your saved progress is unchanged.", file=sys.stderr)
        code = 130
    raise typer.Exit(code)


@app.callback(invoke_without_command=True)
def progress(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Your progress over every phase, and what to do next."""
    if ctx.invoked_subcommand is None:
        _run("progress", as_json=json)


ExtraOpt = Annotated[
    Path | None,
    typer.Option(
        "--extra-checks",
        metavar="DIR",
        help="also run an instructor's checks: DIR/checks.toml and DIR/phase_NN/test_*.py",
    ),
]
MaxSubmissionsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-submissions",
        metavar="N",
        help="Gradescope: grade at most N submissions per window; later ones keep the last score",
    ),
]
WindowOpt = Annotated[
    float | None,
    typer.Option("--window", metavar="HOURS", help="the window of --max-submissions (default 24)"),
]


@app.command(
    GRADE_ONE,
    hidden=True,
    epilog="Examples: `grade phase-3` · `grade 3 --solution` · `grade 3 --path ~/submissions/ada`"
    " · `grade 3 --json` · `grade 3 --path /autograder/submission"
    " --format gradescope --output /autograder/results/results.json` · a whole class: "
    "`grade batch phase-3 ~/class`",
)
def grade_phase(
    phase: PhaseArg,
    solution: SolutionOpt = False,
    path: PathOpt = None,
    json: Annotated[bool, typer.Option("--json", help="short for --format json")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="terminal (the default), json, or gradescope (Gradescope's results.json)",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="write the json or gradescope output"),
    ] = None,
    extra: ExtraOpt = None,
    max_submissions: MaxSubmissionsOpt = None,
    window: WindowOpt = None,
    metadata: Annotated[
        Path | None,
        typer.Option(
            "--metadata",
            metavar="FILE",
            help="Gradescope's submission_metadata.json (default: /autograder's)",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="processes that share the checks (default: GRADE_JOBS, else the cores, at most "
            "4; 1 runs them one after another)",
        ),
    ] = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Grade one phase: your exercise, the solution, or any folder."""
    _run(
        "grade_phase",
        spec=phase,
        solution=solution,
        path=path,
        as_json=json,
        fmt=fmt,
        output=output,
        extra=extra,
        max_submissions=max_submissions,
        window=window,
        metadata=metadata,
        jobs=jobs,
        timeout=timeout,
        verbose=verbose,
    )


@app.command(
    epilog="Examples: `grade watch phase-3` · `grade watch 3 --poll` (when saves go unnoticed)"
)
def watch(
    phase: PhaseArg,
    solution: SolutionOpt = False,
    path: PathOpt = None,
    poll: Annotated[
        bool, typer.Option("--poll", help="check for changes by polling (network drives, WSL)")
    ] = False,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Re-grade a phase every time you save a file in its folder (Ctrl-C to stop)."""
    _run(
        "watch",
        spec=phase,
        solution=solution,
        path=path,
        poll=poll,
        timeout=timeout,
        verbose=verbose,
    )


@app.command(epilog="Examples: `grade hint phase-3` · `grade hint 3 no_password_in_responses`")
def hint(
    phase: PhaseArg,
    check: Annotated[
        str | None, typer.Argument(help="a check's id or number (default: the first failing)")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The next hint for a failing check: each call reveals one more step."""
    _run("hint", spec=phase, check=check, as_json=json)


@app.command("all", epilog="Examples: `grade all` · `grade all --solution --json`")
def grade_all(
    solution: SolutionOpt = False,
    json: JsonOpt = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="phases graded at once (default: cores)")
    ] = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Grade every phase that is ready; exit 0 only if all of them pass."""
    _run("grade_all", solution=solution, as_json=json, jobs=jobs, timeout=timeout, verbose=verbose)


@app.command(
    epilog="Examples: `grade batch phase-3 ~/class` · `grade batch 3 ~/class -j 4 --limit 300` · "
    "`grade batch 3 ~/class --output ~/marks --json` · `grade batch 3 ~/class --force`"
)
def batch(
    phase: PhaseArg,
    submissions: Annotated[
        Path,
        typer.Argument(
            metavar="SUBMISSIONS_DIR", help="one folder per learner, named after the learner"
        ),
    ],
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="submissions graded at once (default: cores)"),
    ] = None,
    limit: Annotated[
        float | None,
        typer.Option(
            "--limit",
            metavar="SECONDS",
            help="wall time per submission before it is stopped (default: every check at its "
            "time limit once)",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", metavar="DIR", help="where phase-NN.csv and .json go (default: ./gradebook)"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="grade again what the gradebook's cache already has")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="print the gradebook as JSON")] = False,
    timeout: TimeoutOpt = None,
    extra: ExtraOpt = None,
) -> None:
    """Grade every learner's folder in SUBMISSIONS_DIR, in parallel, into a CSV and JSON
    gradebook (each submission isolated, with a wall limit; a rerun grades only what changed)."""
    _run(
        "batch",
        spec=phase,
        submissions=submissions,
        jobs=jobs,
        limit=limit,
        output=output,
        force=force,
        as_json=json,
        timeout=timeout,
        extra=extra,
    )


@app.command(epilog="Examples: `grade doctor` · `grade doctor --json`")
def doctor(json: JsonOpt = False) -> None:
    """Check that this machine can take the course, with the fix for anything that is off."""
    _run("doctor", as_json=json)


@app.command(epilog="Examples: `grade reset phase-3` · `grade reset 3 --yes`")
def reset(
    phase: PhaseArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Put the untouched stub back, after saving your files to a backup folder."""
    _run("reset", spec=phase, yes=yes)


@app.command(
    epilog="Examples: `grade solution phase-3` · `grade solution 3 --copy` · "
    "`grade solution 3 --force`"
)
def solution(
    phase: PhaseArg,
    copy: Annotated[
        bool, typer.Option("--copy", help="copy it beside your exercise instead of printing it")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="show it even though the phase does not pass yet")
    ] = False,
) -> None:
    """The reference solution of a phase you have finished."""
    _run("solution", spec=phase, copy=copy, force=force)


@app.command(epilog="Examples: `grade serve` · `grade serve --port 8010` · `grade serve --rebuild`")
def serve(
    port: Annotated[
        int, typer.Option("--port", "-p", help="port on 127.0.0.1 (a free one if it is taken)")
    ] = 8008,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="build the site even if it looks up to date")
    ] = False,
) -> None:
    """Serve the course site on 127.0.0.1, with your grader progress in its pages."""
    _run("serve", port=port, rebuild=rebuild)


@app.command(
    epilog="Examples: `grade quizzes` · `grade quizzes --format qti -o quizzes-qti.zip` "
    "(Canvas: Settings > Import Course Content > QTI .zip file)"
)
def quizzes(
    quiz_format: Annotated[
        QuizFormat, typer.Option("--format", "-f", help="qti: IMS QTI 1.2, as Canvas imports it")
    ] = QuizFormat.QTI,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="where to write (quizzes-qti.zip)"),
    ] = None,
) -> None:
    """Export every phase's quick check for an LMS: questions, answers and explanations."""
    _run("quizzes", quiz_format=quiz_format.value, output=output)


@app.command(
    "gradescope-bundle",
    epilog="Examples: `grade gradescope-bundle phase-3 -o autograder.zip` · "
    "`grade gradescope-bundle 3 -o autograder.zip --extra-checks my-checks "
    "--max-submissions 5 --window 24 --site-url https://course.example.edu/`",
)
def gradescope_bundle(
    phase: PhaseArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="the zip to write")
    ] = Path("autograder.zip"),
    extra: ExtraOpt = None,
    max_submissions: MaxSubmissionsOpt = None,
    window: WindowOpt = None,
    site_url: Annotated[
        str | None,
        typer.Option(
            "--site-url",
            metavar="URL",
            help="where learners read the lessons (default: COURSE_SITE_URL, else the catalogue's)",
        ),
    ] = None,
) -> None:
    """Build the autograder zip to upload to Gradescope for one phase."""
    _run(
        "gradescope_bundle",
        spec=phase,
        output=output,
        extra=extra,
        max_submissions=max_submissions,
        window=window,
        site_url=site_url,
    )
