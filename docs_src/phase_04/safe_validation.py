"""A 422 that still says what is wrong, but never repeats what the client sent."""

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field


class SignUp(BaseModel):
    username: str = Field(min_length=3)
    email: EmailStr
    password: str = Field(min_length=8)


app = FastAPI()


# --8<-- [start:handler]
@app.exception_handler(RequestValidationError)
async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # Keep where (loc), what (msg) and which rule (type). Drop `input` and `ctx`:
    # either may hold the very value that was rejected, a password included.
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# --8<-- [end:handler]


@app.post("/signup", status_code=status.HTTP_201_CREATED)
def sign_up(data: SignUp) -> dict[str, str]:
    return {"username": data.username}
