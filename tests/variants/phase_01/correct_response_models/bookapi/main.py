from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class BookOut(BaseModel):
    title: str


app = FastAPI()


@app.get("/health", response_model=Health)
def health() -> Health:
    return Health()


@app.get("/books", response_model=list[BookOut])
def list_books() -> list[BookOut]:
    return []
