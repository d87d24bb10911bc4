"""Diagrams drawn ahead of time: every ```mermaid fence has current SVGs, and the site shows them.

No Node here: the SVGs are committed (scripts/render_diagrams.py makes them), and these tests
prove they match the fences' sources, so a diagram edited without rendering fails CI.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, build_site

from course_site.diagrams import (
    DOCS,
    FOLDER,
    RENDER_COMMAND,
    THEMES,
    DiagramError,
    Fence,
    accessible_text,
    fence_problems,
    figure,
    find_fences,
    orphans,
    problems,
    source_sha256,
    stored_sha256,
    svg_path,
)

FENCES = find_fences(DOCS)


def fence_params() -> list[pytest.param]:
    return [pytest.param(fence, id=fence.where) for fence in FENCES]


def test_the_lessons_have_their_diagrams() -> None:
    # 22 fences when this test was written; a page may add more, but they cannot vanish unseen.
    assert len(FENCES) >= 22
    assert all(fence.source.strip() for fence in FENCES)


@pytest.mark.parametrize("fence", fence_params())
def test_every_diagram_has_a_title_and_a_description(fence: Fence) -> None:
    title, description = accessible_text(fence.source)
    assert title and len(title) >= 10, f"{fence.where}: accTitle missing or too short"
    assert description and len(description) > len(title), f"{fence.where}: accDescr missing"


@pytest.mark.parametrize("fence", fence_params())
def test_every_diagram_has_both_svgs_rendered_from_its_current_source(fence: Fence) -> None:
    assert fence_problems(fence, DOCS) == []


def test_no_svg_is_left_that_no_diagram_uses() -> None:
    assert orphans(DOCS, FENCES) == [], f"run `{RENDER_COMMAND}` to delete them"


@pytest.mark.parametrize("theme", THEMES)
def test_svgs_stand_alone_small_with_unique_ids_and_no_fonts(theme: str) -> None:
    for fence in FENCES:
        svg = svg_path(DOCS, fence.name, theme)
        text = svg.read_text(encoding="utf-8")
        root = re.match(r"<svg\b[^>]*>", text)
        assert root is not None, svg.name
        assert f'id="diagram-{fence.name}-{theme}"' in root.group(0), svg.name
        # A fixed size, so that an <img> has the diagram's own width to scale down from.
        assert re.search(r'\swidth="[0-9.]+"', root.group(0)), svg.name
        assert "@font-face" not in text and "base64" not in text, svg.name
        assert len(text.encode()) < 120_000, f"{svg.name} is {len(text.encode())} bytes"


def _copy_of_one_diagram(tmp_path: Path) -> tuple[Path, Fence]:
    """A docs folder holding one real fence (from phase 1's page) and its two SVGs."""
    fence = next(fence for fence in FENCES if "01-hello-fastapi" in fence.path.name)
    docs = tmp_path / "docs"
    (docs / FOLDER).mkdir(parents=True)
    (docs / "page.md").write_text(f"# A page\n\n```mermaid\n{fence.source}```\n", encoding="utf-8")
    for theme in THEMES:
        shutil.copy(svg_path(DOCS, fence.name, theme), svg_path(docs, fence.name, theme))
    return docs, fence


def test_the_staleness_check_catches_a_source_edited_without_rendering(tmp_path: Path) -> None:
    docs, fence = _copy_of_one_diagram(tmp_path)
    assert problems(docs) == []
    # Only trailing whitespace changed: the same diagram.
    page = docs / "page.md"
    text = page.read_text(encoding="utf-8")
    end = text.rindex("```")
    text = text[:end] + "   \n\n" + text[end:]
    page.write_text(text.replace("flowchart TB\n", "flowchart TB  \t\n"), encoding="utf-8")
    assert find_fences(docs)[0].source != fence.source
    assert problems(docs) == []
    # A label changed: its SVGs keep the old name's hash, and a stale SVG under the new
    # name (as if copied over by hand) is caught by its stored digest.
    page.write_text(page.read_text().replace("Your function", "Your handler"), encoding="utf-8")
    (edited,) = find_fences(docs)
    assert edited.name != fence.name
    found = problems(docs)
    assert len(found) == 4  # both new SVGs missing, both old ones orphans
    assert all(RENDER_COMMAND in problem for problem in found)
    for theme in THEMES:
        svg_path(docs, fence.name, theme).rename(svg_path(docs, edited.name, theme))
    found = problems(docs)
    assert len(found) == 2 and all("not rendered from this source" in p for p in found)
    assert stored_sha256(svg_path(docs, edited.name, "light")) == source_sha256(fence.source)


def test_the_build_stops_on_a_diagram_without_svgs_or_without_a_title(tmp_path: Path) -> None:
    docs, fence = _copy_of_one_diagram(tmp_path)
    assert 'class="diagram"' in figure(fence.source, docs)
    untitled = "\n".join(line for line in fence.source.splitlines() if "accTitle" not in line)
    with pytest.raises(DiagramError, match=re.escape(RENDER_COMMAND)):
        figure(untitled, docs)
    svg_path(docs, fence.name, "dark").unlink()
    with pytest.raises(DiagramError, match=re.escape(RENDER_COMMAND)):
        figure(fence.source, docs)


class Page(HTMLParser):
    """The scripts a page loads and the images inside its diagram figures."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.diagram_images: list[str] = []
        self.figures = 0
        self._figure_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src") or "inline")
        if tag == "figure" and "diagram" in (values.get("class") or "").split():
            self.figures += 1
            self._figure_depth += 1
        elif tag == "figure" and self._figure_depth:
            self._figure_depth += 1
        if tag == "img" and self._figure_depth:
            self.diagram_images.append(values.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure" and self._figure_depth:
            self._figure_depth -= 1


def _check_built_site(site: Path) -> None:
    figures = 0
    for html in sorted(site.rglob("*.html")):
        page = Page()
        page.feed(html.read_text(encoding="utf-8"))
        assert not [src for src in page.scripts if "mermaid" in src.lower()], html
        assert len(page.diagram_images) == 2 * page.figures, html
        for src in page.diagram_images:
            assert "://" not in src and not src.startswith("/"), f"{html}: {src} is not relative"
            path, _, fragment = src.partition("#")
            assert fragment in {f"only-{theme}" for theme in THEMES}, f"{html}: {src}"
            target = posixpath.normpath(posixpath.join(html.parent.as_posix(), path))
            assert Path(target).is_file(), f"{html}: {src} does not resolve"
            assert Path(target).parent == site / FOLDER, f"{html}: {src}"
        figures += page.figures
    assert figures == len(FENCES)


def test_the_site_loads_no_diagram_script_and_every_diagram_image_resolves(site: Path) -> None:
    _check_built_site(site)
    assert (site / "phases" / "01-hello-fastapi" / "index.html").is_file()


def test_the_offline_build_shows_the_diagrams_too(tmp_path: Path) -> None:
    offline = build_site(tmp_path / "site", COURSE_OFFLINE="true")
    assert (offline / "phases" / "01-hello-fastapi.html").is_file()
    _check_built_site(offline)


def test_the_diagram_script_is_gone() -> None:
    assert not list((ROOT / "docs" / "assets" / "vendor").glob("mermaid*"))
    assert "mermaid" not in (ROOT / "mkdocs.yml").read_text().split("extra_javascript:")[1]
