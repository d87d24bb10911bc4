"""`grade doctor`: can this machine take the course? One line per thing, with its fix."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tomllib
from dataclasses import asdict, dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from grader.catalogue import Course, find_course_root
from grader.commands import common
from grader.errors import EXIT_FAILED, EXIT_PASSED, UsageProblem
from grader.loopback import is_loopback


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"  # the course works; something optional is missing
    FAIL = "fail"  # the course will not work until this is fixed


@dataclass(frozen=True)
class Finding:
    topic: str
    level: Level
    detail: str
    fix: str = ""


def _python(course: Course) -> Finding:
    from packaging.specifiers import SpecifierSet

    wanted = _project(course).get("requires-python", ">=3.11")
    have = ".".join(str(part) for part in sys.version_info[:3])
    if have in SpecifierSet(wanted):
        return Finding("Python", Level.OK, f"{have} ({sys.executable})")
    return Finding(
        "Python",
        Level.FAIL,
        f"{have}, but the course needs {wanted}",
        "Install a newer Python, then make the virtual environment again with it: "
        "`python3.12 -m venv .venv && . .venv/bin/activate && pip install -e .`",
    )


def _project(course: Course) -> dict[str, object]:
    try:
        data = tomllib.loads((course.root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    project = data.get("project", {})
    return project if isinstance(project, dict) else {}


def _course(course: Course) -> Finding:
    if os.environ.get("COURSE_ROOT"):
        how = "from COURSE_ROOT"
    elif find_course_root(Path.cwd()) == course.root:
        how = "from the current folder"
    else:
        how = "where the grader was installed from (you are outside the course folder)"
    ready = len(course.ready_phases)
    return Finding("Course folder", Level.OK, f"{course.root}, found {how}; {ready} phases ready")


def _libraries(course: Course) -> list[Finding]:
    from packaging.requirements import InvalidRequirement, Requirement

    found: list[Finding] = []
    for line in _project(course).get("dependencies", []):  # type: ignore[union-attr]
        try:
            requirement = Requirement(str(line))
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        topic = f"Library {requirement.name}"
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            found.append(
                Finding(
                    topic,
                    Level.FAIL,
                    "not installed",
                    "Run `pip install -e .` in the course folder, inside its virtual environment.",
                )
            )
            continue
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            found.append(
                Finding(
                    topic,
                    Level.FAIL,
                    f"{version}, but the course needs {requirement.specifier}",
                    "Run `pip install -e . --upgrade` in the "
                    "course folder, inside its virtual environment.",
                )
            )
            continue
        found.append(Finding(topic, Level.OK, version))
    return found


def _site(course: Course) -> list[Finding]:
    index = course.root / "site" / "index.html"
    sources = [course.root / "mkdocs.yml", *(course.root / "docs").rglob("*")]
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
    if not index.is_file():
        built = Finding(
            "Site built",
            Level.WARN,
            "no site/ folder yet",
            "`grade serve` builds it and serves it (or `mkdocs build`, then open site/index.html).",
        )
    elif index.stat().st_mtime < newest:
        built = Finding(
            "Site built",
            Level.WARN,
            "site/ is older than the lessons",
            "`grade serve` rebuilds it when it starts (or run `mkdocs build` again).",
        )
    else:
        built = Finding("Site built", Level.OK, str(index.parent))
    address = urlsplit(os.environ.get("COURSE_SITE_URL", course.site_url))
    host, port = address.hostname or "", address.port or 80
    if not is_loopback(host):
        served = Finding("Site served", Level.OK, f"hosted at {address.geturl()} (not checked)")
    elif _answers(host, port):
        served = Finding("Site served", Level.OK, f"{address.geturl()} answers")
    else:
        served = Finding(
            "Site served",
            Level.WARN,
            f"nothing answers at {address.geturl()}",
            "Start it with `grade serve` in the course folder (the README's first command).",
        )
    return [built, served]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _chromium() -> Finding:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return Finding("Chromium", Level.OK, f"{path} (for the site's browser tests)")
    return Finding(
        "Chromium",
        Level.WARN,
        "not found: the browser tests will be skipped",
        "Only course authors need it: `apt-get install chromium`.",
    )


def findings() -> list[Finding]:
    try:
        course = common.course()
    except UsageProblem as problem:
        return [
            Finding(
                "Course folder",
                Level.FAIL,
                str(problem),
                "Run `grade doctor` inside the course folder, or set COURSE_ROOT.",
            )
        ]
    return [_python(course), _course(course), *_libraries(course), *_site(course), _chromium()]


_MARKS = {Level.OK: ("✔", "green"), Level.WARN: ("!", "yellow"), Level.FAIL: ("✘", "red")}


def run(as_json: bool) -> int:
    found = findings()
    failed = any(f.level is Level.FAIL for f in found)
    if as_json:
        print(json.dumps({"ok": not failed, "findings": [asdict(f) for f in found]}, indent=2))
        return EXIT_FAILED if failed else EXIT_PASSED
    from rich.text import Text

    from grader.render.console import field, make_console

    console = make_console()
    console.print(Text("grade doctor — can this machine take the course?", style="bold"))
    console.print()
    width = max(len(f.topic) for f in found)
    for finding in found:
        mark, colour = _MARKS[finding.level]
        line = (
            Text("  ") + Text(mark, colour) + Text(f" {finding.topic:<{width}}  {finding.detail}")
        )
        console.print(line, soft_wrap=True)
        if finding.fix:
            field(console, "fix", finding.fix)
    console.print()
    if failed:
        console.print(Text("Something above needs fixing before the course will work.", "red"))
    else:
        console.print(Text("This machine can take the course.", "green"))
    return EXIT_FAILED if failed else EXIT_PASSED
