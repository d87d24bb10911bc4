"""The phase catalogue (`course.toml`), read into typed, immutable records."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

CATALOGUE_FILE = "course.toml"
# Every phase's exercise, solution and submission holds the Book API as this package.
PACKAGE = "bookapi"

Status = Literal["ready", "planned"]


class CatalogueError(ValueError):
    """The catalogue file is missing a field or has one of the wrong shape."""


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    hint: str
    anchor: str
    # Further hints, each a little more concrete than the last (never the solution's code):
    # `grade hint` reveals them one call at a time, after the failure's own hint.
    steps: tuple[str, ...] = ()
    # Checks of one phase with the same `shares` run in the same process when a phase's checks
    # are split between processes: they share what their suite's module holds (Phase 9's runs
    # of the learner's tests).
    shares: str = ""

    @property
    def test_name(self) -> str:
        """The hidden suite's test function that implements this check."""
        return f"test_{self.id}"


@dataclass(frozen=True)
class KeptCheck:
    """A check of an earlier phase that a later phase still holds the learner to.

    Declared in the later phase's `[phase.keeps]` table; `grade phase-N` runs the earlier
    suite's test function against the phase-N code and reports it as "still holds from Phase M".
    """

    phase: int  # the earlier phase, whose hidden suite holds the test
    check: Check

    @property
    def key(self) -> str:
        """The check's id wherever phase N reports it (results, progress, variants):
        `phase-4:error_shape`. A phase's own check ids never hold a colon."""
        return f"phase-{self.phase}:{self.check.id}"


@dataclass(frozen=True)
class Phase:
    number: int
    slug: str
    title: str
    status: Status
    page: str | None = None
    exercise: str | None = None
    solution: str | None = None
    notebook: str | None = None
    checks: tuple[Check, ...] = ()
    check_timeout: float | None = None  # seconds per check, when the course's default is too short
    # Earlier phases' checks that still hold for this phase (its `[phase.keeps]` table).
    keeps: tuple[KeptCheck, ...] = ()

    @property
    def check_keys(self) -> tuple[str, ...]:
        """Every check `grade phase-N` reports, in order: its own ids, then the kept ones'."""
        return (*(check.id for check in self.checks), *(kept.key for kept in self.keeps))

    @property
    def key(self) -> str:
        """The phase's name wherever a command is shown, and in progress files: `phase-3`."""
        return f"phase-{self.number}"

    @property
    def suite(self) -> str:
        """The hidden suite's package below `grader/suites/`."""
        return f"phase_{self.number:02d}"

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def page_url(self) -> str:
        """The page's path on the built site (MkDocs' directory URLs)."""
        if self.page is None:
            return ""
        stem = self.page.removesuffix(".md")
        return "" if stem == "index" else f"{stem}/"


@dataclass(frozen=True)
class Course:
    root: Path
    title: str
    site_url: str
    check_timeout: float
    phases: tuple[Phase, ...]
    # Limits on the process that runs the checks; None keeps the grader's defaults.
    memory_mib: int | None = None

    def find(self, spec: str) -> Phase | None:
        """Look a phase up by `phase-1`, `phase-01`, `1` or its slug."""
        wanted = spec.strip().lower()
        match = re.fullmatch(r"(?:phase[-_ ]?)?0*(\d+)", wanted)
        for phase in self.phases:
            if (match and int(match.group(1)) == phase.number) or wanted == phase.slug:
                return phase
        return None

    @property
    def ready_phases(self) -> tuple[Phase, ...]:
        return tuple(p for p in self.phases if p.ready)


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CatalogueError(f"{where}: `{key}` must be a {kind.__name__}, got {value!r}")
    return value


def _check(table: dict[str, Any], where: str) -> Check:
    return Check(
        id=_require(table, "id", str, where),
        name=_require(table, "name", str, where),
        hint=_require(table, "hint", str, where),
        anchor=_require(table, "anchor", str, where),
        steps=tuple(_require(table, "steps", list, where)) if "steps" in table else (),
        shares=_require(table, "shares", str, where) if "shares" in table else "",
    )


def _timeout(table: dict[str, Any], where: str) -> float | None:
    value = table.get("check_timeout")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise CatalogueError(f"{where}: check_timeout must be a positive number of seconds")
    return float(value)


def _phase(table: dict[str, Any]) -> Phase:
    number = _require(table, "number", int, "a [[phase]]")
    where = f"phase {number}"
    status = _require(table, "status", str, where)
    if status not in ("ready", "planned"):
        raise CatalogueError(f"{where}: status must be 'ready' or 'planned', got {status!r}")
    phase = Phase(
        number=number,
        slug=_require(table, "slug", str, where),
        title=_require(table, "title", str, where),
        status=status,
        page=table.get("page"),
        exercise=table.get("exercise"),
        solution=table.get("solution"),
        notebook=table.get("notebook"),
        check_timeout=_timeout(table, where),
        checks=tuple(
            _check(check, f"{where}, check {i + 1}")
            for i, check in enumerate(table.get("check", []))
        ),
    )
    if phase.ready:
        for field in ("page", "exercise", "solution", "notebook"):
            _require(table, field, str, where)
        if not phase.checks:
            raise CatalogueError(f"{where} is ready but lists no checks")
    for check in phase.checks:
        if ":" in check.id:
            raise CatalogueError(f"{where}: check id {check.id!r} must not hold a colon")
    return phase


def _keeps(phase: Phase, table: dict[str, Any], earlier: dict[int, Phase]) -> tuple[KeptCheck, ...]:
    """The `[phase.keeps]` table of `phase`: `phase-M = ["check_id", ...]` for earlier phases M,
    each check looked up in M's own checks (a check that the phase changes is simply not listed)."""
    where = f"phase {phase.number}, [phase.keeps]"
    keeps = table.get("keeps", {})
    if not isinstance(keeps, dict):
        raise CatalogueError(f"{where} must be a table of `phase-M = [check ids]`")
    found: list[KeptCheck] = []
    for name, ids in keeps.items():
        match = re.fullmatch(r"phase-([1-9]\d*)", name)
        if match is None:
            raise CatalogueError(f"{where}: {name!r} is not a phase; write `phase-M = [...]`")
        number = int(match.group(1))
        source = earlier.get(number)
        if source is None:
            known = ", ".join(f"phase-{n}" for n in sorted(earlier)) or "none"
            raise CatalogueError(
                f"{where}: {name} is not an earlier ready phase (earlier ready phases: {known})"
            )
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
            raise CatalogueError(f"{where}: {name} must list check ids, as strings")
        checks = {check.id: check for check in source.checks}
        for check_id in ids:
            if check_id not in checks:
                raise CatalogueError(
                    f"{where}: phase {number} has no check {check_id!r} "
                    f"(its checks: {', '.join(checks)})"
                )
            kept = KeptCheck(phase=number, check=checks[check_id])
            if kept in found:
                raise CatalogueError(f"{where}: {kept.key} is listed twice")
            found.append(kept)
    # Reported by phase, each phase's checks in that phase's own order.
    order = {(p.number, check.id): i for p in earlier.values() for i, check in enumerate(p.checks)}
    return tuple(sorted(found, key=lambda kept: (kept.phase, order[kept.phase, kept.check.id])))


def read_toml(path: Path, error: type[ValueError] = CatalogueError) -> dict[str, Any]:
    """The TOML file at `path`; a file that cannot be read or parsed raises `error`, saying so."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror}") from problem
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path} is not valid TOML: {problem}") from problem


def load_course(root: Path) -> Course:
    """Read `course.toml` in the course folder `root`."""
    data = read_toml(root / CATALOGUE_FILE)
    course = _require(data, "course", dict, CATALOGUE_FILE)
    tables = data.get("phase", [])
    listed = tuple(_phase(table) for table in tables)
    numbers = [p.number for p in listed]
    if numbers != sorted(set(numbers)):
        raise CatalogueError("phases must be listed once each, in order of their number")
    # A phase keeps checks of the ready phases before it (read once all phases are known).
    phases = tuple(
        replace(phase, keeps=_keeps(phase, table, {p.number: p for p in listed[:i] if p.ready}))
        for i, (phase, table) in enumerate(zip(listed, tables, strict=True))
    )
    return Course(
        root=root,
        title=_require(course, "title", str, "[course]"),
        site_url=_require(course, "site_url", str, "[course]"),
        check_timeout=float(_require(course, "check_timeout", float, "[course]")),
        phases=phases,
        memory_mib=_require(course, "memory_mib", int, "[course]")
        if "memory_mib" in course
        else None,
    )


def find_course_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds the catalogue."""
    for folder in (start, *start.parents):
        if (folder / CATALOGUE_FILE).is_file():
            return folder
    return None


def installed_course_root() -> Path | None:
    """The course folder the grader was installed from (`pip install -e .`), if it has one."""
    folder = Path(__file__).resolve().parent.parent
    return folder if (folder / CATALOGUE_FILE).is_file() else None
