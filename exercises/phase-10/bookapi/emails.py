"""Email, as a stand-in: "sending" a message records it in the `sent_emails` table.

A real app would call its email provider here (an HTTP API, or SMTP). Either way it is slow,
it may fail, and the client who just signed up should not wait for it: POST /api/v1/users
answers first, and the email goes out afterwards, as a background task (TODO 6 and TODO 7).
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
    """The background task: it runs after the response has been sent, when the request's
    session has been committed and closed already."""
    # TODO 6: open a session of your own on `engine` (`with Session(engine) as session:`),
    # send the email with `send_welcome_email(session, user_id)`, and commit.
    raise NotImplementedError("TODO 6")
