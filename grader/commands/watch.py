"""`grade watch phase-N`: grade again on every save, and say what changed since the last run.

Saves are seen through `watchfiles` (the library uvicorn's reload uses). Where the operating
system's change events do not arrive (network drives, a Windows drive under WSL, some container
mounts), it falls back to polling by itself and says so. A save during a run stops that run and
starts a new one; Ctrl-C stops watching and leaves no process behind.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import runner
from grader.catalogue import Course, Phase
from grader.commands import common
from grader.commands.grade_phase import save
from grader.errors import EXIT_PASSED
from grader.results import CheckResult, PhaseResult

# File systems where inotify-style events are known not to arrive for changes made elsewhere.
_NO_EVENTS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "v9fs",
    "vboxsf",
    "drvfs",
    "afs",
    "ceph",
    "glusterfs",
    "prl_fs",
    "vmhgfs",
}
_PROBE = ".grade-watch-probe"
# Milliseconds: changes closer together than this are one save (editors write several files).
DEBOUNCE_MS = 300


@dataclass(frozen=True)
class Backend:
    polling: bool
    reason: str


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """The type of the file system that holds `path` (Linux), or ''."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return ""
    best, kind = "", ""
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields = before.split()
        if len(fields) < 5 or not after:
            continue
        point = fields[4].replace("\\040", " ")
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, after.split()[0]
    return kind


def _on_wsl() -> bool:
    try:
        return "microsoft" in Path("/proc/sys/kernel/osrelease").read_text().lower()
    except OSError:
        return False


def events_arrive(folder: Path, wait_ms: int = 1500) -> bool:
    """Whether a file written in `folder` is reported as a change (the probe is removed)."""
    from watchfiles import watch

    probe = folder / f"{_PROBE}-{os.getpid()}"

    def touch() -> None:
        time.sleep(0.15)
        probe.write_text("probe")
        probe.unlink(missing_ok=True)

    writer = threading.Thread(target=touch, daemon=True)
    watcher = watch(
        folder,
        debounce=50,
        step=10,
        rust_timeout=wait_ms,
        yield_on_timeout=True,
        force_polling=False,
        raise_interrupt=True,
    )
    try:
        writer.start()
        changes = next(watcher)
    finally:
        watcher.close()
        writer.join()
        probe.unlink(missing_ok=True)
    return any(Path(path).name == probe.name for _change, path in changes)


def choose_backend(
    folder: Path, *, poll: bool, mountinfo: str | None = None, probe: Any = events_arrive
) -> Backend:
    if poll or os.environ.get("WATCHFILES_FORCE_POLLING"):
        return Backend(True, "polling for changes, as asked")
    kind = filesystem_type(folder.resolve(), mountinfo)
    if kind in _NO_EVENTS or kind.startswith("fuse"):
        return Backend(
            True,
            f"polling for changes: this folder is on a {kind} file system, "
            "where save events often never arrive",
        )
    if _on_wsl() and str(folder.resolve()).startswith("/mnt/"):
        return Backend(
            True,
            "polling for changes: this folder is on a Windows drive under WSL, "
            "where save events often never arrive",
        )
    if not probe(folder):
        return Backend(True, "polling for changes: a test file written here raised no save event")
    return Backend(False, "watching for saves")


def _watch_filter() -> Any:
    from watchfiles import DefaultFilter

    class GradeFilter(DefaultFilter):
        def __call__(self, change: Any, path: str) -> bool:
            return not Path(path).name.startswith(_PROBE) and super().__call__(change, path)

    return GradeFilter()


def changes_between(before: PhaseResult | None, after: PhaseResult) -> tuple[list[str], list[str]]:
    """Names of the checks that now pass, and of those that now fail, since `before`."""
    if before is None:
        return [], []
    was = {check.id: check.passed for check in before.checks}
    fixed = [_named(c) for c in after.checks if c.passed and was.get(c.id) is False]
    broken = [_named(c) for c in after.checks if not c.passed and was.get(c.id) is True]
    return fixed, broken


def _named(check: CheckResult) -> str:
    return f"{check.name} ({check.note})" if check.note else check.name


class _Session:
    """One `grade watch`: a run at a time, restarted when a save comes in while it runs."""

    def __init__(
        self, course: Course, phase: Phase, target: Path, timeout: float | None, verbose: bool
    ) -> None:
        from grader.render.console import make_console

        self.course, self.phase, self.target, self.timeout = course, phase, target, timeout
        self.verbose = verbose
        self.console = make_console()
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.future: Future[PhaseResult] | None = None
        self.cancel = threading.Event()
        self.previous: PhaseResult | None = None
        self.own = common.is_own_exercise(course, phase, target)
        self.jobs = common.phase_jobs(None)

    def start(self) -> None:
        self.cancel = threading.Event()
        cancel = self.cancel
        self.future = self.pool.submit(
            runner.grade,
            self.course,
            self.phase,
            self.target,
            self.timeout,
            verbose=self.verbose,
            cancel=cancel,
            jobs=self.jobs,
        )

    def saved(self, changes: set[tuple[Any, str]]) -> None:
        names = sorted({Path(path).name for _change, path in changes})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        if self.future is not None and not self.future.done():
            self.cancel.set()
            self.console.print(f"Saved {shown} during a run: starting again.", style="dim")
            self.future.exception()  # the run ends at once when cancelled
        self.start()

    def collect(self) -> None:
        if self.future is None or not self.future.done():
            return
        future, self.future = self.future, None
        if isinstance(future.exception(), runner.Cancelled):
            return
        self.show(future.result())

    def show(self, result: PhaseResult) -> None:
        from rich.rule import Rule
        from rich.text import Text

        from grader.render import terminal

        if self.own:
            save(self.course, result)
        if self.console.is_terminal:
            self.console.clear()
        self.console.print(Rule(f"graded at {time.strftime('%H:%M:%S')}", align="left"))
        green_now = result.all_passed and not (self.previous and self.previous.all_passed)
        after = common.next_step(self.course, self.phase) if green_now and self.own else ""
        terminal.render(self.console, result, verbose=self.verbose, next_step=after)
        fixed, broken = changes_between(self.previous, result)
        if fixed:
            self.console.print(Text("Now passing: " + "; ".join(fixed), "green"), soft_wrap=True)
        if broken:
            self.console.print(Text("Now failing: " + "; ".join(broken), "red"), soft_wrap=True)
        if self.previous is not None and not fixed and not broken:
            self.console.print(Text("No check changed since the last run.", "dim"))
        if green_now:
            self.console.print(
                Text(f"🎉 {self.phase.key} is green: every check passes!", "bold green")
            )
        self.console.print(Text("Watching for saves… (Ctrl-C to stop)", "dim"))
        self.previous = result

    def stop(self) -> None:
        self.cancel.set()
        if self.future is not None:
            self.future.exception()
        self.pool.shutdown(wait=True)


def run(
    spec: str, solution: bool, path: Path | None, poll: bool, timeout: float | None, verbose: bool
) -> int:
    from watchfiles import watch

    course = common.course()
    phase = common.phase(course, spec)
    seconds = common.timeout(timeout)
    target = common.folder(course, phase, solution=solution, path=path)
    backend = choose_backend(target, poll=poll)
    session = _Session(course, phase, target, seconds, verbose)
    session.console.print(
        f"Grading {phase.key} in {target} on every save ({backend.reason}). Ctrl-C to stop.",
        soft_wrap=True,
    )
    session.start()
    try:
        for changes in watch(
            target,
            watch_filter=_watch_filter(),
            debounce=DEBOUNCE_MS,
            step=50,
            rust_timeout=200,
            yield_on_timeout=True,
            force_polling=backend.polling,
            poll_delay_ms=300,
        ):
            if changes:
                session.saved(changes)
            session.collect()
    except KeyboardInterrupt:
        pass
    finally:
        session.stop()
    session.console.print("Stopped watching.")
    return EXIT_PASSED
