import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def greet() -> dict[str, str]:
    return {"message": "Hello"}


# Only when this file is run as a script (`python server_on_import.py`), never on import.
if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=8000)
