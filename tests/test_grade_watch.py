"""`grade watch`: a save triggers a new run, what changed is shown, Ctrl-C ends it cleanly;
where save events do not arrive, it polls by itself and says so."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree, processes_with

from grader.commands.watch import Backend, choose_backend, events_arrive, filesystem_type

pytestmark = pytest.mark.slow


class Watching:
    """`grade watch` running in the background, its output read line by line."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.tag = uuid.uuid4().hex
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", *args],
            cwd=cwd,
            env={**os.environ, "NO_COLOR": "1", "GRADE_TEST_TAG": self.tag},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never came; output so far:\n{''.join(self.seen)}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_a_save_grades_again_and_shows_what_changed(tmp_path: Path, poll: bool) -> None:
    submission = copy_tree(ROOT / "solutions" / "phase-01", tmp_path / "submission")
    args = ["phase-1", "--path", str(submission), *(["--poll"] if poll else [])]
    watching = Watching(*args, cwd=tmp_path)
    try:
        watching.wait_for("polling for changes, as asked" if poll else "watching for saves")
        watching.wait_for("6/6 checks passed")
        watching.wait_for("is green")
        main = submission / "bookapi" / "main.py"
        main.write_text(main.read_text().replace('"ok"', '"fine"'))
        watching.wait_for("5/6 checks passed")
        watching.wait_for("Now failing: GET /health")
        main.write_text(main.read_text().replace('"fine"', '"ok"'))
        watching.wait_for("Now passing: GET /health")
    finally:
        code = watching.stop()
    output = "".join(watching.seen)
    assert code == 0 and "Stopped watching." in output and "Traceback" not in output
    time.sleep(0.2)
    assert not processes_with(watching.tag.encode())


def test_a_save_during_a_run_starts_it_again(tmp_path: Path) -> None:
    submission = copy_tree(ROOT / "solutions" / "phase-01", tmp_path / "submission")
    main = submission / "bookapi" / "main.py"
    fixed = main.read_text()
    main.write_text("import time\ntime.sleep(4)\n" + fixed)  # a slow import: a long run
    watching = Watching("phase-1", "--path", str(submission), cwd=tmp_path)
    try:
        watching.wait_for("watching for saves")
        time.sleep(1.0)  # the first run is importing by now
        main.write_text(fixed)
        watching.wait_for("during a run: starting again")
        watching.wait_for("6/6 checks passed")
    finally:
        code = watching.stop()
    output = "".join(watching.seen)
    assert code == 0 and output.count("graded at") == 1, output
    time.sleep(0.2)
    assert not processes_with(watching.tag.encode())


def test_events_arrive_here() -> None:
    # This machine's file system reports saves, so the probe sees its own file.
    assert events_arrive(Path.cwd() if os.access(Path.cwd(), os.W_OK) else Path("/tmp"))


MOUNTS = """\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/share rw,relatime shared:20 - nfs4 server:/export rw
41 22 0:36 / /mnt/c rw,relatime - 9p drvfs rw
"""


def test_the_file_system_of_a_folder_is_read_from_mountinfo() -> None:
    assert filesystem_type(Path("/home/ada/course"), MOUNTS) == "ext4"
    assert filesystem_type(Path("/mnt/share/course"), MOUNTS) == "nfs4"
    assert filesystem_type(Path("/mnt/c/Users/ada"), MOUNTS) == "9p"


def _never(_folder: Path) -> bool:
    return False


def _always(_folder: Path) -> bool:
    return True


@pytest.mark.parametrize(
    ("folder", "probe", "polling", "says"),
    [
        ("/home/ada/course", _always, False, "watching for saves"),
        ("/mnt/share/course", _always, True, "nfs4 file system"),
        ("/mnt/c/Users/ada", _always, True, "9p file system"),
        ("/home/ada/course", _never, True, "raised no save event"),
    ],
)
def test_it_falls_back_to_polling_by_itself(
    folder: str, probe: object, polling: bool, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)
    backend = choose_backend(Path(folder), poll=False, mountinfo=MOUNTS, probe=probe)
    assert isinstance(backend, Backend)
    assert backend.polling is polling and says in backend.reason
