"""What a lesson page's code blocks show: a fragment of a sample comes with its imports.

A block that includes a section of a sample (`--8<-- "docs_src/...py:section"`) must also
include that file's `imports` section, unless the Python block just before it on the page shows
the same file (the reader is still reading that file).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^( *)```(?:python|py)\b[^\n]*\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
INCLUDE = re.compile(r'--8<-- "(docs_src/[^":]+)(?::([\w-]+))?"')


def fragments_without_imports(page: str) -> list[str]:
    """The fragments on `docs/phases/<page>` shown without any import of their file."""
    text = (ROOT / "docs" / "phases" / page).read_text()
    missing: list[str] = []
    previous: set[str] = set()
    for _indent, body in BLOCK.findall(text):
        includes = INCLUDE.findall(body)
        for path, section in includes:
            if section and f"# --8<-- [start:{section}]" not in (ROOT / path).read_text():
                missing.append(f"{path}:{section} (no such section)")
            shown_imports = (path, "imports") in includes or path in previous
            if section and section != "imports" and not shown_imports:
                missing.append(f"{path}:{section}")
        previous = {path for path, _section in includes}
    return missing
