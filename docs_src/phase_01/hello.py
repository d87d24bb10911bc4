from fastapi import FastAPI

app = FastAPI(title="Hello")


@app.get("/")
def greet() -> dict[str, str]:
    return {"message": "Hello, FastAPI"}


@app.get("/shelves/{shelf}")
def read_shelf(shelf: int) -> dict[str, int]:
    # The type hint does the work: "/shelves/3" gives 3, "/shelves/three" gives a 422.
    return {"shelf": shelf}
