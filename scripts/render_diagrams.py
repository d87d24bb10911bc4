"""Render the course's diagrams to SVG: run it after adding or changing a ```mermaid fence.

    python scripts/render_diagrams.py          # render what is missing or stale, delete orphans
    python scripts/render_diagrams.py --all    # render every diagram again

Every ```mermaid fence under docs/ becomes `docs/assets/diagrams/<hash>-light.svg` (mermaid's
`default` theme) and `<hash>-dark.svg` (its `dark` theme), on a transparent background, where
`<hash>` names the fence's source (course_site/diagrams.py). SVGs no fence uses are deleted.
Commit the SVGs with the page: the site's build and tests/test_diagrams.py need no Node.

Mermaid's CLI (`mmdc`) comes from scripts/diagrams/package.json and its lock file; the script
installs it there (`npm ci`) when it is missing, with Debian's chromium instead of a download.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_site.diagrams import (  # noqa: E402
    DOCS,
    FOLDER,
    THEMES,
    Fence,
    find_fences,
    orphans,
    source_sha256,
    stored_sha256,
    svg_path,
)

CLI_DIR = ROOT / "scripts" / "diagrams"
MMDC = CLI_DIR / "node_modules" / ".bin" / "mmdc"
MERMAID_THEMES = {"light": "default", "dark": "dark"}
# Added to scripts/diagrams/mermaid-config.json for one theme. The dark theme's grey label
# boxes are too faint under its light grey text: they take the slate palette's background.
THEME_VARIABLES: dict[str, dict[str, str]] = {
    "light": {},
    "dark": {"edgeLabelBackground": "#1e2029"},
}
SVG_START = re.compile(r"<svg\b[^>]*>")


def install_cli() -> None:
    """`npm ci` in scripts/diagrams, with no browser download (mmdc drives /usr/bin/chromium)."""
    if shutil.which("npm") is None:
        sys.exit("render_diagrams: npm is missing: install Node.js 20 or newer, then run me again")
    print("Installing mermaid's CLI in scripts/diagrams (npm ci)...", flush=True)
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=CLI_DIR,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
        check=True,
    )


def finish_svg(text: str, digest: str) -> str:
    """mmdc's SVG, made to stand alone as an <img>: a fixed size from its viewBox (not 100%
    wide with a max-width style), and the source's digest on the root element."""
    start = SVG_START.search(text)
    if start is None:
        raise RuntimeError("mmdc wrote no <svg> element")
    tag = start.group(0)
    box = re.search(r'viewBox="([^"]+)"', tag)
    if box is None:
        raise RuntimeError("mmdc wrote an <svg> with no viewBox")
    _, _, width, height = (float(part) for part in box.group(1).replace(",", " ").split())
    tag = re.sub(r'\s(width|height|style)="[^"]*"', "", tag)
    size = f'width="{width:.2f}" height="{height:.2f}"'
    tag = tag.replace("<svg", f'<svg {size} data-source-sha256="{digest}"', 1)
    return slimmed(text[: start.start()] + tag + text[start.end() :])


def slimmed(text: str) -> str:
    """The same drawing in fewer bytes: icons no element uses (mermaid defines a computer, a
    database and a clock in every sequence diagram) and empty groups dropped, coordinates in
    attribute values rounded to 2 decimals (a hundredth of a pixel)."""
    for symbol in re.finditer(r'<symbol id="([^"]+)".*?</symbol>', text, re.DOTALL):
        if f"#{symbol.group(1)}" not in text:
            text = text.replace(symbol.group(0), "")
    text = re.sub(r"<defs>\s*</defs>|<g>\s*</g>|<g/>|\sstyle=\"\"", "", text)

    def rounded(value: re.Match[str]) -> str:
        shorter = re.sub(
            r"\d+\.\d{3,}", lambda number: f"{float(number.group(0)):.2f}", value.group(0)
        )
        return shorter

    text = re.sub(r'="[^"]*"', rounded, text)
    return re.sub(r"(<style>)(.*?)(</style>)", lambda m: m[1] + used_css(m[2], text) + m[3], text)


def css_rules(css: str) -> list[str]:
    """The top-level rules of a style sheet (an at-rule keeps its nested block)."""
    rules, depth, start = [], 0, 0
    for index, char in enumerate(css):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                rules.append(css[start : index + 1])
                start = index + 1
    return rules


def used_css(css: str, svg: str) -> str:
    """mermaid's style sheet without the rules for classes this drawing does not use (it
    styles every kind of element of the diagram type), and its animations when nothing animates."""
    classes = {name for value in re.findall(r'class="([^"]*)"', svg) for name in value.split()}
    kept, at_rules = [], []
    for rule in css_rules(css):
        if rule.startswith("@"):
            at_rules.append(rule)
            continue
        selectors = rule.split("{", 1)[0].split(",")
        if any(set(re.findall(r"\.([\w-]+)", selector)) <= classes for selector in selectors):
            kept.append(rule)
    animated = any("animation" in rule for rule in kept)
    return "".join([rule for rule in at_rules if animated or "@keyframes" not in rule] + kept)


def write_config(theme: str, workdir: Path) -> Path:
    """mermaid's settings for one theme: the shared file plus that theme's variables."""
    settings = json.loads((CLI_DIR / "mermaid-config.json").read_text(encoding="utf-8"))
    settings["themeVariables"] = THEME_VARIABLES[theme]
    config = workdir / f"mermaid-{theme}.json"
    config.write_text(json.dumps(settings), encoding="utf-8")
    return config


def render(fence: Fence, theme: str, workdir: Path) -> Path:
    """One fence in one theme, written to docs/assets/diagrams/."""
    target = svg_path(DOCS, fence.name, theme)
    source = workdir / f"{fence.name}-{theme}.mmd"
    output = workdir / f"{fence.name}-{theme}.svg"
    source.write_text(fence.source, encoding="utf-8")
    command = [
        str(MMDC),
        "--quiet",
        "--input",
        str(source),
        "--output",
        str(output),
        "--theme",
        MERMAID_THEMES[theme],
        "--backgroundColor",
        "transparent",
        "--configFile",
        str(workdir / f"mermaid-{theme}.json"),
        "--puppeteerConfigFile",
        str(CLI_DIR / "puppeteer-config.json"),
        # Unique ids inside each file, so two diagrams on one page can never clash.
        "--svgId",
        f"diagram-{fence.name}-{theme}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{fence.where} ({theme}): mmdc failed:\n{result.stderr.strip()}")
    text = finish_svg(output.read_text(encoding="utf-8"), source_sha256(fence.source))
    target.write_text(text, encoding="utf-8")
    return target


def is_current(fence: Fence, theme: str) -> bool:
    svg = svg_path(DOCS, fence.name, theme)
    return svg.is_file() and stored_sha256(svg) == source_sha256(fence.source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--all", action="store_true", help="render every diagram again")
    parser.add_argument(
        "--jobs", type=int, default=2, help="diagrams rendered at once (default: 2)"
    )
    args = parser.parse_args(argv)

    fences = find_fences(DOCS)
    unique = list({fence.name: fence for fence in fences}.values())
    todo = [
        (fence, theme)
        for fence in unique
        for theme in THEMES
        if args.all or not is_current(fence, theme)
    ]
    (DOCS / FOLDER).mkdir(parents=True, exist_ok=True)
    if todo and not MMDC.exists():
        install_cli()

    started = time.monotonic()
    failures = []
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(args.jobs) as pool:
        for theme in THEMES:
            write_config(theme, Path(workdir))
        jobs = [pool.submit(render, fence, theme, Path(workdir)) for fence, theme in todo]
        for job in jobs:
            try:
                print(f"rendered {job.result().relative_to(ROOT)}", flush=True)
            except RuntimeError as error:
                failures.append(str(error))
    for path in orphans(DOCS, fences):
        path.unlink()
        print(f"deleted {path.relative_to(ROOT)} (no fence uses it)")

    elapsed = time.monotonic() - started
    print(
        f"{len(fences)} diagrams: {len(todo) - len(failures)} SVGs rendered in {elapsed:.1f} s, "
        f"{len(failures)} failed"
    )
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
