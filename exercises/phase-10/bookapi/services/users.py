"""Users: sign-up, look-ups, and checking a password at login."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bookapi.errors import BadCredentials, DuplicateUser, UserNotFound
from bookapi.models import User
from bookapi.schemas import UserCreate
from bookapi.security import hash_password, verify_password_or_pretend


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.id))).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def user_with_username(session: Session, username: str) -> User | None:
    """The user with this username, whatever its case (usernames are unique that way)."""
    return session.exec(select(User).where(func.lower(User.username) == username.lower())).first()


def authenticate(session: Session, username: str, password: str) -> User:
    """The user, if the password is theirs; `BadCredentials` otherwise. An unknown username
    costs a password check too, and gets the same error, so neither the answer nor its timing
    tells which usernames exist."""
    user = user_with_username(session, username)
    matches = verify_password_or_pretend(password, user.password_hash if user else None)
    if user is None or not matches:
        raise BadCredentials()
    return user


def create_user(session: Session, data: UserCreate) -> User:
    # Usernames and emails are unique whatever their case; the database's unique constraints
    # are the backstop for two sign-ups that arrive at the same moment.
    if user_with_username(session, data.username) is not None:
        raise DuplicateUser("username")
    same_email = select(User).where(func.lower(User.email) == data.email.lower())
    if session.exec(same_email).first() is not None:
        raise DuplicateUser("email")
    # Hash only once we know the sign-up is acceptable: Argon2 is slow on purpose.
    user = User(
        username=data.username,
        email=data.email,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateUser("username or email") from None
    return user
