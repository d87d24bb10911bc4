"""A warm Python for runs of the learner's own tests: it imports pytest and the web stack once,
then forks a fresh child for each run (`grader.kit.warm` talks to it).

A run of the learner's tests used to start a new interpreter that spent about 1.3 s importing
pytest, FastAPI, SQLAlchemy and SQLModel before the first test; Phase 9 runs the tests four
times. A forked child starts with those modules already imported and nothing else: it never ran
a check, never imported the learner's code, and gets the run's working directory, environment,
`sys.path` (its folder first, then PYTHONPATH, then the interpreter's own), output file and a
session (process group) of its own, exactly as `python -m pytest` would.

Not `anyio.pytest_plugin`: pytest warns that a plugin imported before it starts cannot have
its asserts rewritten. Run as a script (`python -P warm_server.py`), never imported.

Protocol, one JSON object per line: stdin takes `{"id", "cwd", "env", "path", "args",
"output"}`; stdout answers `{"id", "pid"}` once the child is forked and `{"id", "exit"}` when it
has ended (its exit status; -N for a signal). Before reaping a child the server kills the
child's process group, so nothing the run started outlives it. At the end of stdin it kills the
groups of the children still running and exits.
"""

import json
import os
import select
import signal
import sys
import traceback
import warnings

BASE_PATH = list(sys.path)
PRELOAD = (
    "pytest",
    "anyio",
    "fastapi",
    "fastapi.testclient",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlmodel",
    "httpx",
    "httpx2",
)
POLL = 0.02


def preload() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in PRELOAD:
            try:
                __import__(name)
            except Exception:  # not installed, or broken: the run imports it itself, or fails
                pass


def send(message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(1, data) :]


def child(request: dict) -> None:
    """In the forked child: become the run that `python -m pytest` would be, and never return."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        sink = os.open(request["output"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(null, 0)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        os.close(null)
        os.close(sink)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:] = [request["cwd"], *request["path"], *BASE_PATH]
        sys.argv = ["pytest", *request["args"]]
        sys.dont_write_bytecode = bool(request["env"].get("PYTHONDONTWRITEBYTECODE"))
        import pytest

        code = int(pytest.main(request["args"]))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def reap(children: dict[int, object]) -> None:
    """Report every child that has ended, after killing what is left of its group."""
    while children:
        try:
            found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if found is None or found.si_pid == 0:
            return
        pid = found.si_pid
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        _, status = os.waitpid(pid, 0)
        send({"id": children.pop(pid, None), "exit": os.waitstatus_to_exitcode(status)})


def serve() -> None:
    children: dict[int, object] = {}
    pending = b""
    while True:
        ready, _, _ = select.select([0], [], [], POLL if children else None)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    child(request)
                children[pid] = request.get("id")
                send({"id": request.get("id"), "pid": pid})
        reap(children)
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":
    preload()
    send({"ready": True})
    serve()
