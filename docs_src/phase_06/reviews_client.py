"""One HTTP client for the whole run of the app: made in the lifespan, closed at shutdown,
handed to routes by a dependency. Every failure of the other service becomes a clear answer."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ValidationError

# In the Book API, the address and the timeout are settings (Phase 5), read in the lifespan.
REVIEWS_URL = "http://127.0.0.1:8002"
TIMEOUT = 2.0


class Reviews(BaseModel):
    """What the reviews service answers for one ISBN."""

    isbn: str
    stars: float
    count: int


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with httpx2.AsyncClient(base_url=REVIEWS_URL, timeout=TIMEOUT) as client:
        app.state.reviews_client = client
        yield
    # Leaving the `async with` block closed the client, and every connection it kept open.


app = FastAPI(lifespan=lifespan)


def get_reviews_client(request: Request) -> httpx2.AsyncClient:
    return request.app.state.reviews_client


ReviewsClientDep = Annotated[httpx2.AsyncClient, Depends(get_reviews_client)]
# --8<-- [end:lifespan]


# --8<-- [start:route]
@app.get("/books/{isbn}/reviews")
async def book_reviews(isbn: str, client: ReviewsClientDep) -> Reviews:
    try:
        response = await client.get(f"/reviews/{isbn}")
    except httpx2.HTTPError as error:  # refused, timed out, cut off halfway
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "The reviews service is down") from error
    if response.status_code == status.HTTP_404_NOT_FOUND:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No reviews for ISBN {isbn}")
    if response.is_error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "The reviews service failed")
    try:
        return Reviews.model_validate_json(response.content)
    except ValidationError as error:  # another service's answer is input like any other
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "The reviews service failed") from error


# --8<-- [end:route]
