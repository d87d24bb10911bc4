"""Users: sign-up, the signed-in user, and looking users up.

Routes return the stored `User` rows, and their `response_model`, `UserPublic`, is what
FastAPI builds from each row and sends: the password's hash never leaves.
"""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, status

from bookapi import emails, services
from bookapi.dependencies import CurrentUserDep, EngineDep, HashingSlot, SessionDep
from bookapi.models import User
from bookapi.schemas import UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users(session)


# Before /{user_id}: routes match in order, and "me" is not an int.
@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUserDep) -> User:
    """The user the request's token belongs to; 401 without a valid token."""
    return user


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> User:
    """One user by their id, or 404."""
    return services.get_user(session, user_id)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=UserPublic, dependencies=[HashingSlot]
)
def create_user(
    new_user: UserCreate, session: SessionDep, engine: EngineDep, background: BackgroundTasks
) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken. The welcome
    email goes out after the answer, as a background task.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    user = services.create_user(session, new_user)
    # Runs once the response has been sent, after get_session has committed and closed the
    # request's session: the task gets the engine and the user's id, and opens its own session.
    background.add_task(emails.send_welcome_email_later, engine, user.id)
    return user
