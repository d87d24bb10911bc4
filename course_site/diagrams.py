"""Diagrams drawn ahead of time: each ```mermaid fence in docs/ shows as two SVG images.

The fence stays in the Markdown as the diagram's source. `scripts/render_diagrams.py` renders it
with mermaid's CLI into `docs/assets/diagrams/<hash>-light.svg` and `<hash>-dark.svg`, where
`<hash>` is the first 16 hex digits of the source's SHA-256; each SVG keeps the full digest in a
`data-source-sha256` attribute on its root element. So pages load no diagram script at all.

This module is used three ways:

- by pymdownx.superfences (mkdocs.yml, `custom_fences`): `fence_format` turns a fence into a
  `<figure>` holding both images, with a placeholder where the folder's URL goes;
- as a MkDocs hook (mkdocs.yml, `hooks`): `on_page_content` replaces the placeholder with the
  folder's URL relative to the page, right for directory URLs, the offline build and a subpath;
- by the render script and the tests: `find_fences`, `problems` and the helpers below.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from pymdownx.superfences import SuperFencesException

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Where the SVGs live, relative to docs/ (and so to the built site).
FOLDER = "assets/diagrams"
THEMES = ("light", "dark")
RENDER_COMMAND = "python scripts/render_diagrams.py"
# Stands for FOLDER's URL relative to the page until `on_page_content` replaces it.
PLACEHOLDER = "course-diagrams-folder:"

FENCE = re.compile(r"^```mermaid[ \t]*\n(?P<source>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
ACC_TITLE = re.compile(r"^[ \t]*accTitle[ \t]*:[ \t]*(?P<text>.*?)[ \t]*$", re.MULTILINE)
ACC_DESCR_LINE = re.compile(r"^[ \t]*accDescr[ \t]*:[ \t]*(?P<text>.*?)[ \t]*$", re.MULTILINE)
ACC_DESCR_BLOCK = re.compile(r"^[ \t]*accDescr[ \t]*\{(?P<text>.*?)\}", re.MULTILINE | re.DOTALL)
STORED_HASH = re.compile(r'<svg\b[^>]*?\bdata-source-sha256="(?P<digest>[0-9a-f]{64})"')
VIEW_BOX = re.compile(r'<svg\b[^>]*?\bviewBox="(?P<box>[^"]+)"')


class DiagramError(SuperFencesException):
    """A diagram the build cannot show (superfences lets this kind of error stop the build)."""


@dataclass(frozen=True)
class Fence:
    """One ```mermaid fence: where it is and its source (the lines between the fence marks)."""

    path: Path
    line: int
    source: str

    @property
    def name(self) -> str:
        return diagram_name(self.source)

    @property
    def where(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}"


def normalized(source: str) -> str:
    """The source as it is hashed: trailing whitespace stripped from every line and the end."""
    return "\n".join(line.rstrip() for line in source.rstrip().splitlines())


def source_sha256(source: str) -> str:
    """The full SHA-256 (hex) of a diagram's source, as stored in its SVGs."""
    return hashlib.sha256(normalized(source).encode()).hexdigest()


def diagram_name(source: str) -> str:
    """The name of a diagram's files: the first 16 hex digits of its source's SHA-256."""
    return source_sha256(source)[:16]


def svg_path(docs: Path, name: str, theme: str) -> Path:
    return docs / FOLDER / f"{name}-{theme}.svg"


def find_fences(docs: Path = DOCS) -> list[Fence]:
    """Every ```mermaid fence in the Markdown under `docs`, in path and line order."""
    fences = []
    for path in sorted(docs.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            fences.append(Fence(path, line, match.group("source")))
    return fences


def accessible_text(source: str) -> tuple[str | None, str | None]:
    """The diagram's own accTitle and accDescr (single-line or `accDescr { ... }`), if any."""
    title = ACC_TITLE.search(source)
    described = ACC_DESCR_LINE.search(source) or ACC_DESCR_BLOCK.search(source)
    description = " ".join(described.group("text").split()) if described else None
    return (title.group("text") if title else None) or None, description or None


def stored_sha256(svg: Path) -> str | None:
    """The source digest an SVG was rendered from (its root's data-source-sha256), if any."""
    match = STORED_HASH.search(svg.read_text(encoding="utf-8"))
    return match.group("digest") if match else None


def svg_size(svg: Path) -> tuple[int, int]:
    """An SVG's width and height in CSS pixels, from its viewBox, rounded up."""
    match = VIEW_BOX.search(svg.read_text(encoding="utf-8"))
    if match is None:
        raise DiagramError(f"{svg} has no viewBox: run `{RENDER_COMMAND}` to render it again")
    _, _, width, height = (float(part) for part in match.group("box").replace(",", " ").split())
    return -int(-width // 1), -int(-height // 1)


def fence_problems(fence: Fence, docs: Path) -> list[str]:
    """What is wrong with one fence: no accTitle/accDescr, an SVG missing or stale."""
    found = []
    title, description = accessible_text(fence.source)
    if title is None or description is None:
        found.append(
            f"{fence.where}: the diagram needs an `accTitle:` and an `accDescr:` line "
            "(the image's alt text and its longer description)"
        )
    digest = source_sha256(fence.source)
    for theme in THEMES:
        svg = svg_path(docs, fence.name, theme)
        if not svg.is_file():
            found.append(f"{fence.where}: {svg.name} is missing: run `{RENDER_COMMAND}`")
        elif stored_sha256(svg) != digest:
            found.append(
                f"{fence.where}: {svg.name} was not rendered from this source: "
                f"run `{RENDER_COMMAND}`"
            )
    return found


def orphans(docs: Path, fences: list[Fence]) -> list[Path]:
    """SVGs in the diagrams folder that no fence uses."""
    wanted = {svg_path(docs, fence.name, theme) for fence in fences for theme in THEMES}
    folder = docs / FOLDER
    present = sorted(folder.glob("*")) if folder.is_dir() else []
    return [path for path in present if path.is_file() and path not in wanted]


def problems(docs: Path = DOCS) -> list[str]:
    """Everything that keeps the diagrams under `docs` from being current and complete."""
    fences = find_fences(docs)
    found = [problem for fence in fences for problem in fence_problems(fence, docs)]
    found += [
        f"{path.relative_to(docs)} is used by no diagram: run `{RENDER_COMMAND}` to delete it"
        for path in orphans(docs, fences)
    ]
    return found


def figure(source: str, docs: Path = DOCS) -> str:
    """The HTML for one diagram: both images (Material shows the palette's own) and a visually
    hidden caption with the longer description. Raises DiagramError naming the fix.

    The images load lazily: the browser never fetches the one Material hides (`display: none`)
    for the other palette, nor a diagram far below until the reader scrolls near it."""
    title, description = accessible_text(source)
    name = diagram_name(source)
    first_line = normalized(source).split("\n", 1)[0]
    if title is None or description is None:
        raise DiagramError(
            f"the diagram starting `{first_line}` needs an `accTitle:` and an `accDescr:` line, "
            f"then run `{RENDER_COMMAND}`"
        )
    images = []
    for theme in THEMES:
        svg = svg_path(docs, name, theme)
        if not svg.is_file():
            raise DiagramError(
                f"the diagram starting `{first_line}` has no {FOLDER}/{svg.name}: "
                f"run `{RENDER_COMMAND}` and commit the SVGs"
            )
        width, height = svg_size(svg)
        images.append(
            f'<img class="diagram-{theme}" src="{PLACEHOLDER}{svg.name}#only-{theme}" '
            f'alt="{html.escape(title)}" width="{width}" height="{height}" loading="lazy" '
            f'style="--diagram-width: {width}px">'
        )
    return (
        # Focusable: a diagram wider than the screen scrolls inside its figure, by keyboard too.
        f'<figure class="diagram" data-diagram="{name}" tabindex="0">\n'
        + "\n".join(images)
        + f'\n<figcaption class="diagram-description">{html.escape(description)}</figcaption>\n'
        + "</figure>"
    )


def fence_format(
    source: str, language: str, class_name: str, options: dict[str, Any], md: Any, **kwargs: Any
) -> str:
    """The pymdownx.superfences custom-fence formatter for ```mermaid blocks."""
    return figure(source)


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs hook: point each diagram image at its SVG, relative to this page's URL."""

    def url(match: re.Match[str]) -> str:
        path = f"{FOLDER}/{match.group('file')}"
        file = files.get_file_from_path(path)
        if file is None:
            raise DiagramError(f"{path} is not in the site: run `{RENDER_COMMAND}`")
        return file.url_relative_to(page.file)

    return re.sub(re.escape(PLACEHOLDER) + r"(?P<file>[0-9a-f]{16}-[a-z]+\.svg)", url, html_text)
