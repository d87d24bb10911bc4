"""The course server: the built site, and the learner's grader progress as JSON.

A small FastAPI app, and a worked example of what the course teaches: typed responses, a
factory that builds a new app from its settings, no global state.

    GET /api/progress     every phase's status from the grader (read afresh on each request)
    GET /<anything>       the built site; HTML pages carry a marker that tells the pages'
                          script it may ask the API (a statically hosted site has none, so
                          its pages never ask and never show an error)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from grader.catalogue import Course
from grader.serve.models import CourseProgress
from grader.serve.progress_view import course_progress

API_PATH = "/api/progress"
# Inserted into every page's <head> when served by `grade serve`.
MARKER = f'<meta name="grade-serve" content="{API_PATH}">'
NOT_FOUND_PAGE = "404.html"


def _with_marker(html: str) -> str:
    head = html.find("</head>")
    return html if head == -1 else html[:head] + MARKER + html[head:]


def _file_in(site: Path, path: str) -> Path | None:
    """The file of the site that `path` names (a folder's index.html), never one outside it."""
    candidate = (site / path).resolve()
    if not candidate.is_relative_to(site):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def create_app(course: Course, site: Path) -> FastAPI:
    """A new course server for `course`, serving the site built into `site`."""
    site = site.resolve()
    app = FastAPI(
        title="Production FastAPI — course server",
        summary="The course site, with your grader progress.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get(API_PATH, response_model=CourseProgress)
    def read_progress(response: Response) -> CourseProgress:
        # The pages ask again after each `grade` run: never a cached answer.
        response.headers["Cache-Control"] = "no-store"
        return course_progress(course)

    @app.get("/{path:path}", include_in_schema=False)
    def read_page(path: str) -> Response:
        found = _file_in(site, path)
        if found is not None and path and not path.endswith("/") and (site / path).is_dir():
            # A folder without its slash: the page's relative links need the slash.
            return Response(status_code=307, headers={"Location": f"/{path}/"})
        if found is None:
            missing = site / NOT_FOUND_PAGE
            if not missing.is_file():
                raise HTTPException(status_code=404)
            return HTMLResponse(_with_marker(missing.read_text(encoding="utf-8")), 404)
        if found.suffix == ".html":
            return HTMLResponse(_with_marker(found.read_text(encoding="utf-8")))
        return FileResponse(found)

    return app
