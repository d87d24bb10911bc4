"""Users: sign-up, the signed-in user, and looking users up."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from bookapi import services
from bookapi.dependencies import CurrentUserDep, HashingSlot, SessionDep
from bookapi.models import User
from bookapi.schemas import UserCreate, UserPublic

# TODO 3: the prefix "/users" and the tag "users". Keep "/me" before "/{user_id}".
router = APIRouter()


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users(session)


# Before /{user_id}: routes match in order, and "me" is not an int.
@router.get("/users/me", response_model=UserPublic)
def read_me(user: CurrentUserDep) -> User:
    """The user the request's token belongs to; 401 without a valid token."""
    return user


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> User:
    """One user by their id, or 404."""
    return services.get_user(session, user_id)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    dependencies=[HashingSlot],
)
def create_user(new_user: UserCreate, session: SessionDep) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return services.create_user(session, new_user)
