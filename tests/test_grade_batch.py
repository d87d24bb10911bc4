"""`grade batch`: a whole class graded in parallel into a gradebook, whatever the submissions do.

Classes are built in tmp_path from Phase 1's solution (its `main.py` rewritten with a small
edit) and stub: correct submissions, partly wrong ones, and hostile ones (endless loops, a
memory hog, children that outlive it, a connection off this machine, `sys.exit` and `os._exit`
at import, files deleted, a syntax error, a huge file, a folder too large to copy). Each row of
the gradebook must say what its submission is. Every process a test starts is in a process
group of its own; no test sends a packet anywhere but loopback: the connection attempts run in
an empty network namespace (the whole batch does, when the machine allows it; CI does), and the
one in the big batch is refused by the grader's guard before a socket connects anyway.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree, processes_with, run_in_group, started_in_group

from grader.sandbox import COPY_LIMIT_MIB

pytestmark = pytest.mark.slow

SOLUTION = ROOT / "solutions" / "phase-01"
STUB = ROOT / "exercises" / "phase-01"
ASYNC_ROUTER = ROOT / "tests" / "variants" / "phase_01" / "correct_async_router"
CHECKS = [
    "import_starts_nothing",
    "health_route",
    "books_empty_list",
    "schema_lists_routes",
    "docs_page",
    "unknown_path_json_404",
]
EVERY = frozenset(CHECKS)
PER_CHECK = "2"  # seconds per check (--timeout) in these batches
# A generous bound that only proves nothing hangs: the 30 submissions take about 20 s at -j 2 on
# a 2-core machine (the hostile ones wait out their 2 s limits).
WHOLE_BATCH_WITHIN = 400.0

# Phase 1's solution, with its two handlers' bodies and what follows the app open to edits.
MAIN = '''"""The Book API after Phase 1, as a learner handed it in."""

from fastapi import FastAPI

{before}
app = FastAPI(title="Book API", version="0.1.0"{settings})
{after}

@app.{health_verb}("/health")
def health() -> dict[str, str]:
{health}


@app.get("{books_path}")
def list_books() -> list[dict[str, str]]:
{books}
'''
HEALTHY = '    return {"status": "ok"}'
EMPTY = "    return []"


@dataclass(frozen=True)
class Learner:
    """A submission and the row it must get: its status, and the checks it fails (None: it
    gets no score at all)."""

    name: str
    status: str
    fails: frozenset[str] | None = frozenset()
    base: Path = SOLUTION
    edit: dict[str, str] = field(default_factory=dict)  # MAIN's fields to change
    keep_main: bool = False
    big_file: bool = False

    def build(self, folder: Path, nap: str) -> None:
        target = copy_tree(self.base, folder / self.name)
        if not self.keep_main:
            fields = {
                "before": "",
                "settings": "",
                "after": "",
                "health_verb": "get",
                "health": HEALTHY,
                "books_path": "/books",
                "books": EMPTY,
            }
            fields.update({k: v.replace("{nap}", nap) for k, v in self.edit.items()})
            (target / "bookapi" / "main.py").write_text(MAIN.format(**fields))
        if self.big_file:
            # Sparse: the folder claims more than the grader copies, without using the disk.
            with (target / "dataset.bin").open("wb") as big:
                big.truncate((COPY_LIMIT_MIB + 1) * 1024 * 1024)

    @property
    def score(self) -> int | None:
        return None if self.fails is None else len(CHECKS) - len(self.fails)


CHILDREN = (
    "    import subprocess\n\n"
    "    for _ in range(3):\n"
    "        subprocess.Popen(['sleep', '{nap}'], start_new_session=True,\n"
    "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n" + HEALTHY
)
HUGE_FILE = (
    "    import pathlib\n\n"
    "    chunk = b'x' * (8 * 1024 * 1024)\n"
    "    try:\n"
    "        with open(pathlib.Path(__file__).with_name('huge.bin'), 'wb') as out:\n"
    "            while True:\n"
    "                out.write(chunk)\n"
    "    except OSError:  # the grader's file-size limit\n"
    "        pass\n" + EMPTY
)


def the_class() -> list[Learner]:
    """Thirty learners: twelve correct copies, and one of every other kind."""
    correct = [Learner(f"good-{n:02d}", "graded") for n in range(1, 13)]
    return [
        *correct,
        Learner("stub", "not importable", EVERY, base=STUB, keep_main=True),
        Learner("async-router", "graded", base=ASYNC_ROUTER, keep_main=True),
        Learner(
            "fine-not-ok",
            "graded",
            frozenset({"health_route"}),
            edit={"health": '    return {"status": "fine"}'},
        ),
        Learner(
            "no-docs",
            "graded",
            frozenset({"docs_page"}),
            edit={"settings": ", docs_url=None, redoc_url=None"},
        ),
        Learner(
            "books-in-envelope",
            "graded",
            frozenset({"books_empty_list"}),
            edit={"books": '    return {"books": []}  # type: ignore[return-value]'},
        ),
        Learner(
            "loop-at-import", "not importable", EVERY, edit={"before": "while True:\n    pass\n"}
        ),
        Learner(
            "loop-in-handler",
            "graded",
            frozenset({"health_route"}),
            edit={"health": "    while True:\n        pass"},
        ),
        Learner(
            "memory-hog",
            "graded",
            frozenset({"books_empty_list"}),
            edit={"books": "    shelf = 'x' * (4 * 1024**3)\n    return [{'shelf': shelf}]"},
        ),
        Learner("children-outlive-it", "graded", edit={"health": CHILDREN}),
        Learner(
            "connects-off-machine",
            "graded",  # the app imports; the rule it breaks (loopback only) fails every check
            EVERY,
            edit={"after": "import socket\n\nsocket.create_connection(('192.0.2.1', 80), 1)\n"},
        ),
        Learner(
            "sys-exit-at-import",
            "not importable",
            EVERY,
            edit={"before": "import sys\nsys.exit(3)\n"},
        ),
        Learner(
            "os-exit-at-import",
            "not importable",
            EVERY,
            edit={"before": "import os\nos._exit(3)\n"},
        ),
        Learner(
            "deletes-its-files",
            "not importable",
            EVERY - {"import_starts_nothing"},  # the first import works, then the files are gone
            edit={
                "after": "import pathlib\nimport shutil\n\n"
                "shutil.rmtree(pathlib.Path(__file__).resolve().parent.parent)\n"
            },
        ),
        Learner("syntax-error", "not importable", EVERY, edit={"before": "def broken(:\n"}),
        Learner("huge-file", "graded", edit={"books": HUGE_FILE}),
        Learner("too-large-to-copy", "crashed", None, big_file=True),
        Learner(
            "health-by-post",
            "graded",
            frozenset({"health_route", "schema_lists_routes"}),
            edit={"health_verb": "post"},
        ),
        Learner(
            "books-misspelt",
            "graded",
            frozenset({"books_empty_list", "schema_lists_routes"}),
            edit={"books_path": "/book"},
        ),
    ]


def _netns_prefix() -> list[str]:
    """A prefix that runs a command in an empty network namespace, or [] where none can be made
    (the big batch is safe without: its one connection is refused before it is made)."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        return []
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30)
    return [unshare, "-n"] if probe.returncode == 0 else []


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", "batch", *args]


def _env(tag: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "GRADE_TEST_TAG": tag}


def _gradebook(output: Path) -> tuple[dict, list[dict[str, str]]]:
    data = json.loads((output / "phase-01.json").read_text())
    rows = list(csv.DictReader(io.StringIO((output / "phase-01.csv").read_text())))
    return data, rows


def _left_behind(tag: str, nap: str) -> list[str]:
    time.sleep(0.3)  # a killed process may take a moment to leave /proc
    return processes_with(tag.encode(), nap.encode())


def _expect_rows(data: dict, rows: list[dict[str, str]], learners: list[Learner]) -> None:
    """Every learner's row says what its submission is, in the JSON and the CSV alike."""
    assert data["phase"] == "phase-1" and data["checks"] == CHECKS
    by_name = {row["learner"]: row for row in data["submissions"]}
    assert [row["learner"] for row in data["submissions"]] == sorted(by_name)
    assert sorted(by_name) == sorted(learner.name for learner in learners)
    assert [row["learner"] for row in rows] == sorted(by_name)
    for learner, line in zip(sorted(learners, key=lambda x: x.name), rows, strict=True):
        row = by_name[learner.name]
        shown = f"{learner.name}: {row}"
        assert (row["status"], row["score"], row["max"]) == (
            learner.status,
            learner.score,
            len(CHECKS),
        ), shown
        if learner.fails is None:
            assert row["checks"] == {}, shown
        else:
            assert row["checks"] == {check: check not in learner.fails for check in CHECKS}, shown
        marks = {check: line[check] for check in CHECKS}
        expected = {
            check: {True: "pass", False: "fail"}.get(row["checks"].get(check), "")
            for check in CHECKS
        }
        assert marks == expected and line["status"] == learner.status, line
        assert line["score"] == ("" if learner.score is None else str(learner.score)), line


def test_a_hostile_class_is_graded_in_parallel_and_a_rerun_grades_nothing_new(
    tmp_path: Path,
) -> None:
    tag, nap = uuid.uuid4().hex, f"{600 + uuid.uuid4().int % 1000}.5"
    learners = the_class()
    assert len(learners) == 30
    submissions = tmp_path / "class"
    for learner in learners:
        learner.build(submissions, nap)
    output = tmp_path / "marks"
    command = [
        *_netns_prefix(),
        *_command("phase-1", str(submissions), "-j", "2", "--timeout", PER_CHECK),
        *("--output", str(output)),
    ]
    started = time.monotonic()
    first = run_in_group(command, tmp_path, _env(tag), within=WHOLE_BATCH_WITHIN)
    elapsed = time.monotonic() - started

    assert first.returncode == 1, first.stderr  # graded through, but not every one: 1
    assert elapsed < WHOLE_BATCH_WITHIN
    assert "30 graded, 0 cached" in first.stderr, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    data, rows = _gradebook(output)
    _expect_rows(data, rows, learners)
    assert not _left_behind(tag, nap)
    # The learners' own folders are as they handed them in.
    assert (submissions / "deletes-its-files" / "bookapi" / "main.py").is_file()
    assert not list(submissions.glob("*/bookapi/huge.bin"))

    before = {name: (output / name).read_bytes() for name in ("phase-01.csv", "phase-01.json")}
    again = run_in_group(command, tmp_path, _env(tag), within=120)
    assert again.returncode == 1, again.stderr
    assert "0 graded, 30 cached" in again.stderr, again.stderr
    assert {name: (output / name).read_bytes() for name in before} == before


# Each check imports the app afresh: 4 s at import, well under the 10 s limit per check that
# the tests below give it (a loaded machine must not make it a hanging import), makes every
# check of this submission slow but none of them fail: about 24 s in all, from sleeping alone.
SLOW = Learner("slow", "timed out", None, edit={"before": "import time\n\ntime.sleep(4)\n"})
SLOW_PER_CHECK = "10"


def test_a_submission_over_the_wall_limit_is_stopped_and_force_grades_again(
    tmp_path: Path,
) -> None:
    tag, nap = uuid.uuid4().hex, "unused"
    learners = [Learner("quick", "graded"), SLOW]
    submissions = tmp_path / "class"
    for learner in learners:
        learner.build(submissions, nap)
    output = tmp_path / "gradebook"
    # The quick one takes about a second, the slow one more than 20 s: 8 s tells them apart.
    command = _command("1", str(submissions), "--timeout", SLOW_PER_CHECK, "--limit", "8")
    first = run_in_group(command, tmp_path, _env(tag), within=120)
    assert first.returncode == 1 and "2 graded, 0 cached" in first.stderr, first.stderr
    data, rows = _gradebook(output)  # the default output folder: ./gradebook
    _expect_rows(data, rows, learners)
    slow = next(row for row in data["submissions"] if row["learner"] == "slow")
    assert "8 s limit" in slow["detail"]
    assert not _left_behind(tag, nap)

    cached = run_in_group(command, tmp_path, _env(tag), within=120)
    assert "0 graded, 2 cached" in cached.stderr, cached.stderr
    forced = run_in_group([*command, "--force"], tmp_path, _env(tag), within=120)
    assert forced.returncode == 1 and "2 graded, 0 cached" in forced.stderr, forced.stderr
    _expect_rows(*_gradebook(output), learners)
    assert not _left_behind(tag, nap)


def test_ctrl_c_keeps_a_valid_gradebook_of_what_was_finished(tmp_path: Path) -> None:
    tag, nap = uuid.uuid4().hex, "unused"
    done = [Learner("a-quick", "graded"), Learner("b-quick", "graded")]
    submissions = tmp_path / "class"
    for learner in [*done, *(Learner(f"{x}-slow", "graded", edit=SLOW.edit) for x in "cd")]:
        learner.build(submissions, nap)
    output = tmp_path / "out"
    command = _command("1", str(submissions), "-j", "1", "--timeout", SLOW_PER_CHECK, "--output")
    with started_in_group([*command, str(output)], tmp_path, _env(tag)) as batch:
        deadline = time.monotonic() + 120
        finished: list[str] = []
        while len(finished) < len(done) and time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(OSError, ValueError):
                data = json.loads((output / "phase-01.json").read_text())
                finished = [row["learner"] for row in data["submissions"]]
        assert finished == ["a-quick", "b-quick"], finished
        os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        _stdout, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    assert "stopped: the gradebook keeps the 2 of 4 submissions finished" in stderr, stderr
    _expect_rows(*_gradebook(output), done)
    assert not _left_behind(tag, nap)


def test_a_timed_out_row_is_reused_only_under_a_limit_no_larger(tmp_path: Path) -> None:
    from grader.batch_cache import Cache
    from grader.gradebook import Status, unfinished

    cache = Cache(tmp_path, 1)
    cache.put("k", unfinished("ada", Status.TIMED_OUT, 6, 30.0, "over the limit"), limit=30.0)
    assert cache.get("k", "ada", limit=20.0) is not None
    assert cache.get("k", "ada", limit=30.0) is not None
    assert cache.get("k", "ada", limit=60.0) is None  # it might finish now
    assert cache.get("other", "ada", limit=30.0) is None


# Run from a handler: a child process, which the grader's audit hook does not see, tries to
# connect off this machine and to loopback, and writes down what happened and where it ran.
PROBE = """
import json, os, socket, sys
report = {"netns": os.readlink("/proc/self/ns/net")}
for name, address in (("off_machine", ("192.0.2.1", 80)), ("loopback", None)):
    listener = socket.create_server(("127.0.0.1", 0)) if address is None else None
    try:
        socket.create_connection(address or listener.getsockname(), timeout=3).close()
        report[name] = "connected"
    except OSError as error:
        report[name] = error.errno
with open(sys.argv[1], "w") as out:
    json.dump(report, out)
"""


def _namespace_or_skip() -> str:
    """The `unshare` command, or a skip where no namespace can be made (never in CI)."""
    unshare = shutil.which("unshare")
    problem = ""
    if unshare is None or os.geteuid() != 0:
        problem = "needs root and `unshare` for an empty network namespace"
    else:
        probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30)
        problem = probe.stderr.decode().strip() if probe.returncode else ""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to make a network namespace: {problem}")
        pytest.skip(problem)
    assert unshare is not None
    return unshare


# Run in the handler itself: uvloop connects from C, where the audit hook does not look.
UVLOOP_PROBE = """
    import asyncio
    import json

    import uvloop

    async def attempt() -> object:
        try:
            await asyncio.wait_for(asyncio.open_connection("192.0.2.1", 80), 3)
            return "connected"
        except OSError as error:
            return error.errno

    loop = uvloop.new_event_loop()
    try:
        outcome = loop.run_until_complete(attempt())
    finally:
        loop.close()
    with open({path!r}, "w") as out:
        json.dump(outcome, out)
"""


def test_each_submission_runs_in_an_empty_network_namespace(tmp_path: Path) -> None:
    unshare = _namespace_or_skip()
    pytest.importorskip("uvloop")
    report, outer = tmp_path / "report.json", tmp_path / "outer-netns"
    from_c = tmp_path / "uvloop.json"
    handler = (
        "    import subprocess\n    import sys\n\n"
        f"    subprocess.run([sys.executable, '-c', {PROBE!r}, {str(report)!r}], timeout=30)\n"
        + UVLOOP_PROBE.format(path=str(from_c))
        + EMPTY
    )
    learner = Learner("probe", "graded", edit={"books": handler})
    learner.build(tmp_path / "class", "unused")
    # The whole batch runs in a namespace of its own too (no packet can leave even if the batch
    # made none); the one each submission gets must be another, with `lo` up.
    command = [
        unshare,
        "-n",
        "sh",
        "-c",
        'readlink /proc/self/ns/net > "$0" && exec "$@"',
        str(outer),
        *_command("1", str(tmp_path / "class"), "--timeout", "10", "--output", str(tmp_path)),
    ]
    run = run_in_group(command, tmp_path, _env(uuid.uuid4().hex), within=120)
    assert run.returncode == 0, run.stderr
    assert "network namespace" not in run.stderr  # no fallback warning
    _expect_rows(*_gradebook(tmp_path), [learner])
    seen = json.loads(report.read_text())
    assert seen["netns"] != outer.read_text().strip()
    assert seen["off_machine"] == errno.ENETUNREACH, seen
    assert seen["loopback"] == "connected", seen
    # Not refused by the grader's guard (ECONNREFUSED): unreachable, from the namespace.
    assert json.loads(from_c.read_text()) == errno.ENETUNREACH


def test_without_namespaces_the_batch_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import netns
    from grader.commands import batch

    for name in ("ada", "brian"):
        Learner(name, "graded").build(tmp_path / "class", "unused")
    monkeypatch.setattr(netns, "available", lambda: False)
    code = batch.run(
        spec="phase-1",
        submissions=tmp_path / "class",
        jobs=2,
        limit=None,
        output=tmp_path / "out",
        force=False,
        as_json=True,
        timeout=float(PER_CHECK),
    )
    shown = capsys.readouterr()
    assert code == 0
    assert shown.err.count("audit hook alone") == 1, shown.err
    assert json.loads(shown.out) == json.loads((tmp_path / "out" / "phase-01.json").read_text())


def test_the_gradebook_is_written_whole_and_safe_for_spreadsheets(tmp_path: Path) -> None:
    from grader.gradebook import Gradebook, Status, to_csv, unfinished, write

    rows = [unfinished("=HYPERLINK(1)", Status.CRASHED, 6, 1.0, "@SUM(A1)")]
    book = Gradebook(phase="phase-1", title="Hello", checks=CHECKS, submissions=rows)
    write(book, tmp_path, 1)
    write(book, tmp_path, 1)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["phase-01.csv", "phase-01.json"]
    line = next(csv.DictReader(io.StringIO(to_csv(book))))
    assert (line["learner"], line["detail"]) == ("'=HYPERLINK(1)", "'@SUM(A1)")
    assert json.loads((tmp_path / "phase-01.json").read_text())["submissions"][0]["learner"] == (
        "=HYPERLINK(1)"
    )


def test_a_named_pipe_in_a_submission_does_not_block_its_hash(tmp_path: Path) -> None:
    import threading

    from grader.batch_cache import submission_digest

    folder = copy_tree(SOLUTION, tmp_path / "ada")
    before = submission_digest(folder)
    os.mkfifo(folder / "bookapi" / "pipe")
    found: list[str] = []
    hashing = threading.Thread(target=lambda: found.append(submission_digest(folder)), daemon=True)
    hashing.start()
    hashing.join(timeout=30)
    assert found and found[0] != before


def test_instructor_held_checks_count_in_the_gradebook(tmp_path: Path) -> None:
    extra = ROOT / "examples" / "extra-checks"
    held = _held_ids(extra)
    submissions = tmp_path / "class"
    shutil.copytree(SOLUTION, submissions / "ada")
    shutil.copytree(STUB, submissions / "bo")
    command = _command("1", str(submissions), "--timeout", PER_CHECK, "--json")
    tag = uuid.uuid4().hex
    plain = run_in_group(command, tmp_path, _env(tag), within=120)
    with_held = run_in_group(
        [*command, "--extra-checks", str(extra)], tmp_path, _env(tag), within=120
    )
    # The held checks change what the results depend on: nothing comes from the cache.
    assert "2 graded, 0 cached" in with_held.stderr, with_held.stderr
    before = {row["learner"]: row for row in json.loads(plain.stdout)["submissions"]}
    data = json.loads(with_held.stdout)
    after = {row["learner"]: row for row in data["submissions"]}
    assert data["checks"][: len(CHECKS)] == CHECKS
    assert len(data["checks"]) == len(CHECKS) + len(held)
    assert after["ada"]["score"] == before["ada"]["score"] + len(held)
    assert after["ada"]["max"] == len(CHECKS) + len(held)
    assert after["bo"]["score"] == before["bo"]["score"]  # the stub fails the held checks too
    assert not _left_behind(tag, "unused")


def _held_ids(extra: Path) -> list[str]:
    import tomllib

    phases = tomllib.loads((extra / "checks.toml").read_text())["phase"]
    return [check["id"] for phase in phases for check in phase["check"]]
