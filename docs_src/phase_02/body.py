from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI(title="A request body", max_body_size=64 * 1024)  # larger bodies: 413


class ReviewCreate(BaseModel):
    book_id: int = Field(ge=1)
    stars: int = Field(ge=1, le=5)
    text: str = Field(min_length=1, max_length=2000)
    spoilers: bool = False


@app.post("/reviews")
def post_review(review: ReviewCreate) -> ReviewCreate:
    # `review` is a validated ReviewCreate: stars is an int from 1 to 5, text is 1..2000 chars.
    return review
