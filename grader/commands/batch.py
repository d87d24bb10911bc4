"""`grade batch`: grade a whole class's submissions of one phase, in parallel, into a gradebook.

    grade batch phase-1 submissions/                 # submissions/ada/bookapi/, .../brian/...
    grade batch phase-1 submissions/ -j 4            # four submissions at once (default: cores)
    grade batch phase-1 submissions/ --limit 120     # seconds per submission before it is stopped
    grade batch phase-1 submissions/ --output marks  # marks/phase-01.csv and marks/phase-01.json
    grade batch phase-1 submissions/ --force         # grade again what the cache already has
    grade batch phase-1 submissions/ --json          # the gradebook as JSON on stdout

Every sub-folder of SUBMISSIONS_DIR is one learner (its name is the learner's; hidden folders
and the gradebook's own folder are left out). Each is graded as `grade phase-N --path` grades a
folder: a temporary copy, in a process group of its own with memory, CPU, file-size and
open-file limits, each check with its time limit; and only loopback is reachable: as root on
Linux each submission's checks run in an empty network namespace (only `lo`), elsewhere the
grader's audit hook is the only guard, and the command says so. A submission that runs past the
wall limit (`--limit`; by default long enough for every check to hit its time limit once) is
stopped, its process group and every process carrying its run's mark killed, and recorded as
"timed out".

The gradebook (`./gradebook/` unless `--output`) holds a row per learner: status, score, max,
each check passed or failed, duration in seconds, and a few words on what stopped it (status
meanings: `grader.gradebook`). Both files are rewritten atomically after every finished
submission, so Ctrl-C keeps what was done. A rerun grades only what changed
(`grader.batch_cache`).

Exit status: 0 every submission was graded (whatever the scores), 1 some were not (timed out,
crashed, not importable), 2 none could be graded (or the command line was wrong), 130 stopped by
Ctrl-C.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import batch_cache, gradebook, netns, runner
from grader.catalogue import CATALOGUE_FILE, Course, Phase
from grader.commands import common
from grader.commands.grade_phase import extra_checks
from grader.errors import EXIT_FAILED, EXIT_PASSED, EXIT_UNUSABLE, UsageProblem
from grader.gradebook import Gradebook, Row, Status
from grader.limits import GRACE_SECONDS, MEMORY_MIB

if TYPE_CHECKING:
    from grader.extra import ExtraSuite

EXIT_STOPPED = 130
# How often the main thread looks up from waiting (Ctrl-C is seen at once either way).
_TICK = 0.5


@dataclass(frozen=True)
class Submission:
    learner: str
    folder: Path
    key: str


@dataclass(frozen=True)
class Graded:
    """A submission's row, and whether a rerun may reuse it (not when the grader itself
    failed: that says nothing about the submission)."""

    row: Row
    cacheable: bool = True


@dataclass(frozen=True)
class Settings:
    """How every submission of this batch is graded: one place that calls `runner.grade`."""

    course: Course
    phase: Phase
    timeout: float | None
    limit: float
    own_network: bool
    extra: ExtraSuite | None = None

    def grade(self, submission: Submission, cancel: threading.Event) -> Graded:
        started = time.monotonic()
        try:
            result = runner.grade(
                self.course,
                self.phase,
                submission.folder,
                timeout=self.timeout,
                cancel=cancel,
                own_network=self.own_network,
                extra=self.extra,
            )
        except runner.Cancelled:
            raise
        except Exception as error:  # the grader's own failure: recorded, never the batch's end
            row = gradebook.unfinished(
                submission.learner,
                Status.CRASHED,
                len(runner.plan(self.course, self.phase, self.extra)),
                time.monotonic() - started,
                f"the grader failed: {type(error).__name__}: {error}",
            )
            return Graded(row, cacheable=False)
        return Graded(gradebook.row_of(submission.learner, result))


def default_limit(course: Course, phase: Phase, timeout: float | None) -> float:
    """Seconds one submission may take: every check running into its time limit once, with the
    grace and margin the runner gives each, plus the time for pytest to start and finish."""
    per_check = runner.check_timeout(course, phase, timeout) + GRACE_SECONDS + 1.0
    return len(runner.plan(course, phase)) * per_check + runner.STARTUP_ALLOWANCE


def _learners(folder: Path, output: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageProblem(f"There is no folder {folder} to grade.")
    found = sorted(
        path
        for path in folder.iterdir()
        if path.is_dir() and not path.name.startswith(".") and path.resolve() != output
    )
    if not found:
        raise UsageProblem(f"No submissions in {folder}: it holds no folders, one per learner.")
    return found


class _Report:
    """How far the batch is: a Rich progress bar when stderr is a terminal, otherwise a line per
    finished submission."""

    def __init__(self, total: int) -> None:
        self.done = 0
        self.total = total
        self.bar: Any = None
        if total and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("grading", total=total)
            self.bar.start()

    def finished(self, row: Row) -> None:
        self.done += 1
        score = "—" if row.score is None else f"{row.score}/{row.max}"
        line = f"[{self.done}/{self.total}] {row.learner}: {row.status.value}, {score}"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=f"graded {row.learner}")
        else:
            print(f"{line} ({row.duration:.1f} s)", file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _grade_all(
    settings: Settings,
    pending: list[Submission],
    jobs: int,
    finished: Callable[[Submission, Graded], None],
) -> bool:
    """Grade `pending`, `jobs` at a time, calling `finished` (in this thread) as each ends.
    Returns False when Ctrl-C stopped it (the submissions being graded are dropped)."""
    stop = threading.Event()
    cancels: dict[str, threading.Event] = {}

    def one(submission: Submission) -> Graded | None:
        if stop.is_set():
            return None
        cancel = threading.Event()
        cancels[submission.learner] = cancel
        if stop.is_set():  # Ctrl-C came in while this one was being set up
            return None
        timer = threading.Timer(settings.limit, cancel.set)
        timer.daemon = True
        started = time.monotonic()
        timer.start()
        try:
            return settings.grade(submission, cancel)
        except runner.Cancelled:
            if stop.is_set():
                return None
            row = gradebook.unfinished(
                submission.learner,
                Status.TIMED_OUT,
                len(runner.plan(settings.course, settings.phase)),
                time.monotonic() - started,
                f"still running after the {settings.limit:g} s limit, and stopped",
            )
            return Graded(row)
        finally:
            timer.cancel()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    futures = {pool.submit(one, submission): submission for submission in pending}
    handled: set[concurrent.futures.Future[Graded | None]] = set()

    def take(future: concurrent.futures.Future[Graded | None]) -> None:
        handled.add(future)
        graded = future.result()
        if graded is not None:
            finished(futures[future], graded)

    try:
        waiting = set(futures)
        while waiting:
            done, waiting = concurrent.futures.wait(
                waiting, timeout=_TICK, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                take(future)
    except KeyboardInterrupt:
        # A second Ctrl-C must not leave the runs half cleaned up: it is ignored meanwhile.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop.set()
        for cancel in list(cancels.values()):
            cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            if future not in handled and future.done() and not future.cancelled():
                take(future)
        return False
    pool.shutdown(wait=True)
    return True


def run(
    spec: str,
    submissions: Path,
    jobs: int | None,
    limit: float | None,
    output: Path | None,
    force: bool,
    as_json: bool,
    timeout: float | None,
    extra: Path | None = None,
) -> int:
    course = common.course()
    phase = common.phase(course, spec)
    seconds = common.timeout(timeout)
    held = extra_checks(course, phase, extra)
    if jobs is not None and jobs < 1:
        raise UsageProblem("--jobs takes a number of submissions to grade at once, 1 or more.")
    if limit is not None and limit <= 0:
        raise UsageProblem("--limit takes a positive number of seconds per submission.")
    wall = limit or default_limit(course, phase, seconds)
    output = (output or Path.cwd() / "gradebook").expanduser().resolve()
    folders = _learners(submissions.expanduser().resolve(), output)
    own_network = netns.available()
    if not own_network:
        common.warn(
            "this machine cannot give each submission an empty network namespace (that needs "
            "root on Linux): the grader's audit hook alone keeps them to loopback, and code "
            "in C or in a child process can get past it."
        )
    options = {
        "timeout": runner.check_timeout(course, phase, seconds),
        "memory_mib": course.memory_mib or MEMORY_MIB,
        "own_network": own_network,
        # The instructor's checks decide the results too: their files are part of the key.
        "extra": batch_cache.submission_digest(held.root) if held else None,
    }
    settings_key = batch_cache.settings_digest(course.root / CATALOGUE_FILE, phase.key, options)
    cache = batch_cache.Cache(output, phase.number)
    checks = [planned.key for planned in runner.plan(course, phase, held)]
    rows: dict[str, Row] = {}
    pending: list[Submission] = []
    for folder in folders:
        key = batch_cache.key(folder.name, batch_cache.submission_digest(folder), settings_key)
        cached = None if force else cache.get(key, folder.name, wall)
        if cached is not None:
            rows[folder.name] = cached
        else:
            pending.append(Submission(folder.name, folder, key))
    from_cache = len(rows)

    def book() -> Gradebook:
        ordered = [rows[name] for name in sorted(rows)]
        return Gradebook(phase=phase.key, title=phase.title, checks=checks, submissions=ordered)

    def save() -> None:
        gradebook.write(book(), output, phase.number)

    report = _Report(len(pending))

    def finished(submission: Submission, graded: Graded) -> None:
        rows[submission.learner] = graded.row
        if graded.cacheable:
            cache.put(submission.key, graded.row, wall)
        save()
        report.finished(graded.row)

    save()
    workers = jobs or os.cpu_count() or 1
    try:
        completed = _grade_all(
            Settings(course, phase, seconds, wall, own_network, held), pending, workers, finished
        )
    finally:
        report.stop()
    save()
    csv_path, json_path = gradebook.paths(output, phase.number)
    graded_now = len(rows) - from_cache
    if not completed:
        common.warn(
            f"stopped: the gradebook keeps the {len(rows)} of {len(folders)} submissions "
            f"finished ({csv_path}, {json_path.name}); run the command again to grade the rest."
        )
        return EXIT_STOPPED
    _summary(book(), graded_now, from_cache, csv_path, json_path, as_json)
    statuses = [row.status for row in rows.values()]
    if all(status is Status.GRADED for status in statuses):
        return EXIT_PASSED
    if Status.GRADED not in statuses:
        return EXIT_UNUSABLE
    return EXIT_FAILED


def _summary(
    book: Gradebook,
    graded_now: int,
    from_cache: int,
    csv_path: Path,
    json_path: Path,
    as_json: bool,
) -> None:
    if as_json:
        print(gradebook.to_json(book), end="")
    else:
        from grader.render import batch_table

        batch_table.render(book)
    print(
        f"grade: {graded_now} graded, {from_cache} cached; gradebook: {csv_path} and "
        f"{json_path.name}",
        file=sys.stderr,
    )
