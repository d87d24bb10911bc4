"""Email, as a stand-in: "sending" a message records it in the `sent_emails` table.

A real app would call its email provider here (an HTTP API, or SMTP). Either way it is slow,
it may fail, and the client who just signed up should not wait for it: POST /api/v1/users
answers first, and `send_welcome_email_later` runs afterwards, as a background task.

A background task runs after the response has been sent, when the request's session has
already been committed and closed. It opens a session of its own, on the app's engine.
"""

import logging

from sqlalchemy import Engine
from sqlmodel import Session

from bookapi.models import SentEmail, User

logger = logging.getLogger("bookapi.emails")


def send_welcome_email(session: Session, user_id: int) -> None:
    """Send user `user_id` the welcome email (record it, here). Nothing to do if the user was
    deleted meanwhile. The caller commits."""
    user = session.get(User, user_id)
    if user is None:
        return
    session.add(SentEmail(user_id=user_id, kind="welcome", to=user.email))
    # The user's id, never the address: log lines are copied everywhere, and kept for long.
    logger.info("welcome email sent", extra={"user_id": user_id})


def send_welcome_email_later(engine: Engine, user_id: int) -> None:
    """The background task: a session of its own (the request's is closed by now), committed
    once the email is recorded. Takes the user's id, not the `User` row: a row belongs to the
    session that loaded it."""
    with Session(engine) as session:
        send_welcome_email(session, user_id)
        session.commit()
