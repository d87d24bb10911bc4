"""The trap: a model-level validator's 422 repeats the whole body, password included."""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, model_validator


class SignUp(BaseModel):
    username: str
    password: str

    @model_validator(mode="before")
    @classmethod
    def no_blank_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(
            isinstance(value, str) and not value.strip() for value in data.values()
        ):
            raise ValueError("fields must not be blank")  # its `input` is the whole body
        return data


app = FastAPI(title="Echo trap")


@app.post("/users")
def sign_up(data: SignUp) -> dict[str, str]:
    return {"username": data.username}
