"""The learner's progress file, read into the API's models."""

from __future__ import annotations

from urllib.parse import urlsplit

from grader import progress
from grader.catalogue import Course, Phase
from grader.progress import Progress
from grader.render.progress_table import next_line
from grader.serve.models import CourseProgress, FailingCheck, PhaseProgress


def _check_names(phase: Phase) -> dict[str, str]:
    names = {check.id: check.name for check in phase.checks}
    names.update({kept.key: kept.check.name for kept in phase.keeps})
    return names


def site_relative(link: str, course: Course, phase: Phase) -> str:
    """A grader link (`http://127.0.0.1:8008/phases/03-x/#anchor`) as a path from the site's
    root (`phases/03-x/#anchor`), whatever host the grader named when it ran."""
    parts = urlsplit(link)
    path = parts.path.lstrip("/")
    # The grader's links end in the page's own path: keep that part only.
    for known in (p for p in course.phases if p.page_url):
        at = path.find(known.page_url)
        if at != -1:
            path = path[at:]
            break
    else:
        path = phase.page_url
    return path + (f"#{parts.fragment}" if parts.fragment else "")


def _phase(course: Course, saved: Progress, phase: Phase) -> PhaseProgress:
    record = saved.phases.get(phase.key)
    passed, total = saved.score(phase)
    failing: list[FailingCheck] = []
    if record is not None and phase.ready:
        names = _check_names(phase)
        for key in phase.check_keys:
            result = record.checks.get(key)
            if result is not None and not result.passed:
                failing.append(
                    FailingCheck(
                        id=key,
                        name=names[key],
                        link=site_relative(result.docs_url, course, phase)
                        if result.docs_url
                        else phase.page_url,
                    )
                )
    return PhaseProgress(
        number=phase.number,
        key=phase.key,
        title=phase.title,
        page=phase.page_url,
        status=saved.status(phase).value,
        passed=passed if phase.ready else None,
        total=total if phase.ready else None,
        graded_at=record.graded_at if record else None,
        failing=failing,
        command=f"grade {phase.key}",
    )


def course_progress(course: Course) -> CourseProgress:
    """The learner's progress as the grader last wrote it (read afresh on every call)."""
    saved = progress.load(course.root, course)
    return CourseProgress(
        phases=[_phase(course, saved, phase) for phase in course.phases],
        next=next_line(course, saved),
    )
