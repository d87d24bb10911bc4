"""The untouched exercise stubs, kept inside the grader so `grade reset` can put one back.

Each ready phase's `exercises/phase-NN/` is stored as `grader/stubs/phase-NN.zip`, written the
same way every time (sorted names, fixed dates), so an unchanged stub gives an unchanged file.
The project's tests check that every archive matches its exercise folder; after changing a stub,
course authors refresh the archives with:

    python -m grader.stubs
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from pathlib import Path

from grader.catalogue import Course, Phase, find_course_root, load_course

ARCHIVES = Path(__file__).parent / "stubs"
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".venv"}
_FIXED_DATE = (2026, 1, 1, 0, 0, 0)


def archive_of(phase: Phase) -> Path:
    assert phase.exercise is not None
    return ARCHIVES / f"{Path(phase.exercise).name}.zip"


def files_in(folder: Path) -> dict[str, bytes]:
    """The stub-worthy files of `folder`, by relative POSIX path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _SKIPPED_PARTS & set(relative.parts) and path.suffix != ".pyc":
            found[relative.as_posix()] = path.read_bytes()
    return found


def stored(phase: Phase) -> dict[str, bytes]:
    """The files of the phase's stub, as shipped."""
    with zipfile.ZipFile(archive_of(phase)) as archive:
        return {name: archive.read(name) for name in sorted(archive.namelist())}


def write(course: Course, phase: Phase) -> Path:
    assert phase.exercise is not None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files_in(course.root / phase.exercise).items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    path = archive_of(phase)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def restore(phase: Phase, destination: Path) -> None:
    """Write the stub's files into the (new, empty) folder `destination`."""
    destination.mkdir(parents=True)
    try:
        for name, data in stored(phase).items():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise


def main() -> int:
    root = find_course_root(Path.cwd())
    if root is None:
        print("Run this in the course folder.", file=sys.stderr)
        return 2
    course = load_course(root)
    for phase in course.ready_phases:
        print(f"wrote {write(course, phase).relative_to(root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
