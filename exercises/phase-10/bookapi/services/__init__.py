"""The service layer, one module per domain: the Book API's rules, in SQL, with no HTTP in sight.

Each function does one job on the session it is given and raises a domain error
(bookapi.errors) when it cannot. Routes call these functions and stay thin; bookapi.handlers
turns the errors into responses, once. No function here commits, rolls back or closes: the
request's `get_session` does, once, so a request's writes are kept or dropped together.
"""

from bookapi.services.authors import author_named, list_authors
from bookapi.services.books import (
    check_owner,
    create_book,
    delete_book,
    get_book,
    list_books,
    update_book,
)
from bookapi.services.jobs import create_import, get_job, mark_failed, run_import
from bookapi.services.users import (
    authenticate,
    create_user,
    get_user,
    list_users,
    user_with_username,
)

__all__ = [
    "authenticate",
    "author_named",
    "check_owner",
    "create_book",
    "create_import",
    "create_user",
    "delete_book",
    "get_book",
    "get_job",
    "get_user",
    "list_authors",
    "list_books",
    "list_users",
    "mark_failed",
    "run_import",
    "update_book",
    "user_with_username",
]
