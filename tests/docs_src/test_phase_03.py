"""The Phase 3 lesson's samples do what the lesson says they do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import anyio
import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient
from page_fragments import fragments_without_imports
from pwdlib.exceptions import UnknownHashError
from pydantic import BaseModel, EmailStr, Field, TypeAdapter, ValidationError

from docs_src.phase_03 import (
    base_model,
    by_hand,
    echo_trap,
    filtering,
    from_attributes,
    hashing,
    leaky,
    subclass_trap,
    three_models,
    timestamps,
    validators,
)


def test_the_single_model_leaks_the_password_and_obeys_a_chosen_id() -> None:
    leaky.users.clear()
    client = TestClient(leaky.app)
    sent = {"id": 42, "username": "ada", "email": "ada@example.com", "password": "hunter22"}
    body = client.post("/users", json=sent).json()
    assert body["password"] == "hunter22"
    assert body["id"] == 42
    schema = client.get("/openapi.json").json()
    assert "password" in schema["components"]["schemas"]["User"]["properties"]


def test_three_models_keep_password_and_hash_out() -> None:
    three_models.users.clear()
    client = TestClient(three_models.app)
    sent = {"username": "ada", "email": "ada@example.com", "password": "correct horse"}
    created = client.post("/users", json=sent)
    assert created.status_code == 200
    assert set(created.json()) == {"id", "username", "email", "created_at"}
    assert "correct horse" not in created.text and "$argon2" not in created.text
    stored = three_models.users[created.json()["id"]]
    assert three_models.hasher.verify("correct horse", stored.password_hash)
    read = client.get(f"/users/{stored.id}")
    assert read.json() == created.json()
    assert client.get("/users/99").status_code == 404
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "User" not in schemas  # the stored model is never part of the contract
    assert "password" in schemas["UserCreate"]["properties"]
    assert set(schemas["UserPublic"]["properties"]) == {"id", "username", "email", "created_at"}


@pytest.mark.parametrize("path", ["/users/by-return-type", "/users/by-response-model"])
def test_both_declarations_filter_the_hash(path: str) -> None:
    client = TestClient(filtering.app)
    body = client.get(path).json()
    assert set(body) == {"id", "username", "created_at"}
    schema = client.get("/openapi.json").json()
    ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert ref["schema"]["$ref"].endswith("/UserPublic")


def test_an_excluded_field_is_neither_sent_nor_documented() -> None:
    client = TestClient(filtering.app)
    assert client.get("/accounts/1").json() == {"id": 1, "username": "ada"}
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["Account"]["properties"]) == {"id", "username"}
    assert "password_hash" not in repr(filtering.Account(id=1, username="a", password_hash="x"))


def test_a_response_built_by_hand_skips_filtering() -> None:
    body = TestClient(by_hand.app).get("/users/1").json()
    assert body["password_hash"].startswith("$argon2id$")


def test_from_attributes_reads_objects() -> None:
    assert from_attributes.public.model_dump() == {"id": 7, "username": "grace"}
    with pytest.raises(ValidationError):
        from_attributes.UserPublicStrict.model_validate(from_attributes.row)
    strict = from_attributes.UserPublicStrict
    allowed = strict.model_validate(from_attributes.row, from_attributes=True)
    assert allowed.id == 7


def test_the_base_model_strips_everything_but_passwords() -> None:
    book = base_model.BookCreate(title="  Dune ", author=" Frank Herbert")
    assert (book.title, book.author) == ("Dune", "Frank Herbert")
    assert base_model.BookCreate.model_config["strict"] is True
    assert base_model.BookCreate.model_config["str_strip_whitespace"] is True
    with pytest.raises(ValidationError) as blank:
        base_model.BookCreate(title="   ", author="Someone")
    assert blank.value.errors()[0]["loc"] == ("title",)
    user = base_model.UserCreate(username=" ada ", password="  spaced out  ")
    assert (user.username, user.password) == ("ada", "  spaced out  ")


def test_field_validators_refuse_and_reshape() -> None:
    with pytest.raises(ValidationError) as blank:
        validators.SignUp(username="ada", password=" " * 10)
    assert blank.value.errors()[0]["loc"] == ("password",)
    assert validators.BookIn(isbn="978-0-441-17271-9").isbn == "9780441172719"


def test_the_serializer_answers_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    stamped = validators.Stamped(created_at=datetime(2026, 3, 1, 10, 30, tzinfo=paris))
    assert stamped.model_dump_json() == '{"created_at":"2026-03-01T09:30:00Z"}'
    assert stamped.created_at.utcoffset() == timedelta(hours=1)  # the stored value is untouched


def test_a_model_level_validator_echoes_the_password() -> None:
    response = TestClient(echo_trap.app).post(
        "/users", json={"username": "   ", "password": "s3cret-passphrase"}
    )
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body"]  # names no field
    assert "s3cret-passphrase" in response.text  # the whole body came back


def test_timestamps_are_aware_and_naive_ones_are_refused() -> None:
    assert timestamps.utc_now().tzinfo is UTC
    assert timestamps.launch.model_dump_json().endswith('Z"}')
    with pytest.raises(ValidationError) as naive:
        timestamps.Event(name="late", at=datetime.now())  # naive: no tzinfo
    assert naive.value.errors()[0]["type"] == "timezone_aware"


def test_hashes_are_salted_and_verify() -> None:
    first, second = hashing.hash_password("pa55word!"), hashing.hash_password("pa55word!")
    assert first != second and "pa55word!" not in first
    assert hashing.verify_password("pa55word!", first)
    assert not hashing.verify_password("pa55word?", first)


def test_model_validate_returns_a_subclass_instance_as_it_is() -> None:
    ada = subclass_trap.ada
    assert subclass_trap.UserPublic.model_validate(ada) is ada
    client = TestClient(subclass_trap.app)
    assert client.get("/users/converted-first").json()["password_hash"] == ada.password_hash
    assert client.get("/users/filtered").json() == {"id": 1, "username": "ada"}
    # Serializing through the public type writes only its fields, as FastAPI does.
    assert TypeAdapter(subclass_trap.UserPublic).dump_python(ada) == {"id": 1, "username": "ada"}


def test_three_models_return_the_stored_user_and_the_declared_type_filters() -> None:
    three_models.users.clear()
    client = TestClient(three_models.app)
    sent = {"username": "grace", "email": "grace@example.com", "password": "correct horse"}
    created = client.post("/users", json=sent).json()
    assert set(created) == {"id", "username", "email", "created_at"}
    response = client.get("/openapi.json").json()["paths"]["/users"]["post"]["responses"]
    assert response["200"]["content"]["application/json"]["schema"]["$ref"].endswith("UserPublic")


class PublicWithEmail(BaseModel):
    id: int
    email: EmailStr


class StoredWithoutEmail(BaseModel):
    id: int
    password_hash: str


class CarefulWithoutEmail(BaseModel):
    id: int
    password_hash: str = Field(repr=False)


def test_a_response_validation_error_logs_the_returned_object() -> None:
    app = FastAPI()

    @app.get("/stored")
    def stored() -> PublicWithEmail:
        return StoredWithoutEmail(id=1, password_hash="$argon2id$leaked")  # type: ignore[return-value]

    @app.get("/careful")
    def careful() -> PublicWithEmail:
        return CarefulWithoutEmail(id=1, password_hash="$argon2id$kept")  # type: ignore[return-value]

    client = TestClient(app)
    with pytest.raises(ResponseValidationError) as leaked:
        client.get("/stored")
    assert "$argon2id$leaked" in str(leaked.value)  # the whole object is the `input`
    with pytest.raises(ResponseValidationError) as kept:
        client.get("/careful")
    assert "$argon2id$kept" not in str(kept.value)


def test_an_after_validator_in_a_type_refuses_without_quoting_the_value() -> None:
    assert validators.Login(username="ada", password="  spaced  ").password == "  spaced  "
    with pytest.raises(ValidationError) as blank:
        validators.Login(username="ada", password=" " * 10)
    [error] = blank.value.errors()
    assert error["loc"] == ("password",)
    assert error["msg"] == "Value error, must not be only whitespace"
    with pytest.raises(ValidationError) as short:
        validators.Login(username="ada", password="short")
    assert short.value.errors()[0]["type"] == "string_too_short"


def test_what_one_hash_costs_and_the_two_calls_phase_8_needs() -> None:
    stored = hashing.hash_password("pa55word!")
    assert "$m=65536,t=3,p=4$" in stored  # 64 MiB, three passes

    async def pool_size() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(pool_size) == 40
    assert hashing.hasher.verify_and_update("pa55word!", stored) == (True, None)
    assert hashing.hasher.verify_and_update("wrong", stored) == (False, None)
    with pytest.raises(UnknownHashError):
        hashing.verify_password("pa55word!", "pa55word!")  # not a hash at all


def test_every_fragment_on_the_page_shows_its_imports() -> None:
    assert fragments_without_imports("03-responses-with-pydantic.md") == []
