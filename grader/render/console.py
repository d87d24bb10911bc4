"""The terminal, through Rich: colour only on a terminal (and never with NO_COLOR), plain text
when piped, long values wrapped under their label, links never broken."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.text import Text

# Width of piped output: wide enough for a link per line, stable for scripts and tests.
PIPED_WIDTH = 100
LABEL = 9
INDENT = 6


def make_console(stream: TextIO | None = None) -> Console:
    stream = stream or sys.stdout
    console = Console(file=stream, highlight=False, emoji=False)
    if not console.is_terminal:
        console = Console(file=stream, highlight=False, emoji=False, width=PIPED_WIDTH)
    return console


def field(console: Console, label: str, value: str, *, link: bool = False) -> None:
    """`      label     value`, the value wrapped under itself (a link is never wrapped)."""
    head = Text(" " * INDENT) + Text(f"{label:<{LABEL}} ", style="dim")
    if link:
        console.print(head + Text(value, style="cyan"), soft_wrap=True)
        return
    width = max(20, console.width - INDENT - LABEL - 1)
    lines = list(Text(value).wrap(console, width)) or [Text("")]
    for line in lines:
        line.rstrip()
    console.print(head + lines[0], soft_wrap=True)
    for line in lines[1:]:
        console.print(Text(" " * (INDENT + LABEL + 1)) + line, soft_wrap=True)


def capped(text: str, limit: int) -> list[str]:
    """At most `limit` lines of `text`, and a line saying how many were left out."""
    lines = text.splitlines()
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… {len(lines) - limit} more lines not shown"]
