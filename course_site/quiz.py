"""The ```quiz fence: a list of questions rendered at build time into accessible HTML.

A quiz block holds JSON (or YAML) in the guide's "Quick check" shape:

    [{"q": "...", "choices": ["...", "..."], "answer": 1, "explain": "..."}]

Each question becomes a fieldset of radio buttons. The answer and its explanation sit in a
collapsed <details>, so the quiz still reads without JavaScript; `quiz.js` checks the answers,
opens the explanations, shows the score and remembers the choices in localStorage.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

import yaml

_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")


class QuizError(ValueError):
    """A quiz block that does not have the guide's shape."""


@dataclass(frozen=True)
class Question:
    q: str
    choices: tuple[str, ...]
    answer: int
    explain: str


def parse(source: str) -> list[Question]:
    """Read and check a quiz block; raise QuizError naming what is wrong."""
    try:
        data: Any = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise QuizError(f"the quiz is neither JSON nor YAML: {error}") from error
    if not isinstance(data, list) or not data:
        raise QuizError("a quiz is a non-empty list of questions")
    questions = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or set(item) != {"q", "choices", "answer", "explain"}:
            raise QuizError(f"question {number} must have exactly q, choices, answer, explain")
        choices = item["choices"]
        if not isinstance(choices, list) or len(choices) < 2:
            raise QuizError(f"question {number} needs at least two choices")
        answer = item["answer"]
        if not isinstance(answer, int) or isinstance(answer, bool):
            raise QuizError(f"question {number}: answer must be a 0-based index")
        if not 0 <= answer < len(choices):
            raise QuizError(f"question {number}: answer {answer} is not one of its choices")
        texts = [item["q"], item["explain"], *choices]
        if not all(isinstance(text, str) and text.strip() for text in texts):
            raise QuizError(f"question {number}: question, choices and explanation need text")
        questions.append(Question(item["q"], tuple(choices), answer, item["explain"]))
    return questions


def inline(text: str) -> str:
    """Escape text, keeping `code` and **bold** from inline Markdown."""
    escaped = html.escape(text.strip(), quote=False)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _STRONG.sub(r"<strong>\1</strong>", escaped)


def _question(quiz_id: str, number: int, question: Question) -> str:
    name = f"{quiz_id}-q{number}"
    choices = "\n".join(
        f'<label class="quiz-choice"><input type="radio" name="{name}" value="{i}"> '
        f"<span>{inline(choice)}</span></label>"
        for i, choice in enumerate(question.choices)
    )
    right = inline(question.choices[question.answer])
    return f"""<fieldset class="quiz-question" data-answer="{question.answer}">
<legend><span class="quiz-number">{number}.</span> {inline(question.q)}</legend>
{choices}
<p class="quiz-feedback" aria-live="polite"></p>
<details class="quiz-explain"><summary>Answer</summary>
<p><strong>{right}</strong> — {inline(question.explain)}</p></details>
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
