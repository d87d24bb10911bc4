"""The phase catalogue (`course.toml`), read into typed, immutable records."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
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

    @property
    def test_name(self) -> str:
        """The hidden suite's test function that implements this check."""
        return f"test_{self.id}"


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
    return phase


def load_course(root: Path) -> Course:
    """Read `course.toml` in the course folder `root`."""
    path = root / CATALOGUE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogueError(f"cannot read {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path} is not valid TOML: {error}") from error
    course = _require(data, "course", dict, CATALOGUE_FILE)
    phases = tuple(_phase(table) for table in data.get("phase", []))
    numbers = [p.number for p in phases]
    if numbers != sorted(set(numbers)):
        raise CatalogueError("phases must be listed once each, in order of their number")
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
