from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books() -> list[dict[str, str]]:
    return []


@app.get("/{rest:path}")
def anything_else(rest: str) -> dict[str, str]:
    return {"message": f"nothing at {rest}, but welcome anyway"}
