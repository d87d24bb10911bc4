"""One model for everything: what goes in is what is stored is what comes out."""

from fastapi import FastAPI
from pydantic import BaseModel


class User(BaseModel):
    id: int | None = None
    username: str
    email: str
    password: str


app = FastAPI(title="Leaky")
users: dict[int, User] = {}


@app.post("/users")
def sign_up(user: User) -> User:
    if user.id is None:
        user.id = len(users) + 1
    users[user.id] = user  # stored as sent: the password in plain text
    return user  # ...and sent straight back
