"""Import the learner's Book API fresh for each check; turn import trouble into kind failures.

Importing must start nothing: no server (in this thread or any other), no process, no bound
port. The loader refuses uvicorn and process starts while it imports, and compares the threads,
children and sockets of the process before and after, so a server started in a background
thread or a subprocess is caught too.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
from starlette.exceptions import StarletteDeprecationWarning

from grader import causes
from grader.catalogue import PACKAGE
from grader.kit import guard
from grader.kit.failures import CheckFailed, CheckTimedOut

DEPRECATIONS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    FastAPIDeprecationWarning,
    StarletteDeprecationWarning,
)
MAIN = f"{PACKAGE}.main"
# How long to watch threads that an import left running for a server they might start.
_THREAD_GRACE = 0.3

_target: Path | None = None
# Once an import has hung, or started something that is still running, every later import
# would go the same way (or trip over what the first one left): fail those at once.
_sticky: CheckFailed | None = None
# Set from any thread that tries to start uvicorn while the loader is importing.
_server_attempts: list[str] = []
_memory_mib: int | None = None
_refusing = False
_had_package = False


class ServerStarted(BaseException):
    """The learner's module tried to start a server while being imported."""


def configure(target: Path, memory_mib: int | None = None) -> None:
    """Called once by the grader's pytest plugin with the folder being graded."""
    global _target, _memory_mib, _had_package
    _target = target.resolve()
    _memory_mib = memory_mib
    _had_package = (_target / PACKAGE).is_dir()


def target_path() -> Path:
    if _target is None:
        raise RuntimeError("the grader's pytest plugin did not set a target folder")
    return _target


def where_in_target(tb: Any) -> str:
    """` (bookapi/main.py, line 12)` for the innermost frame in the learner's folder, or ''."""
    root = target_path()
    for frame in reversed(traceback.extract_tb(tb)):
        path = Path(frame.filename)
        if path.is_relative_to(root):
            return f" ({path.relative_to(root)}, line {frame.lineno})"
    return ""


def memory_seen(where: str = "") -> str:
    limit = f"more than {_memory_mib} MiB" if _memory_mib else "more memory than allowed"
    return f"your code used {limit} of memory{where}"


def _refuse_server(*_args: object, **_kwargs: object) -> NoReturn:
    frame = sys._getframe(1)
    where = ""
    root = target_path()
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(root):
            where = f" ({path.relative_to(root)}, line {frame.f_lineno})"
            break
        frame = frame.f_back
    _server_attempts.append(where)
    raise ServerStarted


def _refuse_servers() -> None:
    """From the first import on, any attempt to start uvicorn in this process raises
    ServerStarted, in whatever thread and whenever it comes (a thread started at import may
    only get there after the import has returned). The grader never serves from this process:
    live checks start the learner's server as a process of its own."""
    global _refusing
    if _refusing:
        return
    import uvicorn

    async def refuse_serve(*_args: object, **_kwargs: object) -> NoReturn:
        _refuse_server()

    uvicorn.run = _refuse_server  # type: ignore[assignment]
    uvicorn.Server.run = _refuse_server  # type: ignore[method-assign,assignment]
    uvicorn.Server.serve = refuse_serve  # type: ignore[method-assign,assignment]
    _refusing = True


@contextmanager
def _importing() -> Iterator[None]:
    _refuse_servers()
    guard.set_importing(True)
    try:
        yield
    finally:
        guard.set_importing(False)


def _forget_learner_modules() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    _forget_learner_tables()


def _forget_learner_tables() -> None:
    """SQLModel keeps every table class ever defined in one process-wide registry: a fresh
    import of the learner's models must start from an empty one, or it fails with "Table ... is
    already defined". (Any check may load the app, an earlier phase's kept check included.)"""
    sqlmodel = sys.modules.get("sqlmodel")
    if sqlmodel is None:
        return
    sqlmodel.SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


def _started(name: str, seen: str, cause: Any = causes.SERVER_AT_IMPORT) -> CheckFailed:
    return CheckFailed(expected=f"importing `{name}` to start nothing", seen=seen, cause=cause)


def _left_running(name: str, before: guard.Snapshot) -> CheckFailed | None:
    """What the import started and left running, as a failure (or None when it started nothing)."""
    deadline = time.monotonic() + (_THREAD_GRACE if guard.new_threads_alive(before) else 0.0)
    while True:
        after = guard.snapshot()
        if _server_attempts:
            return _started(name, f"it starts a server (uvicorn) in a thread{_server_attempts[0]}")
        ports = guard.bound_ports(after.sockets - before.sockets)
        if ports:
            shown = ", ".join(str(port) for port in ports)
            return _started(name, f"it binds port {shown} (a server, listening on import)")
        children = after.children - before.children
        if children:
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            return _started(name, "it starts another process", causes.PROCESS_AT_IMPORT)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def _import_failure(name: str, root: Path, error: BaseException) -> CheckFailed:
    """A kind failure for an exception raised while importing `name`."""
    where = where_in_target(error.__traceback__)
    if isinstance(error, SyntaxError):
        path = Path(error.filename or "?")
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        return CheckFailed(
            expected=f"`{name}` to import",
            seen=f"a syntax error in {shown}, line {error.lineno}: {error.msg}",
            cause=causes.IMPORT_FAILS,
        )
    if isinstance(error, DEPRECATIONS):
        return CheckFailed(
            expected="code that uses current APIs only",
            seen=f"a deprecated API{where}: {error}",
            cause=causes.DEPRECATED_API,
        )
    if isinstance(error, SystemExit):
        return CheckFailed(
            expected=f"importing `{name}` to finish without ending the process",
            seen=f"it calls `sys.exit({error.code!r})`{where}",
            cause=causes.IMPORT_EXITS,
        )
    if isinstance(error, MemoryError):
        return CheckFailed(
            expected=f"importing `{name}` to use a modest amount of memory",
            seen=memory_seen(where),
            cause=causes.MEMORY,
        )
    if isinstance(error, guard.OffLoopbackRefused):
        return CheckFailed(
            expected=f"importing `{name}` to make no network connections",
            seen=f"{error}",
            cause=causes.NETWORK,
        )
    if isinstance(error, guard.StartRefused):
        return _started(name, f"it starts a process{where}", causes.PROCESS_AT_IMPORT)
    if _from_settings(error):
        return CheckFailed(
            expected=f"importing `{name}` to read no settings yet",
            seen=f"the settings failed to load while importing: {describe_error(error)}",
            cause=causes.SETTINGS_AT_IMPORT,
        )
    return CheckFailed(
        expected=f"`{name}` to import", seen=describe_error(error), cause=causes.IMPORT_FAILS
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 200 else first[:199] + "…"


def describe_error(error: BaseException) -> str:
    """`KeyError: 'x' (bookapi/main.py, line 3)`: an exception in one line, with the place in
    the learner's code where there is one. A ValidationError lists its fields' problems."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or '(model)'}: {problem['msg']}"
            for problem in error.errors()
        )
        text = f"ValidationError for {error.title}: {problems}"
    else:
        message = _first_line(error)
        text = f"{type(error).__name__}{': ' + message if message else ''}"
    text = text if len(text) <= 200 else text[:199] + "…"
    return text + where_in_target(error.__traceback__)


def _from_settings(error: BaseException) -> bool:
    """Whether `error` is pydantic-settings refusing the environment (a missing secret, say)."""
    from pydantic import ValidationError

    if not isinstance(error, ValidationError):
        return False
    return any(
        "pydantic_settings" in frame.filename for frame in traceback.extract_tb(error.__traceback__)
    )


def load_module(name: str = MAIN) -> ModuleType:
    """Import `name` from the learner's folder, fresh, with nothing allowed to start."""
    global _sticky
    if _sticky is not None:
        raise _sticky
    root = target_path()
    if not (root / PACKAGE).is_dir():
        seen = (
            "it was there when grading began, and is gone: does your code delete files? (Checks "
            "run on a copy: your own folder is untouched.)"
            if _had_package
            else "no such folder: is this the right exercise folder?"
        )
        raise CheckFailed(
            expected=f"a `{PACKAGE}/` package in the graded folder",
            seen=seen,
            cause=causes.IMPORT_FAILS,
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _forget_learner_modules()
    importlib.invalidate_caches()
    _server_attempts.clear()
    before = guard.snapshot()
    try:
        with _importing():
            module = importlib.import_module(name)
    except ServerStarted:
        _sticky = _started(
            name,
            f"it starts a server (uvicorn) as soon as it is imported"
            f"{_server_attempts[0] if _server_attempts else ''}",
        )
        raise _sticky from None
    except CheckTimedOut as timeout:
        _sticky = CheckFailed(
            expected=f"importing `{name}` to finish at once",
            seen=f"the import was still running after {timeout.seconds:g} s"
            f"{where_in_target(timeout.__traceback__)} (a loop or a blocking call at module "
            "level?)",
            cause=causes.IMPORT_HANGS,
            timed_out=True,
        )
        raise _sticky from None
    except (Exception, SystemExit) as error:
        raise _import_failure(name, root, error) from None
    left = _left_running(name, before)
    if left is not None:
        _sticky = left
        raise left
    return module


def load_app(name: str = MAIN, attribute: str = "app") -> FastAPI:
    """The FastAPI application object `attribute` of the learner's module `name`."""
    module = load_module(name)
    app = getattr(module, attribute, None)
    if app is None:
        raise CheckFailed(
            expected=f"`{attribute} = FastAPI()` in `{name}`",
            seen=f"no `{attribute}` defined there yet",
            cause=causes.APP_MISSING,
        )
    if not isinstance(app, FastAPI):
        raise CheckFailed(
            expected=f"`{attribute}` in `{name}` to be a FastAPI application",
            seen=f"a {type(app).__name__}",
            cause=causes.APP_MISSING,
        )
    return app
