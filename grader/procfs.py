"""What Linux's /proc says about this process (kept import-light: both sides of the grader use
it). Where /proc is missing, the answers are empty."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def own_children() -> frozenset[int]:
    """The process ids of this process' children (of any of its threads)."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return frozenset()
    for task in tasks:
        with contextlib.suppress(OSError):
            text = Path(f"/proc/self/task/{task}/children").read_text()
            found.update(int(pid) for pid in text.split())
    return frozenset(found)
