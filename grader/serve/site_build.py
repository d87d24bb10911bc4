"""The built site: where it lives, whether it is stale, and building it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SITE_DIR = "site"
# What the site is built from: a change to any of them makes the built site stale.
SOURCES = ("mkdocs.yml", "course.toml", "docs", "docs_src", "course_site", "overrides")
# Written last by a successful build: a site without it is incomplete.
STAMP = ".grade-serve-built"


@dataclass(frozen=True)
class BuildFailed(Exception):
    output: str


def _newest(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file() and "__pycache__" not in child.parts:
                    newest = max(newest, child.stat().st_mtime)
    return newest


def is_stale(root: Path) -> bool:
    """Whether the site in `root/site` is missing, incomplete, or older than its sources."""
    stamp = root / SITE_DIR / STAMP
    if not stamp.is_file():
        return True
    return _newest([root / name for name in SOURCES]) > stamp.stat().st_mtime


def build(root: Path) -> Path:
    """`mkdocs build` of the course in `root` into `root/site`; BuildFailed with its output."""
    site = root / SITE_DIR
    (site / STAMP).unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)],
        cwd=root,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise BuildFailed(done.stderr or done.stdout)
    (site / STAMP).write_text("built by grade serve\n", encoding="utf-8")
    return site
