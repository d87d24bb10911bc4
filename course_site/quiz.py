"""The ```quiz fence: a list of questions rendered at build time into accessible HTML.

A quiz block holds JSON (or YAML). The guide's "Quick check" shape works as it is:

    [{"q": "...", "choices": ["...", "..."], "answer": 1, "explain": "..."}]

Three optional extensions fit an API course:

- several right answers: `"answer": [0, 2]` gives checkboxes; the question is right when
  exactly those choices are ticked;
- predict the response: `{"q", "request", "status", "explain"}`, with an optional `"app"`
  snippet, shows the request as a code block and asks for the status code: typed into a
  three-digit field, or picked from `"choices": [200, 201, 422]` when the question gives them;
- an explanation per choice: `"why": ["...", ""]`, one string per choice ("" for none).

Each question becomes a fieldset. The answer and its explanations sit in a collapsed
<details>, so the quiz still reads without JavaScript; `quiz.js` checks the answers, opens the
explanations, shows the score and remembers the answers in localStorage.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
# A ```quiz fence as the lesson pages write it: opened at the start of a line, closed by ```.
_FENCE = re.compile(r"^```quiz[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
# The first line of a request: a method and a path, e.g. `POST /books?limit=5`.
_REQUEST_LINE = re.compile(r"(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /\S*")

GUIDE_KEYS = {"q", "choices", "answer", "explain"}
CHOICE_KEYS = GUIDE_KEYS | {"why"}
STATUS_KEYS = {"q", "request", "app", "status", "choices", "why", "explain"}

Kind = Literal["one", "many", "status"]


class QuizError(ValueError):
    """A quiz block whose shape is wrong; the message names the question and the problem."""


@dataclass(frozen=True)
class Question:
    """One question. `answer` is a choice's index, or a tuple of them when several are right;
    for a status code the learner types (no choices), it is None and `status` is the answer."""

    q: str
    choices: tuple[str, ...]
    answer: int | tuple[int, ...] | None
    explain: str
    why: tuple[str, ...] | None = None
    request: str | None = None
    app: str | None = None
    status: int | None = None

    @property
    def kind(self) -> Kind:
        if self.status is not None:
            return "status"
        return "many" if isinstance(self.answer, tuple) else "one"

    @property
    def right_choices(self) -> tuple[int, ...]:
        """The indexes of the right choices (none for a typed status code)."""
        if self.answer is None:
            return ()
        return self.answer if isinstance(self.answer, tuple) else (self.answer,)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(where: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuizError(f"{where}: {name} needs text")
    return value


def _why(where: str, item: dict[str, Any], choices: int) -> tuple[str, ...] | None:
    if "why" not in item:
        return None
    why = item["why"]
    if not isinstance(why, list) or not all(isinstance(text, str) for text in why):
        raise QuizError(f'{where}: "why" is a list of strings, one per choice ("" for none)')
    if len(why) != choices:
        raise QuizError(f'{where}: "why" has {len(why)} texts for {choices} choices')
    if not any(text.strip() for text in why):
        raise QuizError(f'{where}: "why" has no text at all; leave it out instead')
    return tuple(why)


def _answer(where: str, answer: object, choices: int) -> int | tuple[int, ...]:
    if isinstance(answer, list):
        if not answer or not all(_is_int(index) for index in answer):
            raise QuizError(f"{where}: answer must be a 0-based index or a list of them")
        if len(set(answer)) != len(answer):
            raise QuizError(f"{where}: answer lists a choice twice")
        for index in answer:
            if not 0 <= index < choices:
                raise QuizError(f"{where}: answer {index} is not one of its choices")
        return tuple(sorted(answer))
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise QuizError(f"{where}: answer must be a 0-based index or a list of them")
    if not 0 <= answer < choices:
        raise QuizError(f"{where}: answer {answer} is not one of its choices")
    return answer


def _status(where: str, value: object, name: str = "status") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise QuizError(f"{where}: {name} must be an HTTP status code, a whole number 100-599")
    return value


def _choice_question(where: str, item: dict[str, Any]) -> Question:
    shape = "a question has exactly q, choices, answer, explain (and may have why)"
    unknown = sorted(set(item) - CHOICE_KEYS)
    if unknown:
        raise QuizError(f"{where}: unknown keys {unknown}; {shape}")
    missing = sorted(GUIDE_KEYS - set(item))
    if missing:
        raise QuizError(f"{where}: missing {missing}; {shape}")
    choices = item["choices"]
    if not isinstance(choices, list) or len(choices) < 2:
        raise QuizError(f"{where} needs at least two choices")
    answer = _answer(where, item["answer"], len(choices))
    texts = [item["q"], item["explain"], *choices]
    if not all(isinstance(text, str) and text.strip() for text in texts):
        raise QuizError(f"{where}: question, choices and explanation need text")
    if len(set(choices)) != len(choices):
        raise QuizError(f"{where}: two choices have the same text")
    why = _why(where, item, len(choices))
    return Question(item["q"], tuple(choices), answer, item["explain"], why)


def _status_question(where: str, item: dict[str, Any]) -> Question:
    unknown = set(item) - STATUS_KEYS
    if unknown:
        raise QuizError(
            f"{where}: unknown keys {sorted(unknown)} for a status question "
            "(q, request, status, explain; optional app, choices, why)"
        )
    missing = {"q", "request", "status", "explain"} - set(item)
    if missing:
        raise QuizError(f"{where}: a status question needs {sorted(missing)}")
    q = _text(where, "the question", item["q"])
    explain = _text(where, "the explanation", item["explain"])
    request = _text(where, "the request", item["request"]).strip("\n")
    if not _REQUEST_LINE.fullmatch(request.splitlines()[0].strip()):
        raise QuizError(f'{where}: the request must start with a method and a path, "GET /books"')
    app = _text(where, "the app snippet", item["app"]).strip("\n") if "app" in item else None
    status = _status(where, item["status"])
    if "choices" not in item:
        if "why" in item:
            raise QuizError(f'{where}: "why" needs choices to explain')
        return Question(q, (), None, explain, None, request, app, status)
    codes = item["choices"]
    if not isinstance(codes, list) or len(codes) < 2:
        raise QuizError(f"{where} needs at least two choices (or none, for a typed answer)")
    for code in codes:
        _status(where, code, "each choice")
    if len(set(codes)) != len(codes):
        raise QuizError(f"{where}: a status code is offered twice")
    if status not in codes:
        raise QuizError(f"{where}: status {status} is not one of its choices")
    why = _why(where, item, len(codes))
    choices = tuple(str(code) for code in codes)
    return Question(q, choices, codes.index(status), explain, why, request, app, status)


def parse(source: str) -> list[Question]:
    """Read and check a quiz block; raise QuizError naming the question and what is wrong."""
    try:
        data: Any = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise QuizError(f"the quiz is neither JSON nor YAML: {error}") from error
    if not isinstance(data, list) or not data:
        raise QuizError("a quiz is a non-empty list of questions")
    questions = []
    for number, item in enumerate(data, start=1):
        where = f"question {number}"
        if isinstance(item, dict) and isinstance(item.get("q"), str):
            where = f"question {number} ({item['q'][:40].strip()!r})"
        if not isinstance(item, dict):
            raise QuizError(f"{where} must be a mapping: q, choices, answer, explain")
        if "request" in item or "status" in item:
            questions.append(_status_question(where, item))
        else:
            questions.append(_choice_question(where, item))
    return questions


def page_quiz(markdown: str) -> list[Question]:
    """The questions of a lesson page's ```quiz fences, in order, read by `parse` as the site
    reads them (for exports such as `grade quizzes`)."""
    blocks = _FENCE.findall(markdown)
    if not blocks:
        raise QuizError("the page has no ```quiz block")
    return [question for block in blocks for question in parse(block)]


def inline(text: str) -> str:
    """Escape text, keeping `code` and **bold** from inline Markdown."""
    escaped = html.escape(text.strip(), quote=False)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _STRONG.sub(r"<strong>\1</strong>", escaped)


def _code(label: str, code: str, python: bool) -> str:
    body = (
        highlight(code, PythonLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")
        if python
        else html.escape(code, quote=False)
    )
    return (
        f'<p class="quiz-code-label">{label}</p>\n'
        f'<div class="highlight"><pre><code>{body}</code></pre></div>'
    )


def _why_list(question: Question) -> str:
    """Every choice's why, marked right or wrong in words, for the Answer details."""
    if question.why is None:
        return ""
    items = []
    for index, (choice, why) in enumerate(zip(question.choices, question.why, strict=True)):
        right = index in question.right_choices
        mark = "Right" if right else "Wrong"
        text = f": {inline(why)}" if why.strip() else ""
        items.append(
            f'<li class="quiz-why quiz-why-{mark.lower()}" data-choice="{index}">'
            f'<span class="quiz-mark">{mark}</span> <span class="quiz-why-choice">'
            f"{inline(choice)}</span>{text}</li>"
        )
    return '\n<ul class="quiz-whys">\n' + "\n".join(items) + "\n</ul>"


def _question(quiz_id: str, number: int, question: Question) -> str:
    name = f"{quiz_id}-q{number}"
    kind = question.kind
    hint = ' <span class="quiz-hint">(choose all that apply)</span>' if kind == "many" else ""
    legend = (
        f'<legend><span class="quiz-number">{number}.</span> {inline(question.q)}{hint}</legend>'
    )
    if kind == "status" and not question.choices:
        field = f"{name}-status"
        inputs = (
            f'<p class="quiz-typed"><label for="{field}">Status code</label> '
            f'<input type="text" id="{field}" name="{name}" inputmode="numeric" '
            f'pattern="[1-5][0-9]{{2}}" maxlength="3" size="3" autocomplete="off" '
            f'spellcheck="false"></p>'
        )
    else:
        kind_of_input = "checkbox" if kind == "many" else "radio"
        inputs = "\n".join(
            f'<label class="quiz-choice"><input type="{kind_of_input}" name="{name}" '
            f'value="{i}"> <span>{inline(choice)}</span></label>'
            for i, choice in enumerate(question.choices)
        )
    if kind == "status":
        assert question.request is not None and question.status is not None
        snippets = ""
        if question.app is not None:
            snippets += _code("The app", question.app, python=True) + "\n"
        snippets += _code("The request", question.request, python=False) + "\n"
        inputs = snippets + inputs
        answer = str(question.status) if not question.choices else str(question.answer)
        right = f"<code>{question.status}</code>"
    else:
        answer = " ".join(str(i) for i in question.right_choices)
        right = " · ".join(inline(question.choices[i]) for i in question.right_choices)
    data_kind = "" if kind == "one" else f' data-kind="{kind}"'
    return f"""<fieldset class="quiz-question" data-answer="{answer}"{data_kind}>
{legend}
{inputs}
<p class="quiz-feedback" aria-live="polite"></p>
<details class="quiz-explain"><summary>Answer</summary>
<p><strong>{right}</strong> — {inline(question.explain)}</p>{_why_list(question)}</details>
</fieldset>"""


def render(source: str) -> str:
    questions = parse(source)
    quiz_id = "quiz-" + hashlib.sha256(source.encode()).hexdigest()[:10]
    body = "\n".join(_question(quiz_id, n, q) for n, q in enumerate(questions, start=1))
    return f"""<form class="quiz" id="{quiz_id}" data-quiz="{quiz_id}" novalidate>
{body}
<div class="quiz-actions">
<button type="button" class="md-button md-button--primary quiz-check" hidden>
Check my answers</button>
<button type="button" class="md-button quiz-reset" hidden>Start again</button>
<p class="quiz-score" aria-live="polite"></p>
</div>
</form>"""


def fence_format(
    source: str, language: str, class_name: str, options: dict[str, Any], md: Any, **kwargs: Any
) -> str:
    """The pymdownx.superfences custom-fence formatter for ```quiz blocks."""
    return render(source)
