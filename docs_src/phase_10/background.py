"""Joining the shelf club: the member is stored, the answer goes out, and the welcome email is
sent afterwards, as a background task (a stand-in: "sending" records it in a table)."""

import logging

from fastapi import APIRouter, BackgroundTasks, status
from pydantic import EmailStr
from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel

from docs_src.phase_10.lifespan import EngineDep, SessionDep

logger = logging.getLogger("shelf.emails")
router = APIRouter(tags=["members"])


class Member(SQLModel, table=True):
    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str


class WelcomeEmail(SQLModel, table=True):
    __tablename__ = "welcome_emails"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")


class MemberIn(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr


class MemberOut(SQLModel):
    id: int
    name: str


# --8<-- [start:task]
def send_welcome(engine: Engine, member_id: int) -> None:
    """Runs after the response: a session of its own, and only the member's id to go on."""
    with Session(engine) as session:
        member = session.get(Member, member_id)
        if member is None:
            return  # gone meanwhile: nothing to send
        # A real app calls its email provider here, with member.email.
        session.add(WelcomeEmail(member_id=member_id))
        session.commit()
    logger.info("welcome email sent", extra={"member_id": member_id})  # the id, not the address


# --8<-- [end:task]


# --8<-- [start:route]
@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=MemberOut)
def join(new: MemberIn, session: SessionDep, engine: EngineDep, tasks: BackgroundTasks) -> Member:
    member = Member(name=new.name, email=new.email)
    session.add(member)
    session.flush()  # the INSERT runs now, and the member gets its id
    # The engine and an id: never `session` (the request's) nor `member` (a row of it).
    tasks.add_task(send_welcome, engine, member.id)
    return member


# --8<-- [end:route]
