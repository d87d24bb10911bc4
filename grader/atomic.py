"""Files written whole or not at all: the progress file, the gradebook, Gradescope's results.

The text goes to a temporary file beside the target (`.NAME.XXXX.tmp`), is flushed to disk, then
renamed over the target: a reader, a crash or a Ctrl-C sees the old file or the new one, never
half of one. Only the standard library: `grade phase-N` imports this on every run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: reading it means setting it, which is not thread-safe.
_FILE_MODE = 0o666 & ~_umask()


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (its folder is made if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, _FILE_MODE)  # as a plain `open()` would have made it
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
