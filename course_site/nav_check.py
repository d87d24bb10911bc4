"""MkDocs hook: the phase pages in `nav` must be course.toml's ready phases, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from grader.catalogue import load_course


def nav_pages(nav: Any) -> list[str]:
    """Every page path in a MkDocs `nav` value, depth first, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for entry in nav for page in nav_pages(entry)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def phase_pages_in_nav(nav: Any) -> list[str]:
    return [page for page in nav_pages(nav) if page.startswith("phases/")]


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    course = load_course(Path(config.config_file_path).parent)
    wanted = [phase.page for phase in course.ready_phases]
    listed = phase_pages_in_nav(config.nav)
    if listed != wanted:
        raise PluginError(
            f"mkdocs.yml's nav lists the phase pages {listed}, but course.toml's ready "
            f"phases are {wanted}: make them agree."
        )
    return config
