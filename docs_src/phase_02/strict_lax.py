# --8<-- [start:imports]
from datetime import date
from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, Strict

# --8<-- [end:imports]

app = FastAPI(title="Strict and lax")


# --8<-- [start:models]
class LaxOrder(BaseModel):
    quantity: int
    gift: bool = False


class StrictOrder(BaseModel):
    model_config = ConfigDict(strict=True)  # every field strict

    quantity: int
    gift: bool = False


class MixedOrder(BaseModel):
    quantity: int = Field(strict=True)  # just this field strict
    gift: Annotated[bool, Strict()] = False  # the same idea, written as a type
    note: str = ""


# --8<-- [end:models]


@app.post("/orders/lax")
def lax(order: LaxOrder) -> LaxOrder:
    return order


@app.post("/orders/strict")
def strict(order: StrictOrder) -> StrictOrder:
    return order


@app.post("/orders/mixed")
def mixed(order: MixedOrder) -> MixedOrder:
    return order


# --8<-- [start:dates]
class Event(BaseModel):
    model_config = ConfigDict(strict=True)

    name: str
    day: date  # strict in a FastAPI body: "2024-05-01" is refused!


class FriendlierEvent(BaseModel):
    name: str = Field(strict=True)  # strict only where conversion would hide a bug
    day: date  # lax: the ISO string "2024-05-01" becomes a date


@app.post("/events")
def post_event(event: Event) -> Event:
    return event


@app.post("/events/friendlier")
def post_friendlier_event(event: FriendlierEvent) -> FriendlierEvent:
    return event


# --8<-- [end:dates]
