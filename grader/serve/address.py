"""Where `grade serve` is serving, for the grader's links to point at while it runs.

The file holds the server's address and process id; a file whose process is gone is ignored, so
a server killed without cleaning up never sends links to a dead address.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

ADDRESS_FILE = ".grade-serve.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def served_url(root: Path) -> str | None:
    """The address of a `grade serve` running for the course in `root`, if one is."""
    try:
        data = json.loads((root / ADDRESS_FILE).read_text(encoding="utf-8"))
        url, pid = data["url"], data["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    return url


@contextlib.contextmanager
def announced(root: Path, url: str) -> Iterator[None]:
    """Record `url` as the served address for as long as the block runs."""
    path = root / ADDRESS_FILE
    temporary = path.with_name(path.name + f".{os.getpid()}")
    try:
        temporary.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        yield  # a read-only course folder: the links keep the catalogue's address
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if served_url(root) == url:
                path.unlink()
