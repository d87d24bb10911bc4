"""Quiz blocks: every page's quiz has the guide's shape; the renderer reads without JavaScript."""

from __future__ import annotations

import re

import pytest
from conftest import COURSE, ROOT, phase_params

from course_site.quiz import QuizError, parse, render
from grader.catalogue import Phase

FENCE = re.compile(r"^```quiz\n(.*?)^```", re.DOTALL | re.MULTILINE)


def quiz_blocks(phase: Phase) -> list[str]:
    assert phase.page is not None
    return FENCE.findall((ROOT / "docs" / phase.page).read_text())


@pytest.mark.parametrize("phase", phase_params())
def test_each_phase_ends_in_one_quiz_with_enough_questions(phase: Phase) -> None:
    blocks = quiz_blocks(phase)
    assert len(blocks) == 1
    questions = parse(blocks[0])
    assert len(questions) >= (5 if phase.number == 1 else 6)
    for question in questions:
        assert len(question.explain.split()) >= 8, f"explain more: {question.q}"
        assert len(set(question.choices)) == len(question.choices)


@pytest.mark.parametrize("phase", phase_params())
def test_answers_are_not_always_in_the_same_place(phase: Phase) -> None:
    # A quiz whose answers all share one position can be passed without reading it.
    answers = {q.answer for q in parse(quiz_blocks(phase)[0])}
    if phase.number > 1:
        assert len(answers) > 1


GOOD = '[{"q": "Pick `b`", "choices": ["a", "b"], "answer": 1, "explain": "B is **it**."}]'


def test_render_gives_accessible_html_that_reads_without_javascript() -> None:
    html = render(GOOD)
    assert html.count("<fieldset") == 1 and "<legend>" in html
    assert html.count('type="radio"') == 2
    assert "<details" in html and "<code>b</code>" in html and "<strong>it</strong>" in html
    # The buttons need JavaScript, so they stay hidden until quiz.js shows them.
    assert html.count("hidden>") == 2


def test_yaml_is_accepted_too() -> None:
    assert (
        parse("- q: Which?\n  choices: [x, y]\n  answer: 0\n  explain: Because x.\n")[0].q
        == "Which?"
    )


def test_text_is_escaped() -> None:
    html = render('[{"q": "<script>", "choices": ["<b>", "c"], "answer": 0, "explain": "e & f"}]')
    assert "<script>" not in html and "&lt;script&gt;" in html and "e &amp; f" in html


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("[]", "non-empty"),
        ('[{"q": "x", "choices": ["a", "b"], "answer": 2, "explain": "e"}]', "not one of"),
        ('[{"q": "x", "choices": ["a", "b"], "answer": 0}]', "exactly"),
        ('[{"q": "x", "choices": ["a"], "answer": 0, "explain": "e"}]', "two choices"),
        ('[{"q": "x", "choices": ["a", "b"], "answer": true, "explain": "e"}]', "0-based"),
        ('[{"q": "", "choices": ["a", "b"], "answer": 0, "explain": "e"}]', "need text"),
        ("[{", "neither JSON nor YAML"),
    ],
)
def test_malformed_quizzes_are_refused_with_a_reason(source: str, problem: str) -> None:
    with pytest.raises(QuizError, match=problem):
        parse(source)


def test_every_ready_phase_is_covered() -> None:
    assert COURSE.ready_phases
