"""How fast grading and the site are, next to their floors (issue 12).

    python bench/run.py                          # every section, medians of 5 runs
    python bench/run.py --repeat 3 --only phases all
    python bench/run.py --only site-weight --repeat 1 --json /tmp/bench.json
    python bench/run.py --show build/bench.json --markdown /tmp/tables.md   # measure nothing

Sections (`--only`): phases, all, batch, serve, build, site-weight. Every figure is the median
of `--repeat` runs in this one invocation (`grade batch` runs `--batch-repeat` times: one run
grades 30 submissions). It prints a table, the goals beside the figures (met or not), and
writes the figures as JSON (`--json`, default build/bench.json). It asserts nothing.

What is timed
- `grade phase-N --solution`: the wall time of the `grade` command a learner types, from its
  start to its exit (entry point, Typer, catalogue, the copy of the folder, the checks' own
  pytest process, the table printed).
- The **floor** of a phase: a bare `python -m pytest` of the same hidden suite against the same
  code (a copy of the solution, made once, so its bytecode cache is warm), in the same
  environment (this interpreter, every installed pytest plugin auto-loaded, pytest's defaults:
  assertion rewriting, the cache plugin, with its folder in a scratch directory), with only what
  the suite needs to run:
    * `-p grader.pytest_plugin` with `--grade-target` (the kit's `load_app` imports the app from
      the folder the plugin names; the suites' conftest.py has no other way to find it),
      `--grade-suite` (the plugin collects the checks a phase keeps from earlier phases in the
      graded phase's setting: without it they would not run as they are graded) and the two
      files it requires (`--grade-events`, `--grade-fatal`, in the scratch directory);
    * the suites' own `-c grader/suites/pytest.ini --rootdir grader/suites` (the `real_hashing`
      marker; test order);
    * the same checks: the phase's folder, the earlier suites' folders it keeps checks from, and
      `--grade-only` for each planned check (exactly the node ids `grader.runner.plan` gives);
    * `--durations=0 --durations-min=0`, to name what dominates the floor: the slowest test
      (its setup, call or teardown), or the time outside every test (start-up and collection).
  It leaves out everything the grader adds around pytest: the `grade` entry point, Typer and the
  catalogue; the copy of the submission (without caches, so the grader's run compiles the
  learner's code afresh); the pre-started checker process, its process group, run mark and
  clean-up (`grader.sandbox`); the resource limits (memory, CPU, file size, open files: the
  plugin sets none when given none) and the `-W error::...` deprecation flags; reading the
  events and rendering the results. It also leaves out the grader's own savings: the grader
  disables plugin auto-loading and pytest's unused plugins, uses `--assert=plain`, and freezes
  the import-time heap (`grader/checker.py`); the floor is plain pytest, so a ratio below 1 is
  possible.
- The **lean floor**: the floor with the grader's own pytest options added (plugin auto-loading
  off, pytest's unused plugins off, `--assert=plain`, deprecations as errors): the pytest
  process `grade` runs, without anything `grade` does around it. `grade` / lean is what the
  grader itself costs.
- `grade all --solution`: the whole command (it grades the phases in parallel, one per core).
- `grade batch phase-N DIR --force -j J`: 30 copies of phase N's solution (default Phase 1),
  with J = 1 and 2, into a scratch gradebook; throughput in submissions per minute.
- `grade serve`: from starting the command (on a free port, with the site already built) to the
  first `200` for the home page, polled on 127.0.0.1 every 20 ms; then it is stopped.
- `mkdocs build` of the whole site into a scratch folder.
- Site weight per lesson page, computed statically from the built site: the page's HTML, every
  `<link>` (stylesheet, icon, preload), `<script src>`, `<img src>`, the search worker Material
  starts on load (named in the page's `__config`), and every `url()` / `@import` in the CSS it
  loads (fonts, images; data: URIs are already inside the CSS). Each file counts once per page.
  "with diagram library" adds mermaid's script as the site shipped it before diagrams became
  SVGs (docs/assets/vendor/mermaid-11.17.2.min.js, its size read from git history, 3,572,661
  bytes if the history is not at hand). The search index loads only when the search is used
  (docs/assets/lazy-search.js): it is a column of its own, not in the page's weight.

Every process the script starts lives in its own process group and is killed at the end. Only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.catalogue import Course, Phase, load_course  # noqa: E402
from grader.limits import DEPRECATION_WARNINGS  # noqa: E402
from grader.runner import _UNUSED_PLUGINS, SUITES, plan  # noqa: E402

SECTIONS = ("phases", "all", "batch", "serve", "build", "site-weight")
LIVE_PHASES = frozenset({10})
GOALS = {
    "ratio": 1.15,
    "phase_s": 2.5,
    "live_phase_s": 8.0,
    "all_s": 25.0,
    "build_s": 20.0,
    "serve_s": 3.0,
    "page_kb": 600.0,
}
MERMAID = "docs/assets/vendor/mermaid-11.17.2.min.js"
MERMAID_COMMIT = "ce2ed8ddffe0c0d366297a0ce5bd958ae19988a6"  # removed it: its parent has it
MERMAID_BYTES = 3_572_661
KB = 1000


# -- processes ------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    returncode: int | None
    output: str


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)


def run_timed(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, limit: float = 600
) -> Run:
    """Run `command` in a process group of its own; its wall time, status and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=limit)
        seconds = time.perf_counter() - started
        return Run(seconds, process.returncode, output.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        return Run(time.perf_counter() - started, None, "")
    finally:
        _kill_group(process)
        process.wait()


def grade_command() -> list[str]:
    script = Path(sys.executable).parent / "grade"
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader"]


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def failed(runs: list[Run]) -> str:
    """The end of the output of the first run that did not exit 0, or ''."""
    for run in runs:
        if run.returncode != 0:
            return f"exit {run.returncode}: " + run.output[-600:]
    return ""


# -- phases and their floors ----------------------------------------------------------------


def floor_command(course: Course, phase: Phase, target: Path, scratch: Path) -> list[str]:
    """The bare pytest run of `phase`'s hidden suite: see the module's docstring."""
    planned = plan(course, phase)
    earlier = sorted({p.home for p in planned if p.home != phase}, key=lambda h: h.number)
    return [
        sys.executable,
        "-m",
        "pytest",
        str(SUITES / phase.suite),
        *(str(SUITES / home.suite) for home in earlier),
        "-c",
        str(SUITES / "pytest.ini"),
        "--rootdir",
        str(SUITES),
        "-o",
        f"cache_dir={scratch / 'pytest-cache'}",
        "-p",
        "grader.pytest_plugin",
        "--grade-suite",
        phase.suite,
        "--grade-target",
        str(target),
        "--grade-events",
        str(scratch / "events.jsonl"),
        "--grade-fatal",
        str(scratch / "fatal.txt"),
        *(flag for p in planned for flag in ("--grade-only", p.nodeid)),
        "-q",
        "--durations=0",
        "--durations-min=0",
    ]


def lean_command(floor: list[str]) -> list[str]:
    """The floor with the grader's own pytest options (grader.runner._pytest_args): no plugin it
    does not use, plain asserts, deprecations as errors. The pytest process alone, without
    anything `grade` does around it."""
    return [
        *floor,
        *(flag for name in _UNUSED_PLUGINS for flag in ("-p", f"no:{name}")),
        "--assert=plain",
        "--no-header",
        "--tb=short",
        *(flag for name in DEPRECATION_WARNINGS for flag in ("-W", f"error::{name}")),
    ]


_DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+)", re.MULTILINE)


def slowest(output: str) -> list[dict[str, Any]]:
    """pytest's `--durations` lines: the slowest phases of tests, slowest first."""
    return [
        {
            "seconds": float(s),
            "when": when,
            "test": test.split("::")[-1],
            "suite": test.split("/")[0],
        }
        for s, when, test in _DURATION.findall(output)
    ]


def split_jobs() -> int:
    """How many processes `grade phase-N` splits its checks between here, by default."""
    from grader.commands.common import MAX_PHASE_JOBS

    return min(os.cpu_count() or 1, MAX_PHASE_JOBS)


def bench_phases(course: Course, repeat: int, scratch: Path, say: Callable[[str], None]) -> list:
    rows = []
    for phase in course.ready_phases:
        solution = (ROOT / phase.solution).resolve() if phase.solution else None
        assert solution is not None
        copy = scratch / f"floor-{phase.number:02d}"
        shutil.copytree(solution, copy, ignore=shutil.ignore_patterns("__pycache__"))
        work = scratch / f"floor-work-{phase.number:02d}"
        work.mkdir()
        floor = floor_command(course, phase, copy, work)
        graded = [*grade_command(), f"phase-{phase.number}", "--solution", "--jobs"]
        # As a learner runs it (its checks split between processes, one per core up to the
        # grader's cap), and in one process: the run the floor is, with the grader around it.
        grade = [*graded, str(split_jobs())]
        one = [*graded, "1"]
        # One untimed floor run first: it writes the copy's bytecode cache.
        run_timed(floor, cwd=work)
        lean = [option for option in lean_command(floor) if option != "-o"]
        lean = [o for o in lean if not o.startswith("cache_dir=")]
        quiet = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        grades: list[Run] = []
        ones: list[Run] = []
        floors: list[Run] = []
        leans: list[Run] = []
        for _ in range(repeat):
            grades.append(run_timed(grade, cwd=ROOT))
            ones.append(run_timed(one, cwd=ROOT))
            floors.append(run_timed(floor, cwd=work))
            leans.append(run_timed(lean, cwd=work, env=quiet))
        grade_s = median(r.seconds for r in grades)
        one_s = median(r.seconds for r in ones)
        floor_s = median(r.seconds for r in floors)
        middle = sorted(floors, key=lambda r: r.seconds)[len(floors) // 2]
        durations = slowest(middle.output)
        in_tests = sum(item["seconds"] for item in durations)
        # What is not in any test's setup, call or teardown: the interpreter, pytest, the
        # imports of the plugin and FastAPI, collection, and the session's end.
        outside = {
            "seconds": middle.seconds - in_tests,
            "when": "",
            "test": "start-up and collection",
            "suite": phase.suite,
        }
        top = sorted([*durations[:5], outside], key=lambda item: -item["seconds"])
        live = phase.number in LIVE_PHASES
        goal = GOALS["live_phase_s"] if live else GOALS["phase_s"]
        row = {
            "phase": phase.number,
            "live": live,
            "checks": len(plan(course, phase)),
            "jobs": split_jobs(),
            "grade_s": grade_s,
            "grade_runs": [r.seconds for r in grades],
            "one_process_s": one_s,
            "one_process_runs": [r.seconds for r in ones],
            "floor_s": floor_s,
            "floor_runs": [r.seconds for r in floors],
            "ratio": one_s / floor_s,
            "lean_floor_s": median(r.seconds for r in leans),
            "lean_floor_runs": [r.seconds for r in leans],
            "ratio_to_lean": one_s / median(r.seconds for r in leans),
            "goal_s": goal,
            "time_met": grade_s <= goal,
            "ratio_met": one_s / floor_s <= GOALS["ratio"],
            "floor_slowest": top,
            "floor_in_tests_s": in_tests,
            "error": failed(grades) or failed(ones) or failed(floors) or failed(leans),
        }
        say(
            f"  phase {phase.number}: grade {grade_s:.2f} s (one process {one_s:.2f} s), "
            f"floor {floor_s:.2f} s"
            + (f"  ERROR {row['error'][:200]}" if row["error"] else "")
        )
        rows.append(row)
    return rows


# -- grade all, grade batch -----------------------------------------------------------------


def bench_all(repeat: int, say: Callable[[str], None]) -> dict[str, Any]:
    runs = [run_timed([*grade_command(), "all", "--solution"], cwd=ROOT) for _ in range(repeat)]
    seconds = median(r.seconds for r in runs)
    say(f"  grade all: {seconds:.2f} s")
    return {
        "seconds": seconds,
        "runs": [r.seconds for r in runs],
        "goal_s": GOALS["all_s"],
        "met": seconds <= GOALS["all_s"],
        "jobs": os.cpu_count(),
        "error": failed(runs),
    }


def bench_batch(
    course: Course, number: int, copies: int, repeat: int, scratch: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    phase = course.find(str(number))
    assert phase is not None and phase.solution
    folder = scratch / "class"
    for index in range(copies):
        shutil.copytree(
            ROOT / phase.solution,
            folder / f"learner-{index:02d}",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    result: dict[str, Any] = {"phase": number, "submissions": copies, "jobs": {}}
    for jobs in (1, 2):
        runs = []
        for attempt in range(repeat):
            output = scratch / f"gradebook-{jobs}-{attempt}"
            command = [*grade_command(), "batch", f"phase-{number}", str(folder)]
            command += ["-j", str(jobs), "--force", "--output", str(output)]
            runs.append(run_timed(command, cwd=scratch))
        seconds = median(r.seconds for r in runs)
        result["jobs"][str(jobs)] = {
            "seconds": seconds,
            "runs": [r.seconds for r in runs],
            "per_minute": copies * 60 / seconds,
            "error": failed(runs),
        }
        say(f"  batch -j {jobs}: {seconds:.1f} s, {copies * 60 / seconds:.1f} per minute")
    one, two = result["jobs"]["1"]["seconds"], result["jobs"]["2"]["seconds"]
    result["speedup"] = one / two
    return result


# -- the site -------------------------------------------------------------------------------


def ensure_site(say: Callable[[str], None]) -> Path:
    """The built site in ROOT/site, built first (untimed) when missing or stale."""
    from grader.serve import site_build

    if site_build.is_stale(ROOT):
        say("  (building the site first: it is missing or stale)")
        site_build.build(ROOT)
    return ROOT / site_build.SITE_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_once(limit: float = 60) -> Run:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = subprocess.Popen(
        [*grade_command(), "serve", "--port", str(port)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < limit:
            if process.poll() is not None:
                return Run(time.perf_counter() - started, process.returncode, "serve ended")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return Run(time.perf_counter() - started, 0, "")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        return Run(time.perf_counter() - started, None, "no answer")
    finally:
        # Ctrl-C first, so that it takes its address back (grader.serve.address); then the group.
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(process)
        process.wait()


def bench_serve(repeat: int, say: Callable[[str], None]) -> dict[str, Any]:
    ensure_site(say)
    runs = [serve_once() for _ in range(repeat)]
    seconds = median(r.seconds for r in runs)
    say(f"  grade serve, first page: {seconds:.2f} s")
    return {
        "seconds": seconds,
        "runs": [r.seconds for r in runs],
        "goal_s": GOALS["serve_s"],
        "met": seconds <= GOALS["serve_s"],
        "error": failed(runs),
    }


def bench_build(repeat: int, scratch: Path, say: Callable[[str], None]) -> dict[str, Any]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    runs = []
    for attempt in range(repeat):
        site = scratch / f"site-{attempt}"
        command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)]
        runs.append(run_timed(command, cwd=ROOT, env=env))
        shutil.rmtree(site, ignore_errors=True)
    seconds = median(r.seconds for r in runs)
    say(f"  mkdocs build: {seconds:.2f} s")
    return {
        "seconds": seconds,
        "runs": [r.seconds for r in runs],
        "goal_s": GOALS["build_s"],
        "met": seconds <= GOALS["build_s"],
        "error": failed(runs),
    }


class _Resources(HTMLParser):
    """The URLs a page makes the browser load, and Material's search worker."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._config = False
        self.config = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("href"):
            rel = set((found.get("rel") or "").lower().split())
            if rel & {"stylesheet", "icon", "preload", "modulepreload", "manifest"}:
                self.urls.append(found["href"] or "")
        elif tag == "script":
            if found.get("src"):
                self.urls.append(found["src"] or "")
            self._config = found.get("id") == "__config"
        elif tag == "img" and found.get("src"):
            self.urls.append(found["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._config = False

    def handle_data(self, data: str) -> None:
        if self._config:
            self.config += data


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


@dataclass
class PageWeight:
    files: dict[str, int] = field(default_factory=dict)
    external: list[str] = field(default_factory=list)

    def add(self, site: Path, url: str, base: str) -> Path | None:
        if url.startswith("data:"):
            return None
        absolute = urljoin(base, url)
        parts = urlsplit(absolute)
        if parts.scheme != "file":
            self.external.append(url)
            return None
        path = Path(parts.path)
        if path.is_dir():
            path = path / "index.html"
        key = str(path.relative_to(site)) if path.is_relative_to(site) else str(path)
        if key in self.files or not path.is_file():
            return None
        self.files[key] = path.stat().st_size
        return path


def page_weight(site: Path, page: Path, scheme: str) -> PageWeight:
    """What `page` loads for a reader in the `scheme` colour scheme ("light" or "dark"): an
    image shown only in the other scheme (`#only-dark`, lazy and hidden) is never fetched."""
    other = "#only-dark" if scheme == "light" else "#only-light"
    weight = PageWeight()
    base = page.as_uri()
    weight.add(site, base, base)
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    # Material's search worker starts when the search is first used (docs/assets/lazy-search.js),
    # like the index: both are counted apart, in `search_on_use`.
    urls = [url for url in parser.urls if not url.endswith(other)]
    pending = [(url, base) for url in urls]
    while pending:
        url, where = pending.pop()
        path = weight.add(site, url.split("#")[0].split("?")[0], where)
        if path is not None and path.suffix == ".css":
            text = path.read_text(encoding="utf-8", errors="replace")
            for plain, imported in _CSS_URL.findall(text):
                pending.append(((plain or imported).strip(), path.as_uri()))
    return weight


def _gzipped(path: Path) -> int:
    """The bytes of `path` as a server that compresses text sends it (images as they are)."""
    data = path.read_bytes()
    if path.suffix in {".png", ".jpg", ".jpeg", ".webp", ".woff", ".woff2", ".ico"}:
        return len(data)
    return len(gzip.compress(data, compresslevel=6))


def mermaid_bytes() -> tuple[int, int, str]:
    """The size of mermaid's script as the site shipped it (raw, gzipped), and the source."""
    done = subprocess.run(
        ["git", "show", f"{MERMAID_COMMIT}^:{MERMAID}"],
        cwd=ROOT,
        capture_output=True,
        start_new_session=True,
    )
    if done.returncode == 0 and done.stdout:
        data = done.stdout
        return len(data), len(gzip.compress(data, 6)), f"git {MERMAID_COMMIT[:7]}^:{MERMAID}"
    return MERMAID_BYTES, 0, f"{MERMAID} as last shipped (stated figure; gzip not known)"


def search_worker(site: Path) -> Path | None:
    """Material's search worker, as the home page's configuration names it."""
    parser = _Resources()
    parser.feed((site / "index.html").read_text(encoding="utf-8"))
    with contextlib.suppress(ValueError):
        named = json.loads(parser.config).get("search")
        if named:
            path = site / named.split("?")[0]
            return path if path.is_file() else None
    return None


def bench_site_weight(
    course: Course, say: Callable[[str], None], site: Path | None = None
) -> dict[str, Any]:
    site = (site or ensure_site(say)).resolve()
    mermaid, mermaid_gzip, source = mermaid_bytes()
    index = site / "search" / "search_index.json"
    index_bytes = index.stat().st_size if index.exists() else 0
    index_gzip = _gzipped(index) if index.exists() else 0
    worker = search_worker(site)
    worker_bytes = worker.stat().st_size if worker else 0
    worker_gzip = _gzipped(worker) if worker else 0
    pages = []
    for phase in course.ready_phases:
        if not phase.page:
            continue
        html = site / Path(phase.page).with_suffix("") / "index.html"
        weight = max(
            (page_weight(site, html, scheme) for scheme in ("light", "dark")),
            key=lambda seen: sum(seen.files.values()),
        )
        gzipped = sum(_gzipped(site / name) for name in weight.files)
        kinds: dict[str, int] = {}
        for name, size in weight.files.items():
            kind = Path(name).suffix.lstrip(".") or "other"
            kinds[kind] = kinds.get(kind, 0) + size
        total = sum(weight.files.values())
        pages.append(
            {
                "phase": phase.number,
                "page": str(html.relative_to(site)),
                "bytes": total,
                "gzip_bytes": gzipped,
                "with_diagram_library": total + mermaid,
                "with_diagram_library_gzip": gzipped + mermaid_gzip,
                "by_kind": kinds,
                "files": len(weight.files),
                "largest": sorted(weight.files.items(), key=lambda item: -item[1])[:3],
                "external": sorted(set(weight.external)),
                "met": total <= GOALS["page_kb"] * KB,
            }
        )
    heaviest = max((p["bytes"] for p in pages), default=0)
    say(f"  site weight: heaviest lesson page {heaviest / KB:.0f} kB")
    return {
        "pages": pages,
        "search_index_bytes": index_bytes,
        "search_index_gzip_bytes": index_gzip,
        "search_worker_bytes": worker_bytes,
        "search_worker_gzip_bytes": worker_gzip,
        "mermaid_gzip_bytes": mermaid_gzip,
        "mermaid_bytes": mermaid,
        "mermaid_source": source,
        "goal_kb": GOALS["page_kb"],
        "met": all(p["met"] for p in pages),
    }


# -- report ---------------------------------------------------------------------------------


def _on_use(weights: dict[str, Any], kind: str) -> str:
    """The kB of what loads when the search is first used (`kind`: "" or "gzip_")."""
    total = weights[f"search_index_{kind}bytes"] + weights.get(f"search_worker_{kind}bytes", 0)
    return f"{total / KB:.0f}"


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _when(item: dict[str, Any]) -> str:
    return f"{item['when']}, " if item["when"] else ""


def _mark(met: bool) -> str:
    return "[green]met[/green]" if met else "[red]not met[/red]"


def _command_rows(
    report: dict[str, Any], mark: Callable[[bool], str], code: Callable[[str], str]
) -> list[tuple[str, str, str, str]]:
    """The commands' figures (measure, figure, goal, met) for either renderer: `mark` says met
    or not, `code` shows a command line."""
    rows = []

    def timed(measure: str, r: dict[str, Any]) -> tuple[str, str, str, str]:
        return measure, f"{r['seconds']:.2f} s", f"≤ {r['goal_s']:g} s", mark(r["met"])

    if "all" in report:
        rows.append(timed(code("grade all --solution"), report["all"]))
    if "batch" in report:
        r = report["batch"]
        command = code(f"grade batch phase-{r['phase']}")
        for jobs, figures in r["jobs"].items():
            rows.append(
                (
                    f"{command}, {r['submissions']} copies, {code(f'-j {jobs}')}",
                    f"{figures['seconds']:.1f} s, {figures['per_minute']:.1f} a minute",
                    "",
                    "",
                )
            )
        rows.append(("speed-up from 1 to 2 workers", f"{r['speedup']:.2f} times", "", ""))
    if "serve" in report:
        rows.append(timed(code("grade serve") + " to its first page", report["serve"]))
    if "build" in report:
        rows.append(timed(code("mkdocs build"), report["build"]))
    return rows


def render(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    info = report["machine"]
    console.print(
        f"\n[bold]Benchmarks[/bold] · {info['cores']} cores, {info['cpu']} · Python "
        f"{info['python']} · {info['date']} · medians of {report['repeat']} runs"
    )
    if "phases" in report:
        table = Table(
            title="grade phase-N --solution (its checks split between processes, as by default; "
            "and in 1 process) next to its floor (bare pytest) and the same pytest run with the "
            "grader's own options (lean); the ratios are of the one-process run"
        )
        for name in (
            "phase",
            "checks",
            "grade s",
            "1 process s",
            "floor s",
            "ratio",
            "lean s",
            "ratio",
            "goal",
            "met",
        ):
            table.add_column(name, justify="right")
        table.add_column("slowest in the floor", justify="left")
        for row in report["phases"]:
            top = row["floor_slowest"][0] if row["floor_slowest"] else None
            slow = f"{top['test']} ({_when(top)}{top['seconds']:.2f} s)" if top else ""
            if top and top["suite"] != f"phase_{row['phase']:02d}":
                slow += f" [{top['suite']}]"
            goal = f"≤ {row['goal_s']:g} s, ≤ {GOALS['ratio']:g}x"
            met = _mark(row["time_met"]) + " / " + _mark(row["ratio_met"])
            table.add_row(
                str(row["phase"]) + (" (live)" if row["live"] else ""),
                str(row["checks"]),
                f"{row['grade_s']:.2f}",
                f"{row.get('one_process_s', row['grade_s']):.2f}",
                f"{row['floor_s']:.2f}",
                f"{row['ratio']:.2f}",
                f"{row['lean_floor_s']:.2f}",
                f"{row['ratio_to_lean']:.2f}",
                goal,
                met + (" [red]ERROR[/red]" if row["error"] else ""),
                slow,
            )
        console.print(table)
    table = Table(title="Commands and the site")
    for name in ("measure", "figure", "goal", "met"):
        table.add_column(name)
    for row in _command_rows(report, _mark, lambda text: text):
        table.add_row(*row)
    if table.rows:
        console.print(table)
    if "site_weight" in report:
        r = report["site_weight"]
        table = Table(
            title="Lesson pages: the bytes a browser loads, in kB (1000 bytes), in the heavier "
            f"colour scheme; gzip = as a compressing server sends them. Mermaid's script: "
            f"{r['mermaid_bytes'] / KB:.0f} kB ({r['mermaid_source']})"
        )
        for name in ("phase page", "files", "html", "css", "js", "images", "total", "gzip"):
            table.add_column(name, justify="right")
        table.add_column("with mermaid (gzip)", justify="right")
        table.add_column("search index + worker, on use (gzip)", justify="right")
        table.add_column(f"≤ {r['goal_kb']:g} kB", justify="right")
        for page in r["pages"]:
            kinds = page["by_kind"]
            images = sum(v for k, v in kinds.items() if k not in {"html", "css", "js"})
            table.add_row(
                str(page["phase"]),
                str(page["files"]),
                f"{kinds.get('html', 0) / KB:.0f}",
                f"{kinds.get('css', 0) / KB:.0f}",
                f"{kinds.get('js', 0) / KB:.0f}",
                f"{images / KB:.0f}",
                f"{page['bytes'] / KB:.0f}",
                f"{page['gzip_bytes'] / KB:.0f}",
                f"{page['with_diagram_library'] / KB:.0f} "
                f"({page['with_diagram_library_gzip'] / KB:.0f})",
                f"{_on_use(r, '')} ({_on_use(r, 'gzip_')})",
                _mark(page["met"]),
            )
        console.print(table)


def _bold(text: str, over: bool) -> str:
    """`text` in bold when it is over its goal."""
    return f"**{text}**" if over else text


def _yes(met: bool) -> str:
    return "met" if met else "**not met**"


def markdown(report: dict[str, Any]) -> str:
    """The figures as Markdown tables, narrow enough for a page of the site (docs/instructors/)."""
    lines: list[str] = []
    if "phases" in report:
        lines += [
            "| Phase | `grade` | one process | floor | lean | ratio | what dominates the floor |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for row in report["phases"]:
            top = row["floor_slowest"][0] if row["floor_slowest"] else None
            name = f"`{top['test'].removeprefix('test_')}`" if top and top["when"] else ""
            slow = f"{name or (top or {}).get('test', '')} {top['seconds']:.2f} s" if top else ""
            took = _bold(f"{row['grade_s']:.2f} s", not row["time_met"])
            ratio = _bold(f"{row['ratio']:.2f}", not row["ratio_met"])
            lines.append(
                f"| {row['phase']} | {took} | {row.get('one_process_s', row['grade_s']):.2f} s | "
                f"{row['floor_s']:.2f} s | "
                f"{row['lean_floor_s']:.2f} s | {ratio} | {slow} |"
            )
        lines.append("")
    rows = _command_rows(report, _yes, lambda text: f"`{text}`")
    if rows:
        lines += ["| Measure | figure | goal | met |", "| --- | ---: | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        lines.append("")
    if "site_weight" in report:
        r = report["site_weight"]
        lines += [
            "| Phase | HTML | images | total | gzip | with mermaid |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for page in r["pages"]:
            kinds = page["by_kind"]
            images = sum(v for k, v in kinds.items() if k not in {"html", "css", "js"})
            total = _bold(f"{page['bytes'] / KB:.0f}", not page["met"])
            lines.append(
                f"| {page['phase']} | {kinds.get('html', 0) / KB:.0f} | {images / KB:.0f} | "
                f"{total} | "
                f"{page['gzip_bytes'] / KB:.0f} | {page['with_diagram_library'] / KB:.0f} |"
            )
        lines.append("")
        lines.append(
            f"The search index and Material's search worker, loaded when the search is used: "
            f"{_on_use(r, '')} kB ({_on_use(r, 'gzip_')} kB gzipped)."
        )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    parser.add_argument(
        "--show", type=Path, metavar="JSON", help="measure nothing: print the figures of a run"
    )
    parser.add_argument("--phases", nargs="+", type=int, help="only these phases")
    parser.add_argument(
        "--site", type=Path, help="a built site to weigh (default: ./site, built if stale)"
    )
    parser.add_argument("--batch-phase", type=int, default=1)
    parser.add_argument("--batch-copies", type=int, default=30)
    parser.add_argument("--batch-repeat", type=int, default=3)
    options = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if options.show:
        report = json.loads(options.show.read_text(encoding="utf-8"))
        render(report)
        if options.markdown:
            options.markdown.write_text(markdown(report), encoding="utf-8")
        return 0
    course = load_course(ROOT)
    if options.phases:
        wanted = set(options.phases)
        course = _only_phases(course, wanted)
    report: dict[str, Any] = {"machine": machine(), "repeat": options.repeat, "goals": GOALS}
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if "phases" in options.only:
            say("grade phase-N --solution and its floor:")
            report["phases"] = bench_phases(course, options.repeat, scratch, say)
        if "all" in options.only:
            report["all"] = bench_all(options.repeat, say)
        if "batch" in options.only:
            report["batch"] = bench_batch(
                load_course(ROOT),
                options.batch_phase,
                options.batch_copies,
                min(options.repeat, options.batch_repeat),
                scratch,
                say,
            )
        if "build" in options.only:
            report["build"] = bench_build(options.repeat, scratch, say)
        if "serve" in options.only:
            report["serve"] = bench_serve(options.repeat, say)
        if "site-weight" in options.only:
            report["site_weight"] = bench_site_weight(course, say, options.site)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    render(report)
    print(f"\nJSON: {options.json}")
    if options.markdown:
        options.markdown.write_text(markdown(report), encoding="utf-8")
        print(f"Markdown: {options.markdown}")
    return 0


def _only_phases(course: Course, wanted: set[int]) -> Course:
    """The course with only the `wanted` phases ready (the others stay in the catalogue)."""
    from dataclasses import replace

    phases = tuple(p if p.number in wanted else replace(p, status="planned") for p in course.phases)
    return replace(course, phases=phases)


if __name__ == "__main__":
    raise SystemExit(main())
