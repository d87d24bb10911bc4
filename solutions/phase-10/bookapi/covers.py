"""Book covers, worked out from the book itself: the Book API's CPU-heavy job.

`cover_palette` picks five colours for a book's cover by stretching a hash of its title and
ISBN through `rounds` rounds of SHA-256. Each round is quick, but there are many of them, in a
pure-Python loop: while it runs, the thread running it holds the interpreter (the GIL) and
waits for nothing. It stands in for any CPU-bound job a web API meets: resizing an image,
rendering a PDF, scoring recommendations.

The cost grows with `rounds` (the setting `BOOKAPI_COVER_ROUNDS`): 200 000 rounds take about a
twentieth of a second on a laptop. The course gives you this module; leave it as it is (the
grader works out the same palette and compares).
"""

import hashlib

__all__ = ["cover_palette"]


def cover_palette(title: str, isbn: str | None, rounds: int) -> list[str]:
    """Five colours (`#rrggbb`) for a book's cover: the same book always gets the same five."""
    digest = hashlib.sha256(f"{title}\n{isbn or ''}".encode()).digest()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return [f"#{digest[start : start + 3].hex()}" for start in range(0, 15, 3)]
