"""What the course server's progress API answers: the contract the pages' script reads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PhaseState = Literal["done", "partial", "not started", "coming soon"]


class FailingCheck(BaseModel):
    """A check that failed in the learner's last run, with where to read about it."""

    id: str = Field(description="the check's id, as `grade` prints it")
    name: str = Field(description="what the check holds the code to")
    link: str = Field(description="the section to read, relative to the site's root")


class PhaseProgress(BaseModel):
    """One phase as the grader last saw it."""

    number: int
    key: str = Field(description="the phase as `grade` names it: phase-3")
    title: str
    page: str = Field(description="the phase's page, relative to the site's root")
    status: PhaseState
    passed: int | None = Field(description="checks passed in the last run (None: not gradable)")
    total: int | None = Field(description="checks the phase has (None: not gradable)")
    graded_at: str | None = Field(description="when it was last graded, ISO 8601 in UTC")
    failing: list[FailingCheck] = Field(description="the checks that failed last time")
    command: str = Field(description="the command that grades it")


class CourseProgress(BaseModel):
    """Every phase's grader progress, and the next step."""

    phases: list[PhaseProgress]
    next: str = Field(description="what to do next, as `grade` alone says it")
