import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books() -> list[dict[str, str]]:
    return []


uvicorn.run(app)
