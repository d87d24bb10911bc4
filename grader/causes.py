"""Causes the grader recognises in any phase. Each one blocks every check it touches, so it is
reported once, at the top of the results, with its own hint and link.

Suites may define causes of their own (a phase-specific mistake that fails several checks) with
`grader.kit.Cause`; these are the ones the grader itself detects (kept import-light: the runner
reads them too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Cause:
    """A reason for failing that can block many checks at once.

    `anchor` is a heading id on the phase's own page, or `phase-N#heading-id` for a section of
    another phase's page; None links to the phase's page itself.
    """

    id: str
    hint: str
    anchor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


IMPORT_FAILS = Cause(
    id="import-fails",
    hint="Fix the error at the file and line shown: until the module imports, no check can run. "
    'Try `python -c "import bookapi.main"` in the exercise folder to see it yourself.',
)
APP_MISSING = Cause(
    id="app-missing",
    hint="Create the application at module level in `bookapi/main.py`: `app = FastAPI()`. "
    "Servers, tests and the grader all look for it by that name.",
    anchor="phase-1#your-first-path-operation",
)
IMPORT_HANGS = Cause(
    id="import-hangs",
    hint="Something at module level never finishes: a loop, `input()`, `time.sleep`, deep "
    "recursion, or a call that waits for a server. Module level should only define things; do "
    "work in routes or in the lifespan.",
)
IMPORT_EXITS = Cause(
    id="import-exits",
    hint="A module that ends the process when it is imported cannot be served or tested: remove "
    "the `sys.exit()` / `os._exit()` from module level.",
)
SERVER_AT_IMPORT = Cause(
    id="server-at-import",
    hint="Create `app = FastAPI()` at module level and start servers from the command line "
    "(`fastapi dev`); a server started when the module is imported starts again whenever "
    "anything imports it: your tests, a migration tool, the `fastapi` command itself.",
    anchor="phase-1#fastapi-dev-and-fastapi-run",
)
PROCESS_AT_IMPORT = Cause(
    id="process-at-import",
    hint="Importing a module must not start processes: start servers and workers from the "
    "command line, and anything the app needs while it runs from its lifespan.",
    anchor="phase-1#fastapi-dev-and-fastapi-run",
)
SETTINGS_AT_IMPORT = Cause(
    id="settings-at-import",
    hint="The settings are read while the module is imported, before anything (a test, an "
    "override, the server's environment) can set them: build them in a cached `get_settings()` "
    "dependency and read them from the lifespan or the routes.",
    anchor="phase-5#settings-from-the-environment",
)
DEPRECATED_API = Cause(
    id="deprecated-api",
    hint="The grader runs with deprecation warnings as errors: replace the deprecated call at "
    "the file and line shown with the current API the warning names.",
    anchor="phase-1#deprecated-apis-fail-the-grader",
)
BODY_ON_GET = Cause(
    id="body-on-get",
    hint="A Pydantic model parameter is read from the request body unless you say otherwise, and "
    "a GET has no body: declare a query-parameter model as `Annotated[Model, Query()]`.",
    anchor="phase-2#query-parameter-models",
)
MEMORY = Cause(
    id="memory",
    hint="Something keeps allocating: a list that grows in a loop, or a huge string or bytes "
    "object. The grader stops code that uses more memory than a small API ever needs.",
)
NETWORK = Cause(
    id="network",
    hint="Checks run offline, and only loopback (127.0.0.1, ::1, localhost) is reachable. Call "
    "outside services from a dependency, so that tests (and the grader) can replace it.",
    anchor="phase-5#overrides-the-payoff",
)
PROCESS_ENDED = Cause(
    id="process-ended",
    hint="Code that ends the whole process (`os._exit()`, a crash in a C extension, deep "
    "recursion after raising the recursion limit, an endless loop that uses up the CPU time) "
    "takes the check with it: find the call at the place shown.",
)
