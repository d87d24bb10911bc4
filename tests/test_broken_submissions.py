"""A catalogue of broken submissions: whatever the learner's code does, `grade` explains it on
one screen, in time, and leaves nothing behind.

Each case is Phase 1's solution with code appended to `bookapi/main.py`, or with that module
replaced. Each run asserts: the exit status (1, or 0 where the code still works); at most 60
lines of output, with the file and line where there is one; no traceback of the grader's; a run
that ends long before the learner's code would (the grader gave up on it: the hangs loop for
ever, the children they start sleep five minutes; how fast it gives up is for a benchmark); no
process left behind; the learner's folder unchanged; the progress of other phases unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree, processes_with

from grader import progress

pytestmark = pytest.mark.slow

LIMIT = 2.0  # seconds per check, for these runs
# Far below the endless loops and five-minute naps of the cases: a run that ends sooner did not
# wait for the learner's code.
GAVE_UP_WITHIN = 60.0
SOLUTION = ROOT / "solutions" / "phase-01"
# A line of progress for another phase, which no run of phase 1 may touch.
OTHER_PHASE = {
    "graded_at": "2026-11-30T10:00:00+00:00",
    "checks": {
        "create_and_fetch": {
            "passed": True,
            "expected": "",
            "seen": "",
            "hint": "",
            "docs_url": "",
            "blocked_by": "",
        }
    },
    "causes": {},
    "hints_shown": {"create_and_fetch": 2},
}

FRESH_ROUTES = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/books")
def list_books() -> list[dict[str, str]]:
    return []
"""


@dataclass(frozen=True)
class Broken:
    id: str
    code: str
    exit: int
    shows: tuple[str, ...] = ()  # texts the output must contain (file and line, the cause)
    replace: bool = False  # the code replaces main.py instead of being appended to it
    network: bool = False  # run inside an empty network namespace


CASES = [
    Broken("syntax_error", "def broken(:\n", 1, ("syntax error in bookapi/main.py, line",)),
    Broken(
        "missing_module",
        "import bookapi.no_such_module  # noqa\n",
        1,
        ("ModuleNotFoundError", "bookapi/main.py, line"),
    ),
    Broken(
        "exception_at_import",
        "raise RuntimeError('the shelf fell over')\n",
        1,
        ("RuntimeError: the shelf fell over", "bookapi/main.py, line"),
    ),
    Broken("sys_exit_at_import", "import sys\nsys.exit(3)\n", 1, ("sys.exit(3)", "line")),
    Broken("os_exit_at_import", "import os\nos._exit(3)\n", 1, ("os._exit(3)", "line")),
    Broken(
        "endless_loop_at_import",
        "while True:\n    pass\n",
        1,
        ("still running after 2 s", "bookapi/main.py, line"),
    ),
    Broken(
        "endless_loop_in_a_handler",
        FRESH_ROUTES + '\n\n@app.get("/health")\ndef health() -> dict[str, str]:\n'
        "    while True:\n        pass\n",
        1,
        ("GET /health", "timed out"),
        replace=True,
    ),
    Broken(
        "output_flood",
        "import sys\nfor _ in range(20000):\n"
        "    print('x' * 200)\n    print('y' * 200, file=sys.stderr)\n",
        0,
    ),
    Broken(
        "deep_recursion",
        "def shelve(n):\n    return shelve(n + 1)\n\n\nshelve(0)\n",
        1,
        ("RecursionError", "bookapi/main.py, line"),
    ),
    Broken(
        "memory_hog",
        # Four GiB at once: more than the grader allows (filling memory bit by bit would end
        # the same way, only later).
        "shelf = 'x' * (4 * 1024**3)\n",
        1,
        ("more than 2048 MiB", "bookapi/main.py, line"),
    ),
    Broken(
        "server_in_a_thread",
        "import threading\nimport uvicorn\n"
        "threading.Thread(target=uvicorn.run, args=(app,), kwargs={'port': 0}, daemon=True)"
        ".start()\n",
        1,
        ("starts a server",),
    ),
    Broken(
        "hand_made_server_in_a_thread",
        "import http.server\nimport threading\n"
        "server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), "
        "http.server.SimpleHTTPRequestHandler)\n"
        "threading.Thread(target=server.serve_forever, daemon=True).start()\n",
        1,
        ("binds port",),
    ),
    Broken(
        "server_in_a_subprocess",
        "import subprocess\nimport sys\n"
        "subprocess.Popen([sys.executable, '-m', 'uvicorn', 'bookapi.main:app', '--port', '0'])\n",
        1,
        ("starts a process", "bookapi/main.py, line"),
    ),
    Broken(
        "port_bound_at_import",
        "import socket\nlistener = socket.socket()\nlistener.bind(('127.0.0.1', 0))\n"
        "listener.listen()\n",
        1,
        ("binds port",),
    ),
    Broken(
        "children_that_outlive_it",
        FRESH_ROUTES
        + "\nimport subprocess\n\n\n"
        + '@app.get("/health")\ndef health() -> dict[str, str]:\n'
        "    for _ in range(3):\n"
        "        subprocess.Popen(['sleep', '{nap}'], start_new_session=True,\n"
        "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    subprocess.Popen(['sleep', '{nap}'], start_new_session=True, env={{}},\n"
        "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        '    return {{"status": "ok"}}\n',
        0,
        replace=True,
    ),
    Broken(
        "deletes_the_exercise_folder",
        "import pathlib\nimport shutil\n"
        "shutil.rmtree(pathlib.Path(__file__).resolve().parent.parent)\n",
        1,
    ),
    Broken(
        "connects_off_this_machine",
        # 192.0.2.1 is TEST-NET-1 (RFC 5737), and this case runs in an empty network namespace.
        "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)\n",
        1,
        ("loopback", "192.0.2.1", "bookapi/main.py, line"),
        network=True,
    ),
]


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _course_with(tmp_path: Path, case: Broken, nap: str) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copyfile(ROOT / "course.toml", root / "course.toml")
    exercise = copy_tree(SOLUTION, root / "exercises" / "phase-01")
    main = exercise / "bookapi" / "main.py"
    code = case.code.format(nap=nap) if "{nap}" in case.code else case.code
    main.write_text(code if case.replace else main.read_text() + "\n" + code)
    data = {"version": progress.VERSION, "phases": {"phase-2": OTHER_PHASE}}
    (root / progress.PROGRESS_FILE).write_text(json.dumps(data))
    return root


def _network_namespace() -> list[str]:
    """A prefix that runs a command with no network at all, or a skip."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and `unshare` for an empty network namespace (CI has both)")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.decode().strip()}")
    return [unshare, "-n"]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_broken_submission_is_explained_and_leaves_nothing_behind(
    case: Broken, tmp_path: Path
) -> None:
    tag = f"GRADE_TEST_TAG={uuid.uuid4().hex}"
    nap = f"{300 + uuid.uuid4().int % 1000}.5"
    root = _course_with(tmp_path, case, nap)
    exercise = root / "exercises" / "phase-01"
    before = _tree_digest(exercise)
    prefix = _network_namespace() if case.network else []
    env = {**os.environ, "NO_COLOR": "1", tag.split("=")[0]: tag.split("=")[1]}
    command = [*prefix, sys.executable, "-m", "grader", "phase-1", "--timeout", f"{LIMIT:g}"]
    started = time.monotonic()
    run = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    shown = run.stdout + run.stderr
    flat = " ".join(shown.split())  # texts wrapped across lines still count

    assert run.returncode == case.exit, shown
    assert len(shown.splitlines()) <= 60, shown
    assert "Traceback" not in shown, shown
    for text in case.shows:
        assert text in flat, f"{text!r} missing from:\n{shown}"
    # The grader gave up on the learner's code instead of waiting for it (a hang loops for ever,
    # a child sleeps five minutes); a wide bound, so that a loaded machine cannot fail it.
    assert elapsed < GAVE_UP_WITHIN, f"took {elapsed:.1f} s"
    time.sleep(0.2)  # a killed process may take a moment to leave /proc
    assert not processes_with(tag.encode(), nap.encode())
    assert _tree_digest(exercise) == before, "the learner's folder changed"
    saved = json.loads((root / progress.PROGRESS_FILE).read_text())
    assert saved["phases"]["phase-2"] == OTHER_PHASE
    assert "phase-1" in saved["phases"]


def test_the_catalogue_covers_every_kind_of_trouble() -> None:
    assert len(CASES) >= 12
    assert len({case.id for case in CASES}) == len(CASES)
