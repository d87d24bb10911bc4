"""Every phase's quick check as IMS QTI 1.2, in the dialect Canvas imports and exports, packed as
an IMS content package: `imsmanifest.xml` and one assessment per phase, `phase-NN/phase-NN.xml`.
(Other LMSs differ in what they import: Moodle's own importers, for one, read no QTI.)

The questions come from the lesson pages through the site's own quiz parser
(`course_site.quiz.page_quiz`), so the export holds what learners see:

- a single-answer question is a `multiple_choice_question`, a multi-answer one a
  `multiple_answers_question` (right only when exactly the right choices are ticked);
- "predict the response" shows the app snippet and the request in the question's text; with
  `choices` it is a `multiple_choice_question` over the status codes, without them a
  `short_answer_question` whose answer is the status code, e.g. `201`;
- the explanation is the general feedback (`general_fb`), and each choice's `why`, when it has
  one, is that choice's feedback (`<choice ident>_fb`).

Text goes in as HTML (`texttype="text/html"`): escaped, with `code` and **bold** kept as <code> and
<strong>, as the site renders them. Every question is worth one point. The package is the same,
byte for byte, every time it is made from the same pages.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from course_site.quiz import Question, inline, page_quiz
from grader.catalogue import Course, Phase

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_SCHEMA = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
# The content-package namespace of Canvas's own QTI exports.
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
MANIFEST_SCHEMA = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_v1p2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
RESOURCE_TYPE = "imsqti_xmlv1p2"

SINGLE = "multiple_choice_question"
MULTIPLE = "multiple_answers_question"
TYPED = "short_answer_question"

RESPONSE = "response1"
GENERAL_FEEDBACK = "general_fb"
POINTS = "1.0"

# Zip entries carry this date, so that the same pages make the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportError(ValueError):
    """A page whose quiz cannot be exported; the message names the page and the problem."""


@dataclass(frozen=True)
class Assessment:
    """One phase's quick check, ready to write."""

    ident: str
    title: str
    questions: tuple[Question, ...]

    @property
    def href(self) -> str:
        return f"{self.ident}/{self.ident}.xml"


def assessments(course: Course) -> list[Assessment]:
    """Every ready phase's quick check, in the catalogue's order."""
    return [_assessment(course, phase) for phase in course.ready_phases]


def _assessment(course: Course, phase: Phase) -> Assessment:
    if phase.page is None:
        raise ExportError(f"Phase {phase.number} has no lesson page in the catalogue")
    page = course.root / "docs" / phase.page
    try:
        questions = page_quiz(page.read_text(encoding="utf-8"))
    except OSError as error:
        raise ExportError(f"cannot read {page}: {error.strerror}") from error
    except ValueError as error:
        raise ExportError(f"{page}: {error}") from error
    return Assessment(
        ident=f"phase-{phase.number:02d}",
        title=f"Phase {phase.number} quick check: {phase.title}",
        questions=tuple(questions),
    )


def _text(text: str) -> str:
    if _NOT_XML.search(text):
        raise ExportError(f"a quiz text holds a character XML cannot carry: {text[:60]!r}")
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = _text(text)
    return element


def _material(parent: ET.Element, html_text: str) -> None:
    material = _sub(parent, "material")
    _sub(material, "mattext", html_text, texttype="text/html")


def _code_block(label: str, code: str) -> str:
    return f"<p>{label}</p><pre><code>{html.escape(code, quote=False)}</code></pre>"


def question_html(question: Question) -> str:
    """The question's text as HTML: the question, then the app and the request it shows."""
    parts = [f"<p>{inline(question.q)}</p>"]
    if question.app is not None:
        parts.append(_code_block("The app:", question.app))
    if question.request is not None:
        parts.append(_code_block("The request:", question.request))
    if question.kind == "many":
        parts.append("<p>Choose all that apply.</p>")
    elif question.kind == "status" and not question.choices:
        parts.append("<p>Answer with the status code, three digits.</p>")
    return "".join(parts)


def question_type(question: Question) -> str:
    if question.kind == "many":
        return MULTIPLE
    return SINGLE if question.choices else TYPED


def _metadata(item: ET.Element, fields: list[tuple[str, str]]) -> None:
    metadata = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields:
        field = _sub(metadata, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _condition(
    parent: ET.Element, *, go_on: bool, score: bool = False, feedback: str | None = None
) -> ET.Element:
    """A respcondition; returns its conditionvar for the caller to fill."""
    condition = _sub(parent, "respcondition", **{"continue": "Yes" if go_on else "No"})
    variable = _sub(condition, "conditionvar")
    if score:
        _sub(condition, "setvar", "100", action="Set", varname="SCORE")
    if feedback is not None:
        _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=feedback)
    return variable


def _feedback(item: ET.Element, ident: str, html_text: str) -> None:
    flow = _sub(_sub(item, "itemfeedback", ident=ident), "flow_mat")
    _material(flow, html_text)


def item(ident: str, number: int, question: Question) -> ET.Element:
    """One question as a QTI 1.2 <item>, in Canvas's dialect."""
    kind = question_type(question)
    choice_ids = [f"{ident}-a{index + 1}" for index in range(len(question.choices))]
    element = ET.Element("item", {"ident": ident, "title": f"Question {number}"})
    fields = [("question_type", kind), ("points_possible", POINTS)]
    if choice_ids:
        fields.append(("original_answer_ids", ",".join(choice_ids)))
    _metadata(element, fields)

    presentation = _sub(element, "presentation")
    _material(presentation, question_html(question))
    if kind == TYPED:
        response = _sub(presentation, "response_str", ident=RESPONSE, rcardinality="Single")
        _sub(_sub(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    else:
        cardinality = "Multiple" if kind == MULTIPLE else "Single"
        response = _sub(presentation, "response_lid", ident=RESPONSE, rcardinality=cardinality)
        render = _sub(response, "render_choice")
        for choice_id, choice in zip(choice_ids, question.choices, strict=True):
            _material(_sub(render, "response_label", ident=choice_id), inline(choice))

    processing = _sub(element, "resprocessing")
    _sub(
        _sub(processing, "outcomes"),
        "decvar",
        maxvalue="100",
        minvalue="0",
        varname="SCORE",
        vartype="Decimal",
    )
    _sub(_condition(processing, go_on=True, feedback=GENERAL_FEEDBACK), "other")
    whys = question.why or ("",) * len(question.choices)
    for choice_id, why in zip(choice_ids, whys, strict=True):
        if why.strip():
            variable = _condition(processing, go_on=True, feedback=f"{choice_id}_fb")
            _sub(variable, "varequal", choice_id, respident=RESPONSE)
    right = _condition(processing, go_on=False, score=True)
    if kind == TYPED:
        _sub(right, "varequal", str(question.status), respident=RESPONSE)
    elif kind == SINGLE:
        _sub(right, "varequal", choice_ids[question.right_choices[0]], respident=RESPONSE)
    else:
        every = _sub(right, "and")
        for index, choice_id in enumerate(choice_ids):
            if index in question.right_choices:
                _sub(every, "varequal", choice_id, respident=RESPONSE)
            else:
                _sub(_sub(every, "not"), "varequal", choice_id, respident=RESPONSE)

    _feedback(element, GENERAL_FEEDBACK, inline(question.explain))
    for choice_id, why in zip(choice_ids, whys, strict=True):
        if why.strip():
            _feedback(element, f"{choice_id}_fb", inline(why))
    return element


def assessment_xml(assessment: Assessment) -> bytes:
    root = ET.Element(
        "questestinterop",
        {
            "xmlns": QTI_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{QTI_NS} {QTI_SCHEMA}",
        },
    )
    test = _sub(root, "assessment", ident=assessment.ident, title=_text(assessment.title))
    section = _sub(test, "section", ident="root_section")
    for number, question in enumerate(assessment.questions, start=1):
        section.append(item(f"{assessment.ident}-q{number:02d}", number, question))
    return _serialise(root)


def manifest_xml(identifier: str, title: str, tests: list[Assessment]) -> bytes:
    """The package's manifest: one QTI resource per assessment file."""
    root = ET.Element(
        "manifest",
        {
            "identifier": identifier,
            "xmlns": MANIFEST_NS,
            "xmlns:imsmd": IMSMD_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{MANIFEST_NS} {MANIFEST_SCHEMA}",
        },
    )
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    general = _sub(_sub(metadata, "imsmd:lom"), "imsmd:general")
    _sub(_sub(general, "imsmd:title"), "imsmd:string", title)
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for test in tests:
        resource = _sub(
            resources, "resource", identifier=test.ident, type=RESOURCE_TYPE, href=test.href
        )
        _sub(resource, "file", href=test.href)
    return _serialise(root)


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def package(course: Course) -> tuple[bytes, list[Assessment]]:
    """The zip's bytes, and the assessments it holds."""
    tests = assessments(course)
    title = f"{course.title}: quick checks"
    files = {"imsmanifest.xml": manifest_xml("quick-checks", title, tests)}
    for test in tests:
        files[test.href] = assessment_xml(test)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue(), tests


def write(course: Course, output: Path) -> list[Assessment]:
    data, tests = package(course)
    output.write_bytes(data)
    return tests
