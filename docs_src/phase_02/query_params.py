from typing import Annotated

from fastapi import FastAPI, Query

app = FastAPI(title="Query parameters")

NUMBERS = list(range(1, 501))


@app.get("/numbers")
def list_numbers(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    even: bool | None = None,
) -> list[int]:
    chosen = NUMBERS if even is None else [n for n in NUMBERS if (n % 2 == 0) == even]
    return chosen[offset : offset + limit]
