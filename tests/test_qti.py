"""`grade quizzes`: the QTI package holds every quiz as the site shows it, and reads back.

The package is read here with xml.etree alone (this file's own reader, not the writer's code)
and compared with what the site's parser makes of each lesson page's ```quiz block."""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import COURSE, ROOT, grade_cli

from course_site.quiz import Question, parse
from grader import qti
from grader.catalogue import Course, Phase

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
FENCE = re.compile(r"^```quiz\n(.*?)^```", re.DOTALL | re.MULTILINE)
PRE = re.compile(r"<p>([^<]*)</p><pre><code>(.*?)</code></pre>", re.DOTALL)


def markdown(fragment: str) -> str:
    """HTML the way the site writes inline Markdown, back to the Markdown it came from."""
    fragment = re.sub(r"</?code>", "`", fragment)
    fragment = re.sub(r"</?strong>", "**", fragment)
    assert "<" not in fragment, f"unexpected markup in {fragment!r}"
    return html.unescape(fragment)


@dataclass
class ReadItem:
    kind: str
    points: str
    text: str  # the question's own text, as Markdown
    shown: dict[str, str]  # labelled code blocks in the question ("The app:", "The request:")
    choices: list[tuple[str, str]]  # (ident, Markdown text)
    right: set[str]  # the idents (or, typed, the text) that score 100
    wrong: set[str] = field(default_factory=set)  # idents that must not be ticked
    feedback: dict[str, str] = field(default_factory=dict)  # linkrefid -> Markdown text
    shown_feedback: dict[str, str] = field(default_factory=dict)  # when -> linkrefid


def read_item(item: ET.Element) -> ReadItem:
    fields = {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") or ""
        for f in item.iter(f"{QTI}qtimetadatafield")
    }
    presentation = item.find(f"{QTI}presentation")
    assert presentation is not None
    mattext = presentation.find(f"{QTI}material/{QTI}mattext")
    assert mattext is not None and mattext.get("texttype") == "text/html"
    body = mattext.text or ""
    shown = {label: html.unescape(code) for label, code in PRE.findall(body)}
    first = re.match(r"<p>(.*?)</p>", body, re.DOTALL)
    assert first is not None
    choices = []
    for label in presentation.iter(f"{QTI}response_label"):
        text = label.findtext(f"{QTI}material/{QTI}mattext")
        if text is not None:
            choices.append((label.get("ident") or "", markdown(text)))
    read = ReadItem(
        kind=fields["question_type"],
        points=fields["points_possible"],
        text=markdown(first.group(1)),
        shown=shown,
        choices=choices,
        right=set(),
    )
    for condition in item.iter(f"{QTI}respcondition"):
        setvar = condition.find(f"{QTI}setvar")
        variable = condition.find(f"{QTI}conditionvar")
        assert variable is not None
        if setvar is not None:
            assert (setvar.get("varname"), setvar.text, condition.get("continue")) == (
                "SCORE",
                "100",
                "No",
            )
            negated = {e.text or "" for e in variable.iterfind(f".//{QTI}not/{QTI}varequal")}
            read.right = {e.text or "" for e in variable.iter(f"{QTI}varequal")} - negated
            read.wrong = negated
        shown_feedback = condition.find(f"{QTI}displayfeedback")
        if shown_feedback is not None:
            when = variable.find(f"{QTI}varequal")
            if when is None:  # only the general feedback is shown whatever the answer
                assert variable.find(f"{QTI}other") is not None
            key = "always" if when is None else when.text or ""
            read.shown_feedback[key] = shown_feedback.get("linkrefid") or ""
    for feedback in item.iterfind(f"{QTI}itemfeedback"):
        text = feedback.findtext(f"{QTI}flow_mat/{QTI}material/{QTI}mattext")
        read.feedback[feedback.get("ident") or ""] = markdown(text or "")
    return read


def read_package(data: bytes) -> tuple[ET.Element, dict[str, ET.Element]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        files = {name: ET.fromstring(archive.read(name)) for name in archive.namelist()}
    return files.pop("imsmanifest.xml"), files


def page_questions(phase: Phase) -> list[Question]:
    assert phase.page is not None
    blocks = FENCE.findall((ROOT / "docs" / phase.page).read_text(encoding="utf-8"))
    return [question for block in blocks for question in parse(block)]


def assert_item_matches(read: ReadItem, question: Question) -> None:
    assert read.points == "1.0"
    assert read.text == question.q.strip()
    texts = [text for _, text in read.choices]
    idents = [ident for ident, _ in read.choices]
    if question.kind == "status" and not question.choices:
        assert read.kind == "short_answer_question"
        assert read.choices == [] and read.right == {str(question.status)}
    else:
        assert texts == [choice.strip() for choice in question.choices]
        right = {idents[index] for index in question.right_choices}
        assert read.right == right
        if question.kind == "many":
            assert read.kind == "multiple_answers_question"
            assert read.wrong == set(idents) - right
        else:
            assert read.kind == "multiple_choice_question" and not read.wrong
        if question.kind == "status":
            # The right choice is the status code the request gets.
            assert [texts[idents.index(ident)] for ident in read.right] == [str(question.status)]
    # The request (and the app, when there is one) are in the question.
    assert read.shown.get("The request:") == question.request
    assert read.shown.get("The app:") == question.app
    # The explanation is the general feedback, always shown; each why is its choice's feedback.
    assert read.feedback[read.shown_feedback["always"]] == question.explain.strip()
    whys = question.why or ("",) * len(question.choices)
    for ident, why in zip(idents, whys, strict=True):
        if why.strip():
            assert read.feedback[read.shown_feedback[ident]] == why.strip()
        else:
            assert ident not in read.shown_feedback
    assert len(read.feedback) == 1 + sum(1 for why in whys if why.strip())


@pytest.fixture(scope="module")
def package() -> bytes:
    data, _ = qti.package(COURSE)
    return data


def test_every_phase_reads_back_question_by_question(package: bytes) -> None:
    _, assessments = read_package(package)
    kinds: set[str] = set()
    for phase in COURSE.ready_phases:
        tree = assessments[f"phase-{phase.number:02d}/phase-{phase.number:02d}.xml"]
        assert tree.tag == f"{QTI}questestinterop"
        test = tree.find(f"{QTI}assessment")
        assert test is not None and phase.title in (test.get("title") or "")
        items = list(tree.iter(f"{QTI}item"))
        questions = page_questions(phase)
        assert len(items) == len(questions) >= 6
        assert len({item.get("ident") for item in items}) == len(items)
        for item, question in zip(items, questions, strict=True):
            read = read_item(item)
            assert_item_matches(read, question)
            kinds.add(read.kind)
    assert kinds == {
        "multiple_choice_question",
        "multiple_answers_question",
        "short_answer_question",
    }


def test_the_manifest_lists_each_assessment_file(package: bytes) -> None:
    manifest, assessments = read_package(package)
    assert manifest.tag == f"{CP}manifest"
    resources = list(manifest.iter(f"{CP}resource"))
    assert {r.get("type") for r in resources} == {"imsqti_xmlv1p2"}
    listed = [file.get("href") for r in resources for file in r.iter(f"{CP}file")]
    assert listed == [f"phase-{p.number:02d}/phase-{p.number:02d}.xml" for p in COURSE.ready_phases]
    assert set(listed) == set(assessments)


def test_the_package_is_the_same_bytes_every_time(package: bytes, tmp_path: Path) -> None:
    assert qti.package(COURSE)[0] == package
    written = tmp_path / "quizzes.zip"
    run = grade_cli("quizzes", "--format", "qti", "-o", str(written), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"{len(COURSE.ready_phases)} quick checks" in run.stdout
    assert written.read_bytes() == package


HOSTILE = r"""
[
  {"q": "Is `a < b && c > d` or <script>alert(1)</script> **bold**?",
   "choices": ["`<b>` & \"quotes\"", "]]> and 'apostrophes'"], "answer": [0, 1],
   "why": ["<i>not markup</i>", ""],
   "explain": "Both: &amp; stays text, and `</code>` stays code."},
  {"q": "And this?", "request": "POST /books?a=1&b=<2>\n\n{\"t\": \"&\"}", "status": 201,
   "app": "x = '<&>'", "explain": "Created, with `<` & `>` kept as text."}
]
"""


def _course(root: Path, quiz: str) -> Course:
    (root / "docs" / "phases").mkdir(parents=True)
    (root / "docs" / "phases" / "01-x.md").write_text(f"# X\n\n```quiz\n{quiz}\n```\n")
    phase = Phase(number=1, slug="x", title="X & <Y>", status="ready", page="phases/01-x.md")
    return Course(root=root, title="T", site_url="", check_timeout=1.0, phases=(phase,))


def test_text_is_escaped_and_comes_back_exactly(tmp_path: Path) -> None:
    data, _ = qti.package(_course(tmp_path, HOSTILE))
    _, assessments = read_package(data)
    items = list(assessments["phase-01/phase-01.xml"].iter(f"{QTI}item"))
    for item, question in zip(items, parse(HOSTILE), strict=True):
        assert_item_matches(read_item(item), question)
    # The learner's angle brackets are text in the HTML, never elements.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = archive.read("phase-01/phase-01.xml").decode()
    assert "<script>" not in raw and "&lt;script&gt;" not in raw
    assert "&amp;lt;script&amp;gt;" in raw


def test_a_page_without_a_quiz_or_with_text_xml_cannot_hold_is_refused(tmp_path: Path) -> None:
    empty = _course(tmp_path / "a", "[]")
    (tmp_path / "a" / "docs" / "phases" / "01-x.md").write_text("# X\n\nNo quiz here.\n")
    with pytest.raises(qti.ExportError, match="no ```quiz block"):
        qti.package(empty)
    bad = '[{"q": "A\\u0001?", "choices": ["a", "b"], "answer": 0, "explain": "Because so."}]'
    with pytest.raises(qti.ExportError, match="XML cannot carry"):
        qti.package(_course(tmp_path / "c", bad))
