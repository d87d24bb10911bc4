"""The autograder zip an instructor uploads to Gradescope, for one phase.

    grade gradescope-bundle phase-3 -o autograder.zip
    grade gradescope-bundle phase-3 -o autograder.zip --extra-checks my-checks \\
        --max-submissions 5 --window 24 --site-url https://course.example.edu/

    # try it on your machine, in a simulated /autograder (the grader of your own venv):
    mkdir -p /tmp/ag/submission /tmp/ag/results && unzip autograder.zip -d /tmp/ag/source
    cp -r exercises/phase-03/bookapi /tmp/ag/submission/
    AUTOGRADER_ROOT=/tmp/ag GRADER_PYTHON=$(which python) bash /tmp/ag/source/run_autograder
    cat /tmp/ag/results/results.json

Build it from the course's source folder (the one with `pyproject.toml` and `course.toml`). The
zip holds:

- `setup.sh`: run once by Gradescope; makes a virtual environment in `/autograder/venv` and
  installs the grader from the wheel in `dist/` (pip fetches only its dependencies);
- `run_autograder`: grades `/autograder/submission` into `/autograder/results/results.json`
  (`AUTOGRADER_ROOT` moves that layout, `GRADER_PYTHON` picks the Python with the grader);
- `settings.json`: the phase, the submission limit and the lessons' address;
- `course/course.toml`: the catalogue (the checks' names, hints and links);
- `extra/`: the instructor's own checks, if any (`checks.toml` and the phase's folder);
- `README.md`: the same, for whoever opens the zip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import CATALOGUE_FILE, Course, Phase
from grader.errors import UsageProblem
from grader.extra import EXTRA_FILE, ExtraSuite
from grader.gradescope.autograder import SETTINGS

# Seconds pip may take to build the grader's wheel.
WHEEL_TIMEOUT = 600

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image. It assumes
# Gradescope's Ubuntu base image with python3 3.11 or newer (Ubuntu 24.04 has 3.12): choose that
# base image in the assignment's autograder settings.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv
fi
"$PYTHON" - <<'CHECK'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"The grader needs Python 3.11 or newer; this image has {sys.version.split()[0]}.")
CHECK
"$PYTHON" -m venv "$ROOT/venv"
# The grader comes from this zip (dist/*.whl); pip fetches only its dependencies.
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$SOURCE"/dist/*.whl
"$ROOT/venv/bin/python" -c "import grader.gradescope.autograder"
echo "The grader is installed in $ROOT/venv."
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades $ROOT/submission into
# $ROOT/results/results.json, and always leaves a valid file there.
#   AUTOGRADER_ROOT  the /autograder layout (source/, submission/, results/), moved for a local run
#   GRADER_PYTHON    the Python that has the grader (default: the one setup.sh installed)
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
RESULTS="$ROOT/results/results.json"
export AUTOGRADER_ROOT="$ROOT"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT" || exit 0
"$PYTHON" -m grader.gradescope.autograder </dev/null || true
if [ ! -s "$RESULTS" ]; then
    cat >"$RESULTS" <<'JSON'
{
    "score": 0.0,
    "output": "The autograder could not start: this is not a problem in your code.",
    "output_format": "md",
    "stdout_visibility": "hidden",
    "extra_data": {"graded": false, "error": true},
    "tests": []
}
JSON
fi
exit 0
"""

README = """# Autograder for {title} (Phase {number})

Upload this zip as the autograder of a Gradescope programming assignment. Choose Gradescope's
**Ubuntu 24.04** base image (any Ubuntu image with `python3` 3.11 or newer works; `setup.sh`
installs `python3-venv` with apt when it is missing). Give the assignment **{total} points**:
one per check.

Learners submit either their `bookapi/` folder or their whole exercise folder
(`{exercise}/`).

- `setup.sh` installs the grader from `dist/` into `/autograder/venv` (pip downloads only its
  dependencies).
- `run_autograder` grades `/autograder/submission` into `/autograder/results/results.json`.
- `settings.json`: the phase, the submission limit ({limit}), and where the lessons are read
  ({site}).
- `course/course.toml`: the course's catalogue of checks.
{extra}
## Try it on your machine

```bash
mkdir -p /tmp/ag/submission /tmp/ag/results && unzip autograder.zip -d /tmp/ag/source
cp -r {exercise}/bookapi /tmp/ag/submission/
AUTOGRADER_ROOT=/tmp/ag GRADER_PYTHON=$(which python) bash /tmp/ag/source/run_autograder
cat /tmp/ag/results/results.json
```

`GRADER_PYTHON` is a Python that has the grader installed (the course's own virtual
environment); without it, `run_autograder` uses the one `setup.sh` made in
`$AUTOGRADER_ROOT/venv`.
"""


@dataclass(frozen=True)
class BundleSettings:
    phase: Phase
    extra: ExtraSuite | None
    max_submissions: int | None
    window_hours: float
    site_url: str


def build_wheel(project: Path, into: Path) -> Path:
    """The grader's wheel, built from the course's source folder by pip."""
    if not (project / "pyproject.toml").is_file():
        raise UsageProblem(
            f"{project} has no pyproject.toml: build the bundle from the course's source folder."
        )
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(into)]
    try:
        built = subprocess.run(
            [*command, str(project)],
            capture_output=True,
            text=True,
            timeout=WHEEL_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise UsageProblem("Building the grader's wheel took too long.") from error
    wheels = sorted(into.glob("*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        tail = "\n".join(built.stderr.strip().splitlines()[-5:])
        raise UsageProblem(f"pip could not build the grader's wheel:\n{tail}")
    return wheels[0]


def _add(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, text)


def _add_file(archive: zipfile.ZipFile, name: str, path: Path) -> None:
    _add_bytes(archive, name, path.read_bytes())


def _add_bytes(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    archive.writestr(info, data)


def _readme(course: Course, settings: BundleSettings) -> str:
    phase = settings.phase
    extra = settings.extra
    total = len(phase.check_keys) + (len(extra.checks) if extra else 0)
    limit = (
        f"at most {settings.max_submissions} graded per {settings.window_hours:g} hours"
        if settings.max_submissions
        else "none"
    )
    held = (
        f"- `extra/`: {len(extra.checks)} checks of your own, held from learners as "
        "`checks.toml` says.\n"
        if extra
        else ""
    )
    return README.format(
        title=course.title,
        number=phase.number,
        total=total,
        exercise=phase.exercise,
        limit=limit,
        site=settings.site_url,
        extra=held,
    )


def build(
    course: Course, settings: BundleSettings, output: Path, wheel: Path | None = None
) -> Path:
    """Write the bundle to `output` (replaced whole once it is complete)."""
    phase = settings.phase
    output = output.expanduser().resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradescope-bundle-") as scratch:
        wheel = wheel or build_wheel(course.root, Path(scratch) / "dist")
        partial = Path(scratch) / "autograder.zip"
        data = {
            "phase": phase.number,
            "max_submissions": settings.max_submissions,
            "window_hours": settings.window_hours,
            "site_url": settings.site_url,
            "extra": settings.extra is not None,
        }
        with zipfile.ZipFile(partial, "w") as archive:
            _add(archive, "setup.sh", SETUP_SH, executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER, executable=True)
            _add(archive, "README.md", _readme(course, settings))
            _add(archive, SETTINGS, json.dumps(data, indent=2) + "\n")
            _add_file(archive, f"course/{CATALOGUE_FILE}", course.root / CATALOGUE_FILE)
            _add_file(archive, f"dist/{wheel.name}", wheel)
            if settings.extra is not None:
                extra = settings.extra
                _add_file(archive, f"extra/{EXTRA_FILE}", extra.root / EXTRA_FILE)
                for path in sorted(extra.folder.rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        name = path.relative_to(extra.root).as_posix()
                        _add_file(archive, f"extra/{name}", path)
        shutil.move(partial, output.with_suffix(".partial"))
        os.replace(output.with_suffix(".partial"), output)
    return output
