"""Every page of the site in a real browser (chromium), as learners and instructors use it:
hosted under a subpath, and opened from disk. Each page loads with no console error, asks no
host but the local one, weighs at most 1 MB, passes axe's audit (no serious or critical
violation) in the light and the dark palette, and has no internal link or anchor that leads
nowhere. Screenshots of a finished quiz land in build/screenshots/ (named in the README)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import ROOT
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from test_site import parse_page

# The browser tests fail a page over this weight (the goal is 600 KB: see the benchmark).
MAX_PAGE_BYTES = 1_000_000
SCREENSHOTS = ROOT / "build" / "screenshots"
SERIOUS = {"serious", "critical"}
# axe's rules: every WCAG 2 A/AA rule and its best practices in the light palette; in the dark
# one, only what a palette changes (colours), which is most of axe's time saved.
AXE_RULES = {
    "light": {"runOnly": ["wcag2a", "wcag2aa", "best-practice"]},
    "dark": {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}},
}
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def site_pages(site: Path) -> list[str]:
    """Every page of the built site, as a path from its root (`phases/01-x/`)."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        relative = html.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else relative + "/")
    return pages


@dataclass
class Visit:
    """What one page did while it loaded."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    loaded_bytes: int = 0

    def _console(self, kind: str, text: str) -> None:
        if kind == "error":
            self.errors.append(text)

    def watch(self, page: Page, origin: str) -> None:
        page.on("console", lambda note: self._console(note.type, note.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

        def on_request(url: str) -> None:
            if not url.startswith((origin, "data:", "blob:")):
                self.foreign.append(url)

        page.on("request", lambda request: on_request(request.url))

        def on_response(response: Response) -> None:
            try:
                self.loaded_bytes += len(response.body())
            except Exception:  # a redirect or an aborted load has no body
                pass

        page.on("response", on_response)


def _context(browser: Browser, scheme: str, viewport: dict[str, int] = DESKTOP) -> BrowserContext:
    return browser.new_context(color_scheme=scheme, viewport=viewport)  # type: ignore[arg-type]


def _internal_links(page: Page, prefix: str) -> list[str]:
    links: list[str] = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    return [link for link in links if link.startswith(prefix)]


def _target_exists(site: Path, prefix: str, link: str) -> str | None:
    """None when `link` (under `prefix`) leads to a page of `site` and its anchor is on it;
    otherwise what is wrong."""
    parts = urlsplit(link)
    path = unquote(parts.path[len(urlsplit(prefix).path) :])
    target = site / path
    if target.is_dir() or path == "":
        target = target / "index.html"
    if not target.is_file():
        return f"no file for {link}"
    if parts.fragment and target.suffix == ".html":
        if unquote(parts.fragment) not in parse_page(target).ids:
            return f"no #{parts.fragment} on {path or 'the home page'}"
    return None


def page_paths() -> list[str]:
    """Every page of the site, from its Markdown sources (`phases/01-x/`, "" for the home page)."""
    docs = ROOT / "docs"
    paths = []
    for source in sorted(docs.rglob("*.md")):
        relative = source.relative_to(docs).with_suffix("")
        if relative.parts[0] == "assets":
            continue
        folder = relative.parent if relative.name == "index" else relative
        paths.append("" if folder.as_posix() == "." else folder.as_posix() + "/")
    return paths


def test_every_built_page_is_visited(site: Path) -> None:
    # The pages below are listed from docs/ (so that each is a test of its own, shared out
    # among the test workers); the built site must hold exactly those.
    assert sorted(site_pages(site)) == sorted(page_paths())


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", page_paths())
def test_page_loads_cleanly(
    browser: Browser, base_url: str, site: Path, path: str, scheme: str
) -> None:
    origin = re.match(r"https?://[^/]+", base_url)
    assert origin is not None
    context = _context(browser, scheme)
    page = context.new_page()
    visit = Visit()
    visit.watch(page, origin.group(0))
    page.goto(base_url + path, wait_until="load")
    # Down to the foot of the page, so that lazy images load and count in its weight.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    found: list[str] = []
    # Material follows the system's palette: the page is in the scheme asked for.
    shown = page.eval_on_selector("body", "b => b.getAttribute('data-md-color-scheme')")
    assert shown == ("slate" if scheme == "dark" else "default"), path
    found += [f"console: {text}" for text in visit.errors]
    found += [f"asked another host: {url}" for url in visit.foreign]
    if visit.loaded_bytes > MAX_PAGE_BYTES:
        found.append(f"loads {visit.loaded_bytes / 1e6:.2f} MB (limit {MAX_PAGE_BYTES / 1e6} MB)")
    if scheme == "light":  # the links are the same in both palettes
        for link in _internal_links(page, base_url):
            wrong = _target_exists(site, base_url, link)
            if wrong:
                found.append(wrong)
    results = Axe().run(page, options=AXE_RULES[scheme])
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            where = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"axe {violation['impact']}: {violation['id']} at {where}")
    context.close()
    assert not found, sorted(set(found))


def test_offline_build_navigates_and_quizzes_from_disk(
    browser: Browser, offline_site: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    visit = Visit()
    visit.watch(page, "file://")
    page.goto((offline_site / "index.html").as_uri())
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Hello, FastAPI").first.click()
    page.wait_for_url(re.compile(r"phases/01-hello-fastapi\.html$"))
    questions = page.locator("form.quiz fieldset.quiz-question")
    assert questions.count() >= 5
    questions.nth(0).locator("input").nth(0).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("form.quiz .quiz-score")).to_contain_text("Score:")
    page.reload()
    assert questions.nth(0).locator("input").nth(0).is_checked()
    # The footer's "next" link leads on, from disk too.
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(re.compile(r"phases/02-requests-from-type-hints\.html$"))
    assert not visit.errors, visit.errors
    assert not visit.foreign, visit.foreign
    context.close()


def _finish_quiz(page: Page) -> None:
    """Answer every question of the page's quiz (the first choice of each) and check."""
    for question in page.locator("form.quiz fieldset.quiz-question").all():
        first = question.locator("input").first
        kind = first.get_attribute("type")
        if kind in ("radio", "checkbox"):
            first.check()
        else:
            first.fill("200")
    page.get_by_role("button", name="Check my answers").click()
    # As a reader sees it once the pointer has moved on: no hover or focus colour on the button.
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement.blur()")
    page.wait_for_function("document.getAnimations().length === 0")  # colours have settled


@pytest.fixture(scope="module")
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_of_a_finished_quiz(
    browser: Browser, base_url: str, screenshots: Path, scheme: str, width: str
) -> None:
    viewport = PHONE if width == "phone" else DESKTOP
    context = _context(browser, scheme, viewport)
    page = context.new_page()
    page.goto(base_url + "phases/03-responses-with-pydantic/", wait_until="networkidle")
    _finish_quiz(page)
    expect(page.locator("form.quiz .quiz-score")).to_contain_text("Score:")
    if width == "desktop":  # a checked quiz's marks and words keep their contrast too
        results = Axe().run(page, options=AXE_RULES["dark"])
        found = [
            f"{violation['id']} at {[node['target'] for node in violation['nodes']][:3]}"
            for violation in results.response["violations"]
            if violation["impact"] in SERIOUS
        ]
        assert not found, found
    # Nothing wider than the screen: no sideways scrolling at phone width.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= viewport["width"], f"the page is {overflow} px wide"
    # The foot of the quiz (last question, score) at the foot of the window. Material's
    # "Back to top" button fades in and out as the page scrolls: it is left out of the pictures.
    page.add_style_tag(content=".md-top { visibility: hidden !important; }")
    page.evaluate(
        "const form = document.querySelector('form.quiz');"
        "window.scrollTo(0, form.getBoundingClientRect().bottom + scrollY - innerHeight + 16)"
    )
    shot = screenshots / f"phase-03-quiz-{scheme}-{width}.png"
    page.screenshot(path=str(shot))
    page.evaluate("window.scrollTo(0, 0)")
    # Material swaps the header's title (page's, then site's) with a fade: wait for its end.
    page.wait_for_function(
        "[...document.querySelectorAll('.md-header__topic')]"
        ".map(topic => getComputedStyle(topic).opacity).sort().join() === '0,1'"
    )
    page.screenshot(path=str(screenshots / f"phase-03-top-{scheme}-{width}.png"))
    assert shot.stat().st_size > 10_000
    context.close()
