"""Status codes that tell the truth: 201 for a creation, 204 for a deletion, 404 for a miss."""

# --8<-- [start:imports]
from itertools import count

from fastapi import FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel

# --8<-- [end:imports]

app = FastAPI()
shelves: dict[int, str] = {}
next_id = count(1)


class ShelfCreate(BaseModel):
    label: str


class Shelf(ShelfCreate):
    id: int


# --8<-- [start:created]
@app.post("/shelves", status_code=status.HTTP_201_CREATED)
def create_shelf(data: ShelfCreate, request: Request, response: Response) -> Shelf:
    shelf_id = next(next_id)
    shelves[shelf_id] = data.label
    # Where the new resource lives. The body is still the returned Shelf.
    response.headers["Location"] = str(request.url_for("read_shelf", shelf_id=shelf_id))
    return Shelf(id=shelf_id, label=data.label)


@app.get("/shelves/{shelf_id}")
def read_shelf(shelf_id: int) -> Shelf:
    if shelf_id not in shelves:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="No such shelf")
    return Shelf(id=shelf_id, label=shelves[shelf_id])


# --8<-- [end:created]


# --8<-- [start:deleted]
@app.delete("/shelves/{shelf_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_shelf(shelf_id: int) -> None:
    if shelves.pop(shelf_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="No such shelf")


# --8<-- [end:deleted]
