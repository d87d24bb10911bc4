from typing import Any

from fastapi import FastAPI, HTTPException

app = FastAPI(title="Validation by hand (don't)")


@app.post("/books")
def create_book(payload: dict[str, Any]) -> dict[str, Any]:
    # Every rule is an `if`, every `if` can be forgotten, and none of it is in the docs.
    if "title" not in payload:
        raise HTTPException(status_code=400, detail="title is required")
    if not isinstance(payload.get("year"), int) or payload["year"] > 2100:
        return {"error": "bad year"}  # status 200: clients think it worked
    return payload  # whatever else the client sent goes straight through
