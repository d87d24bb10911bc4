"""The site in a real browser (chromium): quizzes work, diagrams draw, nothing foreign loads.

Where chromium is missing these tests say so and skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

SUBPATH = "/course/"


def _choose(page: Page, question: int, choice: int) -> None:
    fieldsets = page.locator("form.quiz fieldset.quiz-question")
    fieldsets.nth(question).locator("input[type=radio]").nth(choice).check()


def test_phase_one_quiz_scores_explains_and_remembers(page: Page, base_url: str) -> None:
    page.goto(base_url + "phases/01-hello-fastapi/")
    questions = page.locator("form.quiz fieldset.quiz-question")
    count = questions.count()
    assert count >= 5
    answers = [int(questions.nth(i).get_attribute("data-answer") or "") for i in range(count)]
    # Every answer right but the first.
    _choose(page, 0, (answers[0] + 1) % 2)
    for i in range(1, count):
        _choose(page, i, answers[i])
    page.get_by_role("button", name="Check my answers").click()
    score = page.locator("form.quiz .quiz-score")
    assert score.inner_text() == f"Score: {count - 1} / {count}"
    assert "quiz-wrong" in (questions.nth(0).get_attribute("class") or "")
    assert "quiz-right" in (questions.nth(1).get_attribute("class") or "")
    assert questions.nth(0).locator("details").get_attribute("open") is not None
    # A reload keeps the learner's choices and the checked score.
    page.reload()
    assert page.locator("form.quiz .quiz-score").inner_text() == f"Score: {count - 1} / {count}"
    page.get_by_role("button", name="Start again").click()
    assert page.locator("form.quiz input:checked").count() == 0


def test_quiz_answers_from_the_keyboard(page: Page, base_url: str) -> None:
    page.goto(base_url + "phases/01-hello-fastapi/")
    first = page.locator("form.quiz fieldset.quiz-question").nth(0)
    first.locator("input[type=radio]").nth(0).focus()
    page.keyboard.press("ArrowDown")
    assert first.locator("input[type=radio]").nth(1).is_checked()
    page.get_by_role("button", name="Check my answers").focus()
    page.keyboard.press("Enter")
    assert "Score:" in page.locator("form.quiz .quiz-score").inner_text()


def _diagrams_show_as_images(page: Page, url: str) -> int:
    """Open `url`; every diagram figure shows exactly one loaded image. Returns the count."""
    page.goto(url, wait_until="networkidle")
    figures = page.locator("figure.diagram")
    count = figures.count()
    for index in range(count):
        figures.nth(index).scroll_into_view_if_needed()
        shown = figures.nth(index).locator("img:visible")
        assert shown.count() == 1, f"figure {index}: {shown.count()} images shown"
        # The images load lazily: wait for this one, now that it is in view.
        size = shown.evaluate(
            """async img => {
                if (!img.complete) await new Promise(done => {
                    img.addEventListener("load", done);
                    img.addEventListener("error", done);
                });
                return [img.complete, img.naturalWidth, img.clientHeight];
            }"""
        )
        assert size[0] and size[1] > 0 and size[2] > 50, f"figure {index}: {size}"
    return count


def test_diagrams_show_as_images_and_nothing_loads_from_another_host(
    browser: Browser, page: Page, base_url: str, tmp_path: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    assert _diagrams_show_as_images(page, base_url + "phases/08-security-oauth2-and-jwt/") == 3
    assert _diagrams_show_as_images(page, base_url) == 1
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    origin = base_url.split(SUBPATH)[0]
    foreign = [url for url in requests if not url.startswith((origin, "data:", "blob:"))]
    assert not foreign
    assert not [url for url in requests if "mermaid" in url]
    # Without JavaScript, in the dark palette, and printed from it (on paper: the light
    # drawing), the images show all the same.
    cases = [({"java_script_enabled": False}, "screen", "light")]
    cases += [
        ({"color_scheme": "dark"}, "screen", "dark"),
        ({"color_scheme": "dark"}, "print", "light"),
    ]
    for options, media, drawing in cases:
        context = browser.new_context(**options)
        try:
            other = context.new_page()
            other.emulate_media(media=media)
            assert _diagrams_show_as_images(other, base_url + "phases/01-hello-fastapi/") == 1
            shown = other.locator("figure.diagram img:visible").get_attribute("src") or ""
            assert shown.endswith(f"#only-{drawing}"), (options, media)
        finally:
            context.close()


def test_search_finds_a_lesson(page: Page, base_url: str) -> None:
    # The search index (the heaviest file of the site) loads when the search is used, not before.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(base_url, wait_until="networkidle")
    index_or_worker = re.compile(r"search_index\.json$|/workers/search\.[^/]*\.js$")
    assert not [url for url in asked if index_or_worker.search(url)]
    page.locator("input.md-search__input").click()
    page.keyboard.type("uvicorn", delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    assert results.count() >= 1
    assert len([url for url in asked if index_or_worker.search(url)]) == 2


@pytest.mark.parametrize("key", ["/", "s"])
def test_search_opens_from_the_keyboard(page: Page, base_url: str, key: str) -> None:
    page.goto(base_url + "phases/02-requests-from-type-hints/", wait_until="networkidle")
    page.keyboard.press(key)
    page.keyboard.type("lifespan", delay=20)
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)


def test_without_javascript_the_quiz_still_reads(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "phases/01-hello-fastapi/")
    questions = page.locator("form.quiz fieldset.quiz-question")
    assert questions.count() >= 5
    assert questions.nth(0).locator("legend").inner_text().strip()
    # The answer is there, collapsed; the buttons that need JavaScript stay hidden.
    answer = questions.nth(0).locator("details.quiz-explain")
    assert answer.get_attribute("open") is None
    answer.locator("summary").click()
    assert answer.locator("p").is_visible()
    assert not page.get_by_role("button", name="Check my answers").is_visible()
    context.close()
