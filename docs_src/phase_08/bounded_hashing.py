"""At most four password hashes at once: a burst of logins waits its turn instead of asking
for 64 MiB of memory per request all at the same moment."""

from collections.abc import AsyncIterator
from functools import cache

from fastapi import Depends, FastAPI, HTTPException, status
from pwdlib import PasswordHash
from pydantic import BaseModel

password_hash = PasswordHash.recommended()

app = FastAPI()
USERS: dict[str, str] = {}  # username -> hash: the sample's store


@cache
def dummy_hash() -> str:
    return password_hash.hash("nobody's password")


class Credentials(BaseModel):
    username: str
    password: str


# --8<-- [start:slot]
MAX_HASHES = 4


async def hashing_slot() -> AsyncIterator[None]:
    """Holds nothing: FastAPI counts the calls that have not yet finished, so a request holds
    one of the slots from here until the code after `yield` has run."""
    yield


# One `Depends` object, shared by every route that hashes: they all draw on the same four
# slots. (Two `Depends(hashing_slot, max_concurrency=4)` would be two limits of four.)
# scope="function": the slot is handed back as soon as the handler returns, before the
# response is sent.
HashingSlot = Depends(hashing_slot, max_concurrency=MAX_HASHES, scope="function")


@app.post("/users", status_code=status.HTTP_201_CREATED, dependencies=[HashingSlot])
def sign_up(credentials: Credentials) -> dict[str, str]:
    # A plain `def`: FastAPI runs it in a worker thread, and the event loop stays free.
    USERS[credentials.username] = password_hash.hash(credentials.password)
    return {"username": credentials.username}


@app.post("/login", dependencies=[HashingSlot])
def log_in(credentials: Credentials) -> dict[str, bool]:
    stored = USERS.get(credentials.username)
    matches = password_hash.verify(credentials.password, stored or dummy_hash())
    if stored is None or not matches:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Incorrect username or password")
    return {"ok": True}


# --8<-- [end:slot]
