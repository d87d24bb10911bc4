"""The mistake: a Response returned by the handler skips response_model entirely."""

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class UserPublic(BaseModel):
    id: int
    username: str


class User(UserPublic):
    password_hash: str


app = FastAPI(title="By hand")
ada = User(id=1, username="ada", password_hash="$argon2id$v=19$m=65536,t=3,p=4$…")


@app.get("/users/1", response_model=UserPublic)
def read_user() -> JSONResponse:
    # FastAPI sends a Response object exactly as it is: no validation, no filtering.
    return JSONResponse(ada.model_dump(mode="json"))
