"""What `grade batch` remembers between runs: a submission's row, under a key made of what it
was graded from.

The key is a SHA-256 over the submission's files (sorted relative paths and contents, without
what grading never copies: caches, virtual environments, see `sandbox._SKIPPED`), and over the
grading's settings: the phase, the grader's own files (hidden suites, kit, plugin, runner), the
catalogue, the versions of the libraries the checks run on, and the options that change a
result (seconds per check, memory limit, network namespace). A submission that changed, or a
grader that did, is graded again.

A row that timed out is reused only while the wall limit is no larger than the one it ran out
of. Entries are files under `<gradebook folder>/.cache/phase-NN/`, written atomically.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import stat
from importlib import metadata
from pathlib import Path
from typing import Any

from grader.atomic import write_text
from grader.gradebook import Row, Status
from grader.sandbox import _SKIPPED, COPY_LIMIT_MIB

GRADER = Path(__file__).resolve().parent
CACHE_FOLDER = ".cache"
# Libraries whose release can change what a check sees.
_LIBRARIES = ("fastapi", "starlette", "pydantic", "pytest", "httpx", "httpx2", "sqlmodel")


def _files(folder: Path) -> list[tuple[str, Path]]:
    """Every file (or symbolic link) grading would copy, as (relative posix path, path)."""
    ignore = shutil.ignore_patterns(*_SKIPPED)
    found = []
    for current, dirs, names in os.walk(folder):
        skipped = ignore(current, [*dirs, *names])
        kept_dirs = []
        for name in sorted(dirs):
            if name in skipped:
                continue
            if os.path.islink(os.path.join(current, name)):
                names.append(name)  # a link to a folder is copied as a link
            else:
                kept_dirs.append(name)
        dirs[:] = kept_dirs
        for name in names:
            if name not in skipped:
                path = Path(current, name)
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def submission_digest(folder: Path) -> str:
    """SHA-256 over a submission's files. A folder too large to grade (see
    `sandbox.copy_submission`) is hashed by its files' sizes and times, not read through."""
    files = _files(folder)
    sizes = []
    for _, path in files:
        with contextlib.suppress(OSError):
            sizes.append(path.lstat().st_size)
    read_through = sum(sizes) <= COPY_LIMIT_MIB * 1024 * 1024
    digest = hashlib.sha256()
    for relative, path in files:
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        try:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                digest.update(b"link\0" + os.readlink(path).encode("utf-8", "surrogateescape"))
            elif not stat.S_ISREG(mode):
                # A named pipe or a device would block (or never end) if read: its kind is enough.
                digest.update(f"special\0{stat.S_IFMT(mode)}".encode())
            elif read_through:
                with path.open("rb") as stream:
                    digest.update(b"file\0" + hashlib.file_digest(stream, "sha256").digest())
            else:
                info = path.lstat()
                digest.update(f"meta\0{info.st_size}\0{info.st_mtime_ns}".encode())
        except OSError as error:
            digest.update(f"unreadable\0{error.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


@functools.cache
def _grader_digest(catalogue: Path) -> str:
    digest = hashlib.sha256()
    tracked = sorted(
        path
        for path in GRADER.rglob("*")
        if path.is_file() and path.suffix in (".py", ".ini") and "__pycache__" not in path.parts
    )
    for path in [*tracked, catalogue]:
        digest.update(str(path.relative_to(path.anchor)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} absent\0".encode())
    return digest.hexdigest()


def settings_digest(catalogue: Path, phase: str, options: dict[str, Any]) -> str:
    """What, besides the submission, decides its results."""
    data = {"grader": _grader_digest(catalogue), "phase": phase, "options": options}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def key(learner: str, submission: str, settings: str) -> str:
    """A learner's entry: two learners who hand in the same files keep rows of their own (each
    with its own duration)."""
    return hashlib.sha256(f"{learner}\0{submission}\0{settings}".encode()).hexdigest()


class Cache:
    """Rows by key, one file each, in `<gradebook folder>/.cache/phase-NN/`."""

    def __init__(self, output: Path, phase_number: int) -> None:
        self.folder = output / CACHE_FOLDER / f"phase-{phase_number:02d}"

    def get(self, entry: str, learner: str, limit: float) -> Row | None:
        """The row graded under `entry`, for `learner`; None if there is none, it cannot be
        read, or it timed out under a limit smaller than `limit`."""
        try:
            data = json.loads((self.folder / f"{entry}.json").read_text(encoding="utf-8"))
            row = Row.model_validate({**data["row"], "learner": learner})
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if row.status is Status.TIMED_OUT and limit > float(data.get("limit", 0)):
            return None
        return row

    def put(self, entry: str, row: Row, limit: float) -> None:
        data = {"limit": limit, "row": row.model_dump(mode="json", exclude={"learner"})}
        with contextlib.suppress(OSError):
            write_text(self.folder / f"{entry}.json", json.dumps(data, indent=1))
