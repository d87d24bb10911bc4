"""A 422 that still says what is wrong, but never repeats what the client sent."""

# --8<-- [start:imports]
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field, field_validator

# --8<-- [end:imports]


# --8<-- [start:model]
class SignUp(BaseModel):
    username: str = Field(min_length=3)
    email: EmailStr
    password: str = Field(min_length=8)

    @field_validator("password")
    @classmethod
    def not_only_whitespace(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be only whitespace")  # the rule, never the value
        return value


app = FastAPI()


# --8<-- [end:model]


# --8<-- [start:handler]
def json_safe(value: Any) -> Any:
    """`ctx` can hold the exception a validator raised: keep its words, not the object."""
    return value if isinstance(value, str | int | float | bool | None) else str(value)


@app.exception_handler(RequestValidationError)
async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # Keep what describes the rule: where (loc), which rule (type), in words (msg), and the
    # rule's parameters (ctx). Drop `input`: the rejected value, or the whole body.
    errors = []
    for error in exc.errors():
        kept = {key: error[key] for key in ("type", "loc", "msg")}
        if "ctx" in error:
            kept["ctx"] = {key: json_safe(value) for key, value in error["ctx"].items()}
        errors.append(kept)
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# --8<-- [end:handler]


@app.post("/signup", status_code=status.HTTP_201_CREATED)
def sign_up(data: SignUp) -> dict[str, str]:
    return {"username": data.username}
