"""`grade serve`: the course server's API and pages, the command itself, and the pages in a
real browser showing the grader's results as they change."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, course_copy_at, grade_cli
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from grader.catalogue import load_course
from grader.serve import address, site_build
from grader.serve.app import MARKER, create_app
from grader.serve.models import CourseProgress

PHASE_ONE = "phases/01-hello-fastapi/"


def _fresh_clone(destination: Path) -> Path:
    """What a clone of this repository holds (committed and new files, nothing ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


class Served:
    """A `grade serve` process in its own process group, and the address it printed."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", *args],
            cwd=cwd,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.url = self._wait_for_address()

    def _wait_for_address(self, within: float = 120.0) -> str:
        deadline = time.monotonic() + within
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if found:
                return found.group(1)
        self.stop()
        raise AssertionError("grade serve printed no address:\n" + "".join(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.lines += self.process.stdout.readlines()
            self.process.stdout.close()


# --- the app, through TestClient -------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small course (Phase 1 only) with its site built, as `grade serve` builds it."""
    root = _fresh_clone(tmp_path_factory.mktemp("served") / "course")
    site_build.build(root)
    return root


def test_progress_api_reports_what_the_grader_recorded(built: Path) -> None:
    course = load_course(built)
    client = TestClient(create_app(course, built / "site"))
    before = CourseProgress.model_validate(client.get("/api/progress").json())
    assert [phase.status for phase in before.phases][:1] == ["not started"]
    graded = grade_cli("phase-1", cwd=built)
    assert graded.returncode == 1, graded.stdout  # the untouched stub fails
    response = client.get("/api/progress")
    assert response.headers["cache-control"] == "no-store"
    after = CourseProgress.model_validate(response.json())
    first = after.phases[0]
    assert first.status == "partial"
    assert first.total == len(course.phases[0].check_keys)
    assert first.passed is not None and first.passed < first.total
    assert first.failing, "the stub's failing checks are listed"
    for check in first.failing:
        page, _, anchor = check.link.partition("#")
        assert page == PHASE_ONE and anchor
        html = (built / "site" / page / "index.html").read_text()
        assert f'id="{anchor}"' in html, f"{check.id} links to a missing section: {check.link}"


def test_pages_carry_the_marker_and_nothing_escapes_the_site(built: Path) -> None:
    client = TestClient(create_app(load_course(built), built / "site"), follow_redirects=False)
    home = client.get("/")
    assert home.status_code == 200 and MARKER in home.text
    assert MARKER in client.get(f"/{PHASE_ONE}").text
    folder = client.get("/" + PHASE_ONE.rstrip("/"))
    assert folder.status_code == 307 and folder.headers["location"] == f"/{PHASE_ONE}"
    stylesheet = client.get("/assets/quiz.css")
    assert stylesheet.status_code == 200 and MARKER not in stylesheet.text
    for escape in ("/../course.toml", "/%2e%2e/course.toml", "/..%2fcourse.toml"):
        answer = client.get(escape)
        assert answer.status_code == 404, escape
        assert "[course]" not in answer.text
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and MARKER in missing.text


def test_the_site_is_rebuilt_only_when_its_sources_change(built: Path) -> None:
    assert not site_build.is_stale(built)
    stamp = built / "site" / site_build.STAMP
    now = time.time()
    os.utime(stamp, (now - 60, now - 60))
    os.utime(built / "docs" / "progress.md", (now - 30, now - 30))  # edited after the build
    assert site_build.is_stale(built)
    stamp.unlink()
    assert site_build.is_stale(built)  # a build cut off before its end
    site_build.build(built)
    assert not site_build.is_stale(built)


def test_a_dead_servers_address_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    (tmp_path / address.ADDRESS_FILE).write_text(
        json.dumps({"url": "http://127.0.0.1:1/", "pid": int(gone.stdout)})
    )
    assert address.served_url(tmp_path) is None
    with address.announced(tmp_path, "http://127.0.0.1:9/"):
        assert address.served_url(tmp_path) == "http://127.0.0.1:9/"
    assert not (tmp_path / address.ADDRESS_FILE).exists()


# --- the command ------------------------------------------------------------------------------


def test_readme_command_serves_a_fresh_clone(tmp_path: Path) -> None:
    """The README's first command ends in `grade serve`: on a fresh clone (no site yet) it
    builds the site and the home page answers."""
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.+?)\n```", readme, re.DOTALL)
    assert first is not None and first.group(1).strip().endswith("&& grade serve")
    clone = _fresh_clone(tmp_path / "clone")
    assert not (clone / "site").exists()
    # A port of our own (the default 8008 may be a learner's server on this machine).
    served = Served(clone, "--port", str(_free_port()))
    try:
        home = httpx.get(served.url, timeout=10, trust_env=False)
        assert home.status_code == 200
        assert "Production FastAPI" in home.text and MARKER in home.text
        assert (clone / "site" / site_build.STAMP).is_file()
        # While it runs, the grader's links point at it.
        graded = grade_cli("phase-1", cwd=clone)
        assert served.url + PHASE_ONE in graded.stdout
    finally:
        served.stop()
    assert served.process.returncode == 0
    assert not (clone / address.ADDRESS_FILE).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_taken_port_moves_to_a_free_one(built: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        served = Served(built, "--port", str(port))
        try:
            assert not served.url.endswith(f":{port}/")
            assert any("taken" in line for line in served.lines)
            assert httpx.get(served.url, timeout=10, trust_env=False).status_code == 200
        finally:
            served.stop()


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = course_copy_at(tmp_path / "course", 1)
    for name in ("mkdocs.yml", "docs", "docs_src", "course_site", "overrides"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    served = Served(root, "--port", str(_free_port()))
    try:
        yield root, served.url
    finally:
        served.stop()


def test_phase_page_shows_the_graders_status_and_follows_new_runs(
    browser: Browser, serving: tuple[Path, str]
) -> None:
    root, url = serving
    context = browser.new_context()
    page: Page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(url + PHASE_ONE)
    status = page.locator("#grade-status")
    expect(status).to_contain_text("Not graded yet")
    expect(status).to_contain_text("grade phase-1")

    assert grade_cli("phase-1", cwd=root).returncode == 1  # the untouched stub
    expect(status).to_contain_text("checks pass", timeout=15_000)
    total = len(load_course(root).phases[0].check_keys)
    assert re.search(rf"\d+ of {total} checks pass", status.inner_text())
    failing = status.locator("ul.grade-status__failing a")
    assert failing.count() >= 1
    first = failing.first.get_attribute("href") or ""
    assert "#" in first
    failing.first.click()
    page.wait_for_url(re.compile(re.escape(PHASE_ONE) + "#"))
    anchor = first.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1

    # The learner finishes the exercise: the same page, untouched, says so.
    shutil.rmtree(root / "exercises" / "phase-01")
    shutil.copytree(root / "solutions" / "phase-01", root / "exercises" / "phase-01")
    assert grade_cli("phase-1", cwd=root).returncode == 0
    expect(status).to_contain_text(f"All {total} checks pass", timeout=15_000)
    assert status.locator("ul.grade-status__failing").count() == 0

    page.goto(url)
    expect(page.locator("#grade-progress")).to_contain_text("Phase 1", timeout=10_000)
    expect(page.locator("#grade-progress li[data-phase='1']")).to_contain_text("All")

    # The quiz, answered right: with the exercise done, the navigation marks the phase, and
    # the progress page shows both; clearing the quiz answers takes the mark away.
    page.goto(url + PHASE_ONE)
    questions = _answer_right(page, root)
    nav_link = page.locator("nav.md-nav--primary a.md-nav__link[href$='01-hello-fastapi/']")
    page.goto(url + "progress/")
    row = page.locator("#course-progress tr[data-phase='1']")
    expect(row.locator(".course-progress__quiz")).to_contain_text(
        f"{questions} of {questions} right", timeout=10_000
    )
    expect(row.locator(".course-progress__exercise")).to_contain_text(
        f"{total} of {total} checks pass"
    )
    expect(nav_link.first.locator(".phase-done")).to_have_count(1)
    expect(
        page.locator("#course-progress tr[data-phase='2'] .course-progress__quiz")
    ).to_contain_text("not checked yet")
    page.get_by_role("button", name="Clear my quiz answers").click()
    expect(page.locator(".course-progress__said")).to_contain_text("Cleared the answers of 1 quiz")
    expect(row.locator(".course-progress__quiz")).to_contain_text("not checked yet")
    expect(nav_link.first.locator(".phase-done")).to_have_count(0)
    assert not errors
    context.close()


def _answer_right(page: Page, root: Path) -> int:
    """Answer every question of Phase 1's quiz right, check, and return how many there are."""
    from course_site.quiz import page_quiz

    source = (root / "docs" / "phases" / "01-hello-fastapi.md").read_text(encoding="utf-8")
    quiz = page_quiz(source)
    fieldsets = page.locator("form.quiz fieldset.quiz-question")
    expect(fieldsets).to_have_count(len(quiz))
    for fieldset, question in zip(fieldsets.all(), quiz, strict=True):
        if question.answer is None:  # predict the response, typed
            fieldset.locator("input").first.fill(str(question.status))
            continue
        right = question.answer if isinstance(question.answer, tuple) else (question.answer,)
        for index in right:
            fieldset.locator("input").nth(index).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("form.quiz .quiz-score")).to_contain_text(f"{len(quiz)} / {len(quiz)}")
    return len(quiz)
