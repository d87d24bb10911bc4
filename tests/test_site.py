"""The built site: strict build, no third-party hosts, every check's link lands on a heading."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, phase_params

from grader.catalogue import Phase


class Loads(HTMLParser):
    """Collects every URL a page *loads* (not the links a reader may follow) and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and values.get(
            "src"
        ):
            self.loaded.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.loaded.append(values["href"] or "")
        if tag == "object" and values.get("data"):
            self.loaded.append(values["data"] or "")
        style = values.get("style") or ""
        self.loaded += re.findall(r"url\(['\"]?([^'\")]+)", style)


def parse_page(path: Path) -> Loads:
    parser = Loads()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_foreign(url: str) -> bool:
    return bool(re.match(r"^([a-z]+:)?//", url, re.IGNORECASE)) and not url.startswith("data:")


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 3
    foreign = {
        (str(page.relative_to(site)), url)
        for page in pages
        for url in parse_page(page).loaded
        if is_foreign(url)
    }
    assert not foreign


def test_no_stylesheet_imports_from_another_host(site: Path) -> None:
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        urls = re.findall(r"(?:@import\s+|url\()\s*['\"]?((?:https?:)?//[^'\")\s]+)", text)
        assert not urls, (sheet, urls)


@pytest.mark.parametrize("phase", phase_params())
def test_every_check_links_to_a_heading_on_its_page(site: Path, phase: Phase) -> None:
    page = site / phase.page_url / "index.html"
    ids = parse_page(page).ids
    missing = [check.anchor for check in phase.checks if check.anchor not in ids]
    assert not missing


@pytest.mark.parametrize("phase", phase_params())
def test_phase_pages_have_every_required_part(site: Path, phase: Phase) -> None:
    html = (site / phase.page_url / "index.html").read_text(encoding="utf-8")
    ids = parse_page(site / phase.page_url / "index.html").ids
    for section in ("your-exercise", "companion-notebook", "recap", "quick-check"):
        assert section in ids, f"no '{section}' section"
    order = [html.index(f'id="{section}"') for section in ("your-exercise", "recap", "quick-check")]
    assert order == sorted(order)
    assert '<figure class="diagram"' in html or "<table>" in html, "a diagram or a table helps"
    text = re.sub(r"<[^>]+>", "", html)
    assert 'class="quiz"' in html and f"grade phase-{phase.number}" in text
    assert 'class="admonition' in html
    assert phase.notebook is not None and Path(phase.notebook).name in html
    # The Recap is a numbered list.
    recap = html[html.index('id="recap"') : html.index('id="quick-check"')]
    assert "<ol>" in recap
    # Prev/next footer navigation.
    assert "md-footer__link" in html


def test_notebooks_are_published_with_the_site(site: Path) -> None:
    for phase in COURSE.ready_phases:
        assert phase.notebook is not None
        assert (site / Path(phase.notebook).relative_to("docs")).is_file()


def test_offline_build_works_from_disk_without_foreign_scripts(offline_site: Path) -> None:
    index = parse_page(offline_site / "index.html")
    assert not [url for url in index.loaded if is_foreign(url)]
    assert (offline_site / "search" / "search_index.js").is_file()
    assert (offline_site / "phases" / "01-hello-fastapi.html").is_file()


def _anchors_in_code() -> list[tuple[str, str]]:
    """Every section a failure can link to, as written in the hidden suites and the grader's
    causes: `anchor="..."` arguments and `...ANCHOR... = "..."` constants, with their file."""
    found = []
    sources = [*sorted((ROOT / "grader" / "suites").rglob("*.py")), ROOT / "grader" / "causes.py"]
    pattern = re.compile(r'(?:\banchor\s*=\s*|\b[A-Z_]*ANCHOR[A-Z_]*\s*=\s*)"([^"]+)"')
    for source in sources:
        for anchor in pattern.findall(source.read_text(encoding="utf-8")):
            found.append((source.relative_to(ROOT).as_posix(), anchor))
    return found


def test_every_step_and_cause_links_to_a_heading(site: Path) -> None:
    suites = {f"grader/suites/{p.suite}/test_{p.suite}.py": p for p in COURSE.ready_phases}
    pairs = _anchors_in_code()
    assert len(pairs) > 10
    missing = []
    for source, anchor in pairs:
        page_spec, _, heading = anchor.rpartition("#")
        phase = COURSE.find(page_spec) if page_spec else suites.get(source)
        if phase is None:
            missing.append((source, anchor, "no such phase page"))
            continue
        if heading not in parse_page(site / phase.page_url / "index.html").ids:
            missing.append((source, anchor, f"no heading #{heading} on {phase.page}"))
    assert not missing


def test_the_instructors_old_address_is_now_the_sections_overview(site: Path) -> None:
    # /instructors/ was a single page: links to it (and to its sections) still land.
    overview = site / "instructors" / "index.html"
    ids = parse_page(overview).ids
    assert {"host-the-site", "grade-a-submission", "change-the-course"} <= ids
    html = overview.read_text(encoding="utf-8")
    for page in ("hosting", "grading", "authoring"):
        assert (site / "instructors" / page / "index.html").is_file()
        assert f'href="{page}/"' in html
