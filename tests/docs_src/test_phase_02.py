"""The Phase 2 lesson's samples do what the lesson says they do."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from page_fragments import fragments_without_imports
from pydantic import Field, TypeAdapter, ValidationError

from docs_src.phase_02 import (
    body,
    by_hand,
    constraints,
    path_params,
    query_model,
    query_params,
    strict_lax,
    upstream,
)


def locs(response: object) -> list[list[object]]:
    return [error["loc"] for error in response.json()["detail"]]  # type: ignore[attr-defined]


def test_path_parameter_is_converted_bounded_and_404s_when_missing() -> None:
    client = TestClient(path_params.app)
    assert client.get("/books/2").json() == {"title": "Parable of the Sower"}
    for bad in ("abc", "2.5", "0", "-1"):
        response = client.get(f"/books/{bad}")
        assert response.status_code == 422, bad
        assert locs(response) == [["path", "book_id"]]
    missing = client.get("/books/99")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Book not found"}


def test_query_parameters_have_defaults_and_bounds() -> None:
    client = TestClient(query_params.app)
    assert client.get("/numbers").json() == list(range(1, 21))
    assert client.get("/numbers?limit=3&offset=10").json() == [11, 12, 13]
    assert client.get("/numbers?limit=2&even=true").json() == [2, 4]
    assert client.get("/numbers?limit=2&even=no").json() == [1, 3]
    assert len(client.get("/numbers?limit=100").json()) == 100
    too_many = client.get("/numbers?limit=101&offset=-1")
    assert too_many.status_code == 422
    assert locs(too_many) == [["query", "limit"], ["query", "offset"]]
    parameters = TestClient(query_params.app).get("/openapi.json").json()
    limit = parameters["paths"]["/numbers"]["get"]["parameters"][0]
    assert limit["name"] == "limit"
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


def test_query_model_validates_together_and_forbids_unknown_parameters() -> None:
    client = TestClient(query_model.app)
    assert len(client.get("/shelf").json()) == 3
    butler = client.get("/shelf", params={"author": "Octavia E. Butler", "limit": 1, "offset": 1})
    assert butler.json() == [{"title": "Dawn", "author": "Octavia E. Butler"}]
    typo = client.get("/shelf?limt=5")
    assert typo.status_code == 422
    assert typo.json()["detail"][0]["loc"] == ["query", "limt"]
    assert typo.json()["detail"][0]["type"] == "extra_forbidden"
    bad = client.get("/shelf?limit=0")
    assert bad.status_code == 422 and locs(bad) == [["query", "limit"]]
    schema = client.get("/openapi.json").json()
    names = [p["name"] for p in schema["paths"]["/shelf"]["get"]["parameters"]]
    assert names == ["limit", "offset", "author"]


def test_body_is_validated_and_the_422_has_the_documented_shape() -> None:
    client = TestClient(body.app)
    good = {"book_id": 3, "stars": 5, "text": "Loved it."}
    response = client.post("/reviews", json=good)
    assert response.status_code == 200
    assert response.json() == {**good, "spoilers": False}

    bad = client.post("/reviews", json={"book_id": 3, "stars": 6})
    assert bad.status_code == 422
    errors = bad.json()["detail"]
    assert [e["loc"] for e in errors] == [["body", "stars"], ["body", "text"]]
    assert [e["type"] for e in errors] == ["less_than_equal", "missing"]
    assert all(isinstance(e["msg"], str) for e in errors)
    assert errors[0]["input"] == 6 and errors[0]["ctx"] == {"le": 5}


def test_a_body_without_a_json_content_type_is_not_read_as_json() -> None:
    client = TestClient(body.app)
    sent = client.post(
        "/reviews",
        content=b'{"book_id": 3, "stars": 5, "text": "Loved it."}',
        headers={"content-type": "text/plain"},
    )
    assert sent.status_code == 422
    assert sent.json()["detail"][0]["loc"] == ["body"]


def test_content_type_strictness_is_a_setting_of_the_app_or_a_router() -> None:
    lenient = FastAPI(strict_content_type=False)
    lenient.add_api_route("/reviews", body.post_review, methods=["POST"])
    router = APIRouter(strict_content_type=False)
    router.add_api_route("/reviews", body.post_review, methods=["POST"])
    via_router = FastAPI()
    via_router.include_router(router)
    raw = b'{"book_id": 3, "stars": 5, "text": "Loved it."}'
    assert TestClient(body.app).post("/reviews", content=raw).status_code == 422
    for app in (lenient, via_router):
        client = TestClient(app)
        assert client.post("/reviews", content=raw).status_code == 200  # no Content-Type
        labelled = client.post("/reviews", content=raw, headers={"content-type": "text/plain"})
        assert labelled.status_code == 422  # still not JSON


def test_a_body_over_max_body_size_is_refused_with_413() -> None:
    client = TestClient(body.app)
    near = {"book_id": 3, "stars": 5, "text": "x" * 2000}
    assert client.post("/reviews", json=near).status_code == 200
    too_big = {"book_id": 3, "stars": 5, "text": "x" * (64 * 1024)}
    assert client.post("/reviews", json=too_big).status_code == 413
    # Without the setting there is no limit at all.
    unlimited = FastAPI()
    unlimited.add_api_route("/reviews", body.post_review, methods=["POST"])
    assert TestClient(unlimited).post("/reviews", json=too_big).status_code == 422  # too long
    # A route's own limit overrides the app's.
    roomy = FastAPI(max_body_size=1024)
    roomy.post("/reviews", max_body_size=128 * 1024)(body.post_review)
    huge_text = {"book_id": 3, "stars": 5, "text": "x" * 1500}
    assert TestClient(roomy).post("/reviews", json=huge_text).status_code == 200


def test_broken_json_is_a_422_too_with_its_own_type() -> None:
    sent = TestClient(body.app).post(
        "/reviews", content=b'{"book_id": 3,', headers={"content-type": "application/json"}
    )
    assert sent.status_code == 422
    assert sent.json()["detail"][0]["type"] == "json_invalid"


def test_data_from_elsewhere_is_parsed_and_validated_in_one_step() -> None:
    feed = (
        b'[{"isbn": "9780441478125", "stars": 5, "reviews": 12, "updated": "2024-05-01"},'
        b' {"isbn": "9780807083697", "stars": 4, "reviews": 0, "updated": "2024-06-30"}]'
    )
    ratings = upstream.read_feed(feed)
    assert [r.stars for r in ratings] == [5, 4]
    assert ratings[0].updated == date(2024, 5, 1)  # strict, and still a date from JSON text
    with pytest.raises(ValidationError) as bad:
        upstream.read_feed(
            b'[{"isbn": "9780441478125", "stars": "5", "reviews": 1, "updated": "2024-05-01"},'
            b' {"isbn": "978", "stars": 9, "reviews": 1}]'
        )
    assert {error["loc"] for error in bad.value.errors()} == {
        (0, "stars"),
        (1, "isbn"),
        (1, "stars"),
        (1, "updated"),
    }
    with pytest.raises(ValidationError) as broken:
        upstream.read_message(b'{"isbn": "9780441478125",')
    assert broken.value.errors()[0]["type"] == "json_invalid"
    message = '{"isbn": "9780441478125", "stars": 3, "reviews": 2, "updated": "2025-01-02"}'
    assert upstream.read_message(message).reviews == 2


def test_field_constraints_and_annotated_types_enforce_the_same_rules() -> None:
    for model in (constraints.BookWithFields, constraints.BookWithTypes):
        assert model(title="Kindred", year=1979).isbn is None
        for bad in ({"title": "", "year": 1979}, {"title": "K", "year": 1300}):
            with pytest.raises(ValidationError):
                model(**bad)
        with pytest.raises(ValidationError):
            model(title="Kindred", year=1979, isbn="978-0807083697")
    # "Both enforce exactly the same rules and produce the same JSON Schema."
    with_fields = constraints.BookWithFields.model_json_schema()["properties"]
    assert with_fields == constraints.BookWithTypes.model_json_schema()["properties"]
    with pytest.raises(ValidationError):
        constraints.Edition(book_title="x" * 201, year=2001)


def test_a_pattern_is_searched_for_so_anchors_matter() -> None:
    # The lesson's warning: an unanchored pattern accepts any value that contains a match.
    unanchored = TypeAdapter(Annotated[str, Field(pattern=r"\d{13}")])
    assert unanchored.validate_python("97804414781250") == "97804414781250"
    assert unanchored.validate_python("ISBN 9780441478125") == "ISBN 9780441478125"
    for model in (constraints.BookWithFields, constraints.BookWithTypes):
        for bad in ("97804414781250", "ISBN 9780441478125"):
            with pytest.raises(ValidationError):
                model(title="Kindred", year=1979, isbn=bad)


def test_backslash_d_matches_any_unicode_digit_and_0_to_9_does_not() -> None:
    # The lesson's reason to spell out [0-9].
    arabic_indic = "٩٧٨٠٤٤١٤٧٨١٢٥"
    assert TypeAdapter(Annotated[str, Field(pattern=r"^\d{13}$")]).validate_python(arabic_indic)
    for model in (constraints.BookWithFields, constraints.BookWithTypes):
        with pytest.raises(ValidationError):
            model(title="Kindred", year=1979, isbn=arabic_indic)


def test_lax_converts_and_strict_refuses() -> None:
    client = TestClient(strict_lax.app)
    sent = {"quantity": "3", "gift": "yes"}
    assert client.post("/orders/lax", json=sent).json() == {"quantity": 3, "gift": True}
    refused = client.post("/orders/strict", json=sent)
    assert refused.status_code == 422
    assert locs(refused) == [["body", "quantity"], ["body", "gift"]]
    assert client.post("/orders/strict", json={"quantity": 3, "gift": True}).status_code == 200
    mixed = client.post("/orders/mixed", json={"quantity": "3", "gift": True, "note": "hi"})
    assert locs(mixed) == [["body", "quantity"]]
    # Lax refuses what cannot be converted without losing information, too.
    assert client.post("/orders/lax", json={"quantity": 2.5}).status_code == 422
    assert client.post("/orders/lax", json={"quantity": 2.0}).json()["quantity"] == 2
    # The rest of the lesson's table: lax turns `true` into 1 for an int; strict refuses it,
    # and neither turns a number into a string.
    assert client.post("/orders/lax", json={"quantity": True}).json()["quantity"] == 1
    assert client.post("/orders/strict", json={"quantity": True}).status_code == 422
    with pytest.raises(ValidationError):
        TypeAdapter(str).validate_python(3)


def test_strict_in_a_fastapi_body_is_python_strict() -> None:
    # FastAPI decodes the JSON first and validates the Python values: a strict date field
    # refuses "2024-05-01", although Pydantic's own JSON parsing would accept it.
    client = TestClient(strict_lax.app)
    sent = {"name": "Launch", "day": "2024-05-01"}
    assert strict_lax.Event.model_validate_json(json.dumps(sent)).day == date(2024, 5, 1)
    refused = client.post("/events", json=sent)
    assert refused.status_code == 422
    assert locs(refused) == [["body", "day"]]
    accepted = client.post("/events/friendlier", json=sent)
    assert accepted.status_code == 200 and accepted.json() == sent
    assert locs(client.post("/events/friendlier", json={**sent, "name": 7})) == [["body", "name"]]


def test_validation_by_hand_lets_bad_data_through() -> None:
    client = TestClient(by_hand.app)
    assert client.post("/books", json={"year": 1999}).status_code == 400
    wrong = client.post("/books", json={"title": "T", "year": "1999"})
    assert wrong.status_code == 200 and wrong.json() == {"error": "bad year"}
    leaked = client.post("/books", json={"title": "", "year": -5, "id": 42, "admin": True})
    assert leaked.status_code == 200
    assert leaked.json() == {"title": "", "year": -5, "id": 42, "admin": True}
    body_schema = client.get("/openapi.json").json()["paths"]["/books"]["post"]["requestBody"]
    assert "properties" not in body_schema["content"]["application/json"]["schema"]


def test_every_fragment_on_the_page_shows_its_imports() -> None:
    assert fragments_without_imports("02-requests-from-type-hints.md") == []
