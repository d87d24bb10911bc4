"""Wrong: a server started in a thread at import time; the import returns, the server runs on."""

import threading

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books() -> list[dict[str, str]]:
    return []


threading.Thread(target=uvicorn.run, args=(app,), kwargs={"port": 8765}, daemon=True).start()
