"""Import the learner's Book API fresh for each check; turn import trouble into kind failures."""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn
from unittest import mock

from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
from starlette.exceptions import StarletteDeprecationWarning

from grader.catalogue import PACKAGE
from grader.kit.failures import CheckFailed, CheckTimedOut

DEPRECATIONS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    FastAPIDeprecationWarning,
    StarletteDeprecationWarning,
)
MAIN = f"{PACKAGE}.main"

_target: Path | None = None
# Once importing the learner's code has hung, every later check would hang the same way:
# remember it and fail those checks at once.
_import_hung: CheckFailed | None = None


class ServerStarted(BaseException):
    """The learner's module tried to start a server while being imported."""


def configure(target: Path) -> None:
    """Called once by the grader's pytest plugin with the folder being graded."""
    global _target
    _target = target.resolve()


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


def _refuse_server(*_args: object, **_kwargs: object) -> NoReturn:
    raise ServerStarted


@contextmanager
def _no_servers() -> Iterator[None]:
    """While importing learner code, any attempt to start uvicorn raises ServerStarted."""
    import uvicorn

    async def refuse_serve(*_args: object, **_kwargs: object) -> NoReturn:
        raise ServerStarted

    with (
        mock.patch.object(uvicorn, "run", _refuse_server),
        mock.patch.object(uvicorn.Server, "run", _refuse_server),
        mock.patch.object(uvicorn.Server, "serve", refuse_serve),
    ):
        yield


def _forget_learner_modules() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def load_module(name: str = MAIN) -> ModuleType:
    """Import `name` from the learner's folder, fresh, with no server allowed to start."""
    global _import_hung
    if _import_hung is not None:
        raise _import_hung
    root = target_path()
    if not (root / PACKAGE).is_dir():
        raise CheckFailed(
            expected=f"a `{PACKAGE}/` package in {root}",
            seen="no such folder: is this the right exercise folder?",
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _forget_learner_modules()
    importlib.invalidate_caches()
    try:
        with _no_servers():
            return importlib.import_module(name)
    except ServerStarted:
        raise CheckFailed(
            expected=f"importing `{name}` to start nothing",
            seen="it starts a server (uvicorn) as soon as it is imported",
        ) from None
    except CheckTimedOut as timeout:
        _import_hung = CheckFailed(
            expected=f"importing `{name}` to finish at once",
            seen=f"the import was still running after {timeout.seconds:g} s "
            "(a loop or a blocking call at module level?)",
            timed_out=True,
        )
        raise _import_hung from None
    except SyntaxError as error:
        where = Path(error.filename or "?")
        shown = where.relative_to(root) if where.is_relative_to(root) else where
        raise CheckFailed(
            expected=f"`{name}` to import",
            seen=f"a syntax error in {shown}, line {error.lineno}: {error.msg}",
        ) from None
    except DEPRECATIONS as warning:
        raise CheckFailed(
            expected="code that uses current APIs only",
            seen=f"a deprecated API{where_in_target(warning.__traceback__)}: {warning}",
        ) from None
    except Exception as error:
        raise CheckFailed(
            expected=f"`{name}` to import",
            seen=f"{type(error).__name__}: {error}{where_in_target(error.__traceback__)}",
        ) from None


def load_app(name: str = MAIN, attribute: str = "app") -> FastAPI:
    """The FastAPI application object `attribute` of the learner's module `name`."""
    module = load_module(name)
    app = getattr(module, attribute, None)
    if app is None:
        raise CheckFailed(
            expected=f"`{attribute} = FastAPI()` in `{name}`",
            seen=f"no `{attribute}` defined there yet",
        )
    if not isinstance(app, FastAPI):
        raise CheckFailed(
            expected=f"`{attribute}` in `{name}` to be a FastAPI application",
            seen=f"a {type(app).__name__}",
        )
    return app
