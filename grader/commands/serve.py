"""`grade serve`: build the site when it is missing or stale, and serve it on 127.0.0.1 with
the learner's grader progress in its pages."""

from __future__ import annotations

import errno
import socket

from grader.commands import common
from grader.errors import EXIT_PASSED, EXIT_UNUSABLE

DEFAULT_PORT = 8008


def _listening_socket(port: int) -> tuple[socket.socket, bool]:
    """A socket listening on 127.0.0.1:`port`, or on a free port when that one is taken (and
    whether it had to move)."""
    for wanted in (port, 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError as error:
            sock.close()
            if error.errno != errno.EADDRINUSE or wanted == 0:
                raise
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock, wanted != port
    raise AssertionError("unreachable: port 0 always binds")


def run(port: int, rebuild: bool) -> int:
    course = common.course()
    from grader.render.console import make_console
    from grader.serve import address, site_build

    console = make_console()
    site = course.root / site_build.SITE_DIR
    if rebuild or site_build.is_stale(course.root):
        with console.status("Building the course site (mkdocs build)…"):
            try:
                site_build.build(course.root)
            except site_build.BuildFailed as failure:
                console.print("[red]The site could not be built.[/red] mkdocs said:")
                console.print(failure.output[-3000:], markup=False, highlight=False)
                return EXIT_UNUSABLE

    import uvicorn

    from grader.serve.app import create_app

    sock, moved = _listening_socket(port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    if moved:
        console.print(f"Port {port} is taken (another server?): using a free one instead.")
    console.print(f"The course is at [bold]{url}[/bold] — open it in your browser.")
    console.print(
        "Your grader results show in its pages; run `grade phase-N` in another terminal and "
        "the page updates. Ctrl-C stops the server.",
        soft_wrap=True,
    )
    config = uvicorn.Config(
        create_app(course, site), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    with address.announced(course.root, url):
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
    return EXIT_PASSED
