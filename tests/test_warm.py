"""The warm Python that runs the learner's own tests (grader/kit/warm.py, warm_server.py): a run
forked from it sees what `python -m pytest` would see, and leaves nothing running, whether it
ends, runs out of time or starts processes of its own."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.kit import warm
from grader.kit.learner_tests import run_learner_tests


@pytest.fixture
def server() -> Iterator[None]:
    warm.stop()
    yield
    warm.stop()


def started() -> None:
    """The warm Python started and done with its imports (slow on a busy machine: a short run
    would otherwise start cold, as it should, and not test the warm path)."""
    warm.warm_up()
    assert warm._server is not None
    warm._server.wait_ready(60)


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + 3
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def suite(folder: Path, body: str) -> Path:
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "test_it.py").write_text(body)
    return folder


def run(folder: Path, seconds: float) -> int | None:
    output = folder / "output.txt"
    return warm.run_warm(
        ["tests", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        path=[str(folder / "lib")],
        output=output,
        seconds=seconds,
    )


def test_a_run_sees_its_folder_environment_and_path(tmp_path: Path, server: None) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper_module.py").write_text("VALUE = 42\n")
    suite(
        tmp_path,
        "import os, sys\n"
        "import helper_module\n"
        "def test_where():\n"
        "    paths = [os.path.realpath(p) for p in sys.path]\n"
        "    assert paths.index(os.path.realpath('.')) < paths.index(os.path.realpath('lib'))\n"
        "    assert os.environ['WARM_CHECK'] == 'yes'\n"
        "    assert 'GRADE_WARM_LEFTOVER' not in os.environ\n"
        "    assert helper_module.VALUE == 42\n"
        "def test_fails():\n"
        "    assert 1 == 2\n",
    )
    os.environ["GRADE_WARM_LEFTOVER"] = "the server's own environment"
    try:
        started()
    finally:
        del os.environ["GRADE_WARM_LEFTOVER"]
    environment = dict(os.environ)
    status = warm.run_warm(
        ["tests", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env={**environment, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "WARM_CHECK": "yes"},
        path=[str(tmp_path / "lib")],
        output=tmp_path / "output.txt",
        seconds=30,
    )
    output = (tmp_path / "output.txt").read_text()
    assert status == 1, output
    assert "1 failed, 1 passed" in output


def test_a_run_out_of_time_is_killed_with_what_it_started(tmp_path: Path, server: None) -> None:
    suite(
        tmp_path,
        "import subprocess, time\n"
        "def test_hangs():\n"
        "    child = subprocess.Popen(['sleep', '60'])\n"
        "    open('child.pid', 'w').write(str(child.pid))\n"
        "    open('own.pid', 'w').write(str(__import__('os').getpid()))\n"
        "    time.sleep(60)\n",
    )
    started()
    # None: stopped at its limit (a run left to its end would pass, and answer 0); 5 s is time
    # enough to start, on a busy machine too.
    assert run(tmp_path, seconds=5) is None
    for name in ("own.pid", "child.pid"):
        pid = int((tmp_path / name).read_text())
        assert gone_soon(pid), f"{name}: {pid} still runs"


def test_what_a_finished_run_left_running_is_killed(tmp_path: Path, server: None) -> None:
    suite(
        tmp_path,
        "import subprocess\n"
        "def test_leaves_a_process():\n"
        "    child = subprocess.Popen(['sleep', '60'])\n"
        "    open('child.pid', 'w').write(str(child.pid))\n",
    )
    started()
    assert run(tmp_path, seconds=30) == 0
    assert gone_soon(int((tmp_path / "child.pid").read_text()))


def test_runs_start_cold_when_there_is_no_warm_python(
    tmp_path: Path, server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm, "SERVER", tmp_path / "missing_server.py")
    folder = suite(tmp_path / "submission", "def test_ok():\n    assert True\n")
    result = run_learner_tests(folder, seconds=60)
    assert result.exitstatus == 0, result.output
    assert [test.outcome for test in result.tests] == ["passed"]


def test_the_server_ends_with_its_input(server: None) -> None:
    warm.warm_up()
    process = warm._server.process if warm._server else None
    assert process is not None
    warm.stop()
    assert process.returncode == 0  # it ended on its own at the end of its input, not killed
