"""Instructor-held checks: a suite of the instructor's own, graded with a phase's own checks.

`grade phase-N --extra-checks DIR` (and the Gradescope bundle) reads `DIR/checks.toml`, in the
catalogue's format, and the tests in `DIR/phase_NN/test_*.py`, written with `grader.kit` like
the hidden suites:

    [[phase]]
    number = 1

    [[phase.check]]
    id = "wrong_method_405"
    name = "POST /health answers 405 and names the allowed method"
    hint = "Declare GET /health only: FastAPI answers other methods with 405 and `Allow`."
    anchor = "your-first-path-operation"   # a heading on the phase's page, or `url = "https://..."`
    visibility = "after_published"         # on Gradescope; default "after_due_date"

Each check is one test function `test_<id>` in the phase's folder. Their results follow the
phase's own and kept checks, marked as held by the instructor, and count in the score.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalogue import CatalogueError, Check, Course, Phase, read_toml

EXTRA_FILE = "checks.toml"
# Gradescope's visibility settings for a test, and the one held checks get by default.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_VISIBILITY = "after_due_date"
_ID = re.compile(r"[a-z_][a-z0-9_]*")


class ExtraChecksError(CatalogueError):
    """The instructor's checks cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class ExtraCheck:
    check: Check  # its `anchor` is a heading id on the phase's page, or a full URL
    file: Path  # the test module that holds `test_<id>`
    visibility: str = DEFAULT_VISIBILITY


@dataclass(frozen=True)
class ExtraSuite:
    """The instructor's checks for one phase: `folder` is `DIR/phase_NN`."""

    root: Path
    phase: int
    folder: Path
    checks: tuple[ExtraCheck, ...]

    def nodeid(self, extra: ExtraCheck) -> str:
        """The test's pytest node id: a file outside the suites' root is named relative to the
        folder given on pytest's command line (the runner passes `folder`)."""
        return f"{extra.file.relative_to(self.folder).as_posix()}::{extra.check.test_name}"


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExtraChecksError(f"{where}: `{key}` must be a non-empty string, got {value!r}")
    return value


def _link(table: dict[str, Any], where: str) -> str:
    """A check's `anchor` (a heading id on the phase's page) or `url`: exactly one."""
    if ("anchor" in table) == ("url" in table):
        raise ExtraChecksError(f"{where}: give either `anchor` (a heading id) or `url`, not both")
    if "url" in table:
        url = _text(table, "url", where)
        if not re.match(r"https?://", url):
            raise ExtraChecksError(f"{where}: `url` must start with http:// or https://")
        return url
    return _text(table, "anchor", where)


def _tests_in(folder: Path) -> dict[str, list[Path]]:
    """Every top-level `test_*` function in `folder`'s test modules, with the files defining it."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("test_*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (OSError, SyntaxError, UnicodeDecodeError) as error:
            raise ExtraChecksError(f"{path} cannot be read as Python: {error}") from error
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                found.setdefault(node.name, []).append(path)
    return found


def _check(table: Any, where: str) -> tuple[Check, str]:
    if not isinstance(table, dict):
        raise ExtraChecksError(f"{where} must be a table")
    check_id = _text(table, "id", where)
    if not _ID.fullmatch(check_id):
        raise ExtraChecksError(
            f"{where}: id {check_id!r} must be lower case letters, digits and underscores"
        )
    steps = table.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise ExtraChecksError(f"{where}: `steps` must be a list of strings")
    visibility = table.get("visibility", DEFAULT_VISIBILITY)
    if visibility not in VISIBILITIES:
        raise ExtraChecksError(
            f"{where}: visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}"
        )
    check = Check(
        id=check_id,
        name=_text(table, "name", where),
        hint=_text(table, "hint", where),
        anchor=_link(table, where),
        steps=tuple(steps),
    )
    return check, visibility


def _suite(root: Path, table: dict[str, Any], phase: Phase) -> ExtraSuite:
    where = f"{root / EXTRA_FILE}, phase {phase.number}"
    folder = root / phase.suite
    if not folder.is_dir():
        raise ExtraChecksError(f"{where}: its tests belong in {folder}/, which does not exist")
    # A module named like a hidden suite's would shadow it in the checks' process.
    for path in folder.glob("test_phase_*.py"):
        raise ExtraChecksError(
            f"{path.name} is named like a hidden suite's module: call it test_extra.py, say"
        )
    tests = _tests_in(folder)
    taken = {check.id for check in phase.checks} | {kept.key for kept in phase.keeps}
    checks: list[ExtraCheck] = []
    tables = table.get("check", [])
    if not isinstance(tables, list) or not tables:
        raise ExtraChecksError(f"{where} lists no [[phase.check]]")
    for index, entry in enumerate(tables, start=1):
        check, visibility = _check(entry, f"{where}, check {index}")
        if check.id in taken:
            what = "its own" if check.id in {c.id for c in phase.checks} else "a kept"
            raise ExtraChecksError(f"{where}: {check.id!r} is already {what} check's id")
        taken.add(check.id)
        files = tests.get(check.test_name, [])
        if len(files) != 1:
            count = "no" if not files else f"{len(files)}"
            raise ExtraChecksError(
                f"{where}: check {check.id!r} needs exactly one function {check.test_name} "
                f"in {folder}/test_*.py; found {count}"
            )
        checks.append(ExtraCheck(check, files[0], visibility))
    listed = {extra.check.test_name for extra in checks}
    unlisted = sorted(set(tests) - listed)
    if unlisted:
        raise ExtraChecksError(
            f"{where}: {', '.join(unlisted)} in {folder}/ has no [[phase.check]] entry"
        )
    return ExtraSuite(root=root, phase=phase.number, folder=folder, checks=tuple(checks))


def load_extra(root: Path, course: Course, phase: Phase) -> ExtraSuite:
    """The instructor's checks for `phase`, from `root/checks.toml`, validated against the
    catalogue: the phases it names are ready ones, each check has exactly one test function,
    and no id repeats one of the phase's own or kept checks."""
    root = root.expanduser().resolve()
    path = root / EXTRA_FILE
    data = read_toml(path, ExtraChecksError)
    tables = data.get("phase", [])
    if not isinstance(tables, list) or not tables:
        raise ExtraChecksError(f"{path} lists no [[phase]]")
    ready = {p.number for p in course.ready_phases}
    chosen: dict[str, Any] | None = None
    for table in tables:
        number = table.get("number") if isinstance(table, dict) else None
        if not isinstance(number, int) or isinstance(number, bool):
            raise ExtraChecksError(f"{path}: each [[phase]] needs `number = N`")
        if number not in ready:
            known = ", ".join(str(n) for n in sorted(ready))
            raise ExtraChecksError(f"{path}: there is no ready phase {number} (ready: {known})")
        if number == phase.number:
            if chosen is not None:
                raise ExtraChecksError(f"{path}: phase {number} is listed twice")
            chosen = table
    if chosen is None:
        listed = ", ".join(str(t["number"]) for t in tables)
        raise ExtraChecksError(
            f"{path} holds no checks for phase {phase.number} (it has phase {listed})"
        )
    return _suite(root, chosen, phase)
