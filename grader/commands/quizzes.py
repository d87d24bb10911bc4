"""`grade quizzes`: every phase's quick check as a file an LMS imports (QTI 1.2 for now)."""

from __future__ import annotations

from pathlib import Path

from grader.commands import common
from grader.errors import EXIT_PASSED, UsageProblem

# Where each format is written unless --output says otherwise.
DEFAULT_OUTPUT = {"qti": Path("quizzes-qti.zip")}


def run(quiz_format: str, output: Path | None) -> int:
    from grader import qti

    course = common.course()
    target = (output or DEFAULT_OUTPUT[quiz_format]).expanduser()
    if target.is_dir():
        raise UsageProblem(
            f"{target} is a folder: name the file to write, e.g. {target}/quizzes.zip"
        )
    if not target.parent.is_dir():
        raise UsageProblem(f"There is no folder {target.parent} to write {target.name} into.")
    try:
        tests = qti.write(course, target)
    except qti.ExportError as error:
        raise UsageProblem(f"The quizzes cannot be exported: {error}") from error
    except OSError as error:
        raise UsageProblem(f"Cannot write {target}: {error.strerror}") from error
    questions = sum(len(test.questions) for test in tests)
    print(f"Wrote {target}: {len(tests)} quick checks, {questions} questions, one point each.")
    print("Canvas: Settings > Import Course Content > Content Type: QTI .zip file.")
    return EXIT_PASSED
