"""The quiz's extensions in a real browser (chromium): several right answers, status codes typed
or chosen, the why of a choice; with the mouse and with the keyboard alone; what is stored.

Where chromium is missing these tests say so and skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page

# Phase 4's quiz has every kind but a chosen status code; Phase 3's has that one.
PHASE_4 = "phases/04-status-codes-and-errors/"
PHASE_3 = "phases/03-responses-with-pydantic/"


def _questions(page: Page) -> Locator:
    return page.locator("form.quiz fieldset.quiz-question")


def _index_of(page: Page, selector: str) -> int:
    """The position of the first question matching `selector` (a CSS selector on the fieldset)."""
    index = page.evaluate(
        """selector => Array.from(document.querySelectorAll("form.quiz .quiz-question"))
        .findIndex(question => question.matches(selector))""",
        selector,
    )
    assert index >= 0, selector
    return int(index)


def _many(page: Page) -> Locator:
    return _questions(page).nth(_index_of(page, '[data-kind="many"]'))


def _typed(page: Page) -> Locator:
    return _questions(page).nth(_index_of(page, '[data-kind="status"]:has(.quiz-typed)'))


def _chosen_status(page: Page) -> Locator:
    return _questions(page).nth(_index_of(page, '[data-kind="status"]:not(:has(.quiz-typed))'))


def _right(question: Locator) -> list[int]:
    return [int(i) for i in (question.get_attribute("data-answer") or "").split()]


def _stored(page: Page) -> dict[str, Any]:
    raw = page.evaluate(
        """() => { const form = document.querySelector("form.quiz");
        return localStorage.getItem("quiz:" + location.pathname + ":" + form.dataset.quiz); }"""
    )
    assert raw is not None
    state: dict[str, Any] = json.loads(raw)
    return state


def _check(page: Page) -> None:
    page.get_by_role("button", name="Check my answers").click()


def _classes(question: Locator) -> str:
    return question.get_attribute("class") or ""


def test_several_right_answers_right_only_when_exactly_those_are_ticked(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + PHASE_4)
    question = _many(page)
    boxes = question.locator("input[type=checkbox]")
    right = _right(question)
    assert len(right) >= 2
    # All the right ones but one: wrong, and the one left out is marked as missed.
    for index in right[:-1]:
        boxes.nth(index).check()
    _check(page)
    assert "quiz-wrong" in _classes(question)
    missed = question.locator(".quiz-choice").nth(right[-1])
    assert "quiz-missed" in (missed.get_attribute("class") or "")
    # All of them, and one wrong one besides: still wrong.
    boxes.nth(right[-1]).check()
    extra = next(i for i in range(boxes.count()) if i not in right)
    boxes.nth(extra).check()
    _check(page)
    assert "quiz-wrong" in _classes(question)
    assert "quiz-picked-wrong" in (
        question.locator(".quiz-choice").nth(extra).get_attribute("class") or ""
    )
    # Exactly the right ones: right, said in words.
    boxes.nth(extra).uncheck()
    _check(page)
    assert "quiz-right" in _classes(question)
    assert question.locator(".quiz-feedback").inner_text().startswith("Right.")


def test_a_typed_status_code_right_and_wrong(page: Page, base_url: str) -> None:
    page.goto(base_url + PHASE_4)
    question = _typed(page)
    field = question.get_by_label("Status code")
    assert field.get_attribute("inputmode") == "numeric"
    assert question.locator("pre code").last.inner_text().startswith("POST /books")
    answer = question.get_attribute("data-answer") or ""
    field.fill("201")
    _check(page)
    assert answer != "201" and "quiz-wrong" in _classes(question)
    assert question.locator("details").get_attribute("open") is not None
    field.fill(answer)
    _check(page)
    assert "quiz-right" in _classes(question)
    field.fill("2o1")
    _check(page)
    assert "three digits" in question.locator(".quiz-feedback").inner_text()


def test_a_chosen_status_code_and_the_why_of_a_wrong_choice(page: Page, base_url: str) -> None:
    page.goto(base_url + PHASE_3)
    question = _chosen_status(page)
    radios = question.locator("input[type=radio]")
    right = _right(question)[0]
    wrong = (right + 1) % radios.count()
    radios.nth(wrong).check()
    _check(page)
    feedback = question.locator(".quiz-feedback")
    assert "quiz-wrong" in _classes(question)
    why = question.locator(f'.quiz-why[data-choice="{wrong}"]').text_content() or ""
    shown = feedback.locator(".quiz-feedback-why")
    assert shown.count() == 1 and shown.inner_text().strip() == why.strip()
    assert shown.inner_text().startswith("Wrong")
    # The details list every choice's why.
    assert question.locator("details .quiz-why").count() == radios.count()
    radios.nth(right).check()
    _check(page)
    assert "quiz-right" in _classes(question)
    assert feedback.locator(".quiz-feedback-why").inner_text().startswith("Right")


def _tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus."""
    handle = target.element_handle()
    for _ in range(80):
        if page.evaluate("element => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the element")


def test_every_kind_answers_from_the_keyboard_alone(page: Page, base_url: str) -> None:
    page.goto(base_url + PHASE_4)
    questions = _questions(page)
    kinds = {
        "single": _index_of(page, ":not([data-kind])"),
        "many": _index_of(page, '[data-kind="many"]'),
        "typed": _index_of(page, ":has(.quiz-typed)"),
    }
    page.locator("h1").first.click()  # start from the page, not from a field
    for kind, index in sorted(kinds.items(), key=lambda item: item[1]):
        question = questions.nth(index)
        inputs = question.locator("input")
        _tab_to(page, inputs.first)
        if kind == "single":
            right = _right(question)[0]
            page.keyboard.press("Space")
            for _ in range(right):
                page.keyboard.press("ArrowDown")
            assert inputs.nth(right).is_checked()
        elif kind == "many":
            right = _right(question)
            for box in range(inputs.count()):
                if box in right:
                    page.keyboard.press("Space")
                page.keyboard.press("Tab")
            assert [i for i in range(inputs.count()) if inputs.nth(i).is_checked()] == right
        else:
            page.keyboard.type(question.get_attribute("data-answer") or "")
    _tab_to(page, page.get_by_role("button", name="Check my answers"))
    page.keyboard.press("Enter")
    for index in kinds.values():
        assert "quiz-right" in _classes(questions.nth(index)), index
    # Enter in the typed field checks the quiz too, instead of submitting the form.
    page.get_by_role("button", name="Start again").focus()
    page.keyboard.press("Enter")
    assert page.locator("form.quiz .quiz-score").inner_text() == ""
    typed = _typed(page).get_by_label("Status code")
    typed.focus()
    page.keyboard.type("500")
    page.keyboard.press("Enter")
    assert "quiz-wrong" in _classes(_typed(page))
    assert page.locator("form.quiz .quiz-score").inner_text().startswith("Score: 0 /")
    assert page.url.endswith(PHASE_4)


def test_reload_keeps_every_answer_and_start_again_clears_them(page: Page, base_url: str) -> None:
    page.goto(base_url + PHASE_4)
    many, typed = _many(page), _typed(page)
    for index in _right(many):
        many.locator("input").nth(index).check()
    typed.get_by_label("Status code").fill("418")
    # A typed answer is kept even before the quiz is checked.
    page.reload()
    assert _typed(page).get_by_label("Status code").input_value() == "418"
    assert _stored(page)["checked"] is False
    _check(page)
    score = page.locator("form.quiz .quiz-score").inner_text()
    page.reload()
    assert page.locator("form.quiz .quiz-score").inner_text() == score
    many, typed = _many(page), _typed(page)
    assert "quiz-right" in _classes(many) and "quiz-wrong" in _classes(typed)
    assert typed.get_by_label("Status code").input_value() == "418"
    page.get_by_role("button", name="Start again").click()
    assert page.locator("form.quiz input:checked").count() == 0
    assert typed.get_by_label("Status code").input_value() == ""
    assert "quiz-right" not in _classes(many) and not page.locator(".quiz-feedback-why").count()
    assert _stored(page) == {}
    page.reload()
    assert page.locator("form.quiz input:checked").count() == 0
    assert _typed(page).get_by_label("Status code").input_value() == ""


def test_checking_stores_right_and_total_and_tells_the_page(page: Page, base_url: str) -> None:
    page.goto(base_url + PHASE_4)
    page.evaluate(
        """() => { window.checkedEvents = [];
        document.addEventListener("quiz:checked", e => window.checkedEvents.push(e.detail)); }"""
    )
    total = _questions(page).count()
    for index in _right(_many(page)):
        _many(page).locator("input").nth(index).check()
    typed = _typed(page)
    typed.get_by_label("Status code").fill(typed.get_attribute("data-answer") or "")
    _check(page)
    state = _stored(page)
    assert state["checked"] is True and state["right"] == 2 and state["total"] == total
    assert len(state["choices"]) == total
    assert state["choices"][_index_of(page, '[data-kind="many"]')] == _right(_many(page))
    assert page.evaluate("() => window.checkedEvents") == [{"right": 2, "total": total}]
