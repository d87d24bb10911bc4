"""Where the Book API is in a Gradescope submission (`/autograder/submission`).

Learners submit either the `bookapi/` package (uploaded as a folder, or its files one by one)
or the whole exercise folder (uploaded, zipped, or from a repository that holds the course):
each is accepted, and the folder to grade is the one that holds `bookapi/`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.catalogue import PACKAGE, Phase
from grader.errors import UsageProblem

# How deep to look for `bookapi/` (a repository: `exercises/phase-03/bookapi`), and what to skip.
DEPTH = 4
_SKIPPED = {".git", "__MACOSX", "__pycache__", ".venv", "venv", "node_modules", "site-packages"}


def _holders(folder: Path, depth: int) -> list[Path]:
    """Folders at most `depth` levels down that hold a `bookapi/` package folder."""
    if (folder / PACKAGE).is_dir():
        return [folder]
    if depth == 0:
        return []
    found: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.is_symlink() and child.name not in _SKIPPED:
            found += _holders(child, depth - 1)
    return found


def locate(submission: Path, phase: Phase, scratch: Path) -> Path:
    """The folder to grade: the one in `submission` that holds `bookapi/`, or, when the
    package's own files were uploaded loose, a folder in `scratch` that puts them in one."""
    if not submission.is_dir():
        raise UsageProblem(f"There is no submission folder at {submission}.")
    if (submission / PACKAGE).is_dir():
        return submission
    if (submission / "main.py").is_file():
        # The package's files themselves (main.py, models.py, ...): put them in `bookapi/`.
        folder = scratch / "submission"
        shutil.copytree(submission, folder / PACKAGE, symlinks=True)
        return folder
    holders = _holders(submission, DEPTH)
    if len(holders) > 1 and phase.exercise:
        holders = [h for h in holders if h.as_posix().endswith(phase.exercise)] or holders
    if len(holders) == 1:
        return holders[0]
    expected = (
        f"Submit the `{PACKAGE}/` folder of your exercise, or the whole exercise folder "
        f"(`{phase.exercise}/`, the one that holds `{PACKAGE}/`)."
    )
    if not holders:
        raise UsageProblem(f"Your submission holds no `{PACKAGE}/` folder. {expected}")
    names = ", ".join(str(h.relative_to(submission)) or "." for h in holders)
    raise UsageProblem(f"Your submission holds several `{PACKAGE}/` folders ({names}). {expected}")
