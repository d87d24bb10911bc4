"""Quiz blocks: every page's quiz parses; each kind of question renders accessible HTML that reads
without JavaScript; a guide-shaped quiz renders exactly as it always did."""

from __future__ import annotations

import json
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
    answers = {q.answer for q in parse(quiz_blocks(phase)[0]) if q.kind == "one"}
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


# The HTML a guide-shaped quiz rendered to before the extensions, byte for byte.
GOOD_HTML = """<form class="quiz" id="quiz-32c802da93" data-quiz="quiz-32c802da93" novalidate>
<fieldset class="quiz-question" data-answer="1">
<legend><span class="quiz-number">1.</span> Pick <code>b</code></legend>
<label class="quiz-choice"><input type="radio" name="quiz-32c802da93-q1" value="0"> <span>a</span></label>
<label class="quiz-choice"><input type="radio" name="quiz-32c802da93-q1" value="1"> <span>b</span></label>
<p class="quiz-feedback" aria-live="polite"></p>
<details class="quiz-explain"><summary>Answer</summary>
<p><strong>b</strong> — B is <strong>it</strong>.</p></details>
</fieldset>
<div class="quiz-actions">
<button type="button" class="md-button md-button--primary quiz-check" hidden>
Check my answers</button>
<button type="button" class="md-button quiz-reset" hidden>Start again</button>
<p class="quiz-score" aria-live="polite"></p>
</div>
</form>"""  # noqa: E501


def test_a_guide_shaped_quiz_renders_as_it_always_did() -> None:
    assert render(GOOD) == GOOD_HTML
    (question,) = parse(GOOD)
    assert (question.kind, question.answer, question.why, question.status) == ("one", 1, None, None)


MANY = json.dumps(
    [
        {
            "q": "Which are odd?",
            "choices": ["1", "2", "3"],
            "answer": [2, 0],
            "why": ["One is odd.", "", "Three is odd."],
            "explain": "Odd numbers leave one over.",
        }
    ]
)


def test_several_right_answers_render_checkboxes_and_say_choose_all() -> None:
    (question,) = parse(MANY)
    assert question.kind == "many" and question.answer == (0, 2)
    html = render(MANY)
    assert html.count('type="checkbox"') == 3 and 'type="radio"' not in html
    assert 'data-answer="0 2" data-kind="many"' in html
    legend = re.search(r"<legend>(.*?)</legend>", html)
    assert legend and "choose all that apply" in legend.group(1)
    # The details name both right choices.
    assert "<strong>1 · 3</strong>" in html


def test_whys_are_listed_in_the_details_marked_in_words() -> None:
    html = render(MANY)
    details = html[html.index("<details") : html.index("</details>")]
    items = re.findall(
        r'<li class="quiz-why quiz-why-(\w+)" data-choice="(\d)">(.*?)</li>', details
    )
    assert [(kind, index) for kind, index, _ in items] == [
        ("right", "0"),
        ("wrong", "1"),
        ("right", "2"),
    ]
    assert '<span class="quiz-mark">Right</span>' in items[0][2] and "One is odd." in items[0][2]
    # An empty why lists the choice without a text.
    assert items[1][2].endswith('<span class="quiz-why-choice">2</span>')


TYPED = json.dumps(
    [
        {
            "q": "What does it answer?",
            "app": '@app.post("/books", status_code=201)\ndef create() -> None: ...',
            "request": 'POST /books\nContent-Type: application/json\n\n{"title": "<Dune>"}',
            "status": 201,
            "explain": "The decorator says 201, and the route returns normally.",
        }
    ]
)


def test_a_typed_status_question_shows_the_request_and_a_labelled_number_field() -> None:
    (question,) = parse(TYPED)
    assert question.kind == "status" and question.status == 201 and question.answer is None
    assert question.choices == ()
    html = render(TYPED)
    assert 'data-answer="201" data-kind="status"' in html
    field = re.search(r'<label for="([^"]+)">Status code</label> <input ([^>]*)>', html)
    assert field, html
    assert f'id="{field.group(1)}"' in field.group(2)
    for attribute in ('type="text"', 'inputmode="numeric"', 'maxlength="3"', "[1-5][0-9]{2}"):
        assert attribute in field.group(2)
    # The request is a code block, escaped; the app snippet is highlighted Python.
    assert "<pre><code>POST /books\nContent-Type: application/json\n\n{&quot;" not in html
    assert '{"title": "&lt;Dune&gt;"}</code></pre>' in html
    assert html.count("<pre><code>") == 2 and '<span class="nd">@app' in html
    assert "<strong><code>201</code></strong>" in html
    assert 'type="radio"' not in html


CHOSEN = json.dumps(
    [
        {
            "q": "What does it answer?",
            "request": "GET /books/abc",
            "status": 422,
            "choices": [404, 422, 500],
            "why": ["Not a missing book: the id is not a number.", "", "Nothing crashed."],
            "explain": "The path parameter is an int, so abc fails validation.",
        }
    ]
)


def test_a_chosen_status_question_renders_radio_buttons_of_codes() -> None:
    (question,) = parse(CHOSEN)
    assert question.kind == "status" and question.choices == ("404", "422", "500")
    assert question.answer == 1 and question.status == 422 and question.app is None
    html = render(CHOSEN)
    assert html.count('type="radio"') == 3 and 'data-answer="1" data-kind="status"' in html
    assert "The app" not in html and "<pre><code>GET /books/abc</code></pre>" in html
    assert 'data-choice="0"' in html and "Not a missing book" in html


def test_yaml_may_write_the_extensions_too() -> None:
    source = "- q: Which?\n  request: GET /\n  status: 200\n  explain: The root answers ok.\n"
    assert parse(source)[0].status == 200


def _one(**changes: object) -> str:
    question: dict[str, object] = {
        "q": "x",
        "choices": ["a", "b", "c"],
        "answer": 0,
        "explain": "e",
    }
    question.update(changes)
    return json.dumps([{k: v for k, v in question.items() if v is not None}])


def _status(**changes: object) -> str:
    question: dict[str, object] = {"q": "x", "request": "GET /books", "status": 200, "explain": "e"}
    question.update(changes)
    return json.dumps([{k: v for k, v in question.items() if v is not None}])


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (_one(hint="h"), r"unknown keys \['hint'\]"),
        (_one(answer=[0, 3]), "answer 3 is not one of"),
        (_one(answer=[]), "list of them"),
        (_one(answer=[0, 0]), "lists a choice twice"),
        (_one(answer=[0, "1"]), "list of them"),
        (_one(answer="0"), "0-based index"),
        (_one(choices=["a", "a", "b"]), "same text"),
        (_one(why=["w", "w"]), "2 texts for 3 choices"),
        (_one(why="because"), "list of strings"),
        (_one(why=["", " ", ""]), "no text at all"),
        (_one(why=["w", 1, "w"]), "list of strings"),
        (_status(status=99), "100-599"),
        (_status(status=600), "100-599"),
        (_status(status="200"), "100-599"),
        (_status(status=True), "100-599"),
        (_status(status=None), r"needs \['status'\]"),
        (_status(request=None), r"needs \['request'\]"),
        (_status(request="fetch the books"), "method and a path"),
        (_status(request=""), "request needs text"),
        (_status(app=3), "app snippet needs text"),
        (_status(answer=0), r"unknown keys \['answer'\]"),
        (_status(choices=[200]), "at least two choices"),
        (_status(choices=[200, 200]), "offered twice"),
        (_status(choices=[201, 204]), "status 200 is not one of"),
        (_status(choices=[200, 700]), "each choice must be an HTTP status code"),
        (_status(why=["w", "w"]), "needs choices"),
        (_status(choices=[200, 404], why=["w"]), "1 texts for 2 choices"),
        (_status(explain=""), "explanation needs text"),
    ],
)
def test_each_extension_is_checked_strictly(source: str, problem: str) -> None:
    with pytest.raises(QuizError, match=problem) as raised:
        parse(source)
    # The message names the question, by number and by its first words.
    assert str(raised.value).startswith("question 1 ('x')")


def test_the_second_question_is_named_when_it_is_the_wrong_one() -> None:
    source = json.dumps([json.loads(GOOD)[0], {"q": "Second one", "request": "GET /", "status": 7}])
    with pytest.raises(QuizError, match=r"^question 2 \('Second one'\)"):
        parse(source)


def test_the_phases_use_every_kind() -> None:
    kinds: dict[str, set[int]] = {}
    for phase in COURSE.ready_phases:
        for question in parse(quiz_blocks(phase)[0]):
            kinds.setdefault(question.kind, set()).add(phase.number)
    # A status question in each of Phases 2-10, "choose all that apply" in at least four.
    assert set(range(2, 11)) <= kinds["status"]
    assert len(kinds["many"]) >= 4


def test_every_ready_phase_is_covered() -> None:
    assert COURSE.ready_phases
