"""The errors the service layer raises on purpose. None of them knows about HTTP."""


class DomainError(Exception):
    """Base of every expected failure; `detail` is safe to show to the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """The request clashes with what is already stored."""


class NotAuthenticated(DomainError):
    """Who is asking is unknown: no credentials, or credentials that do not check out."""


class NotAllowed(DomainError):
    """Who is asking is known, and may not do this."""


class UpstreamError(DomainError):
    """A service the Book API depends on failed: neither the client's fault nor ours."""


class NotReady(DomainError):
    """Something the API needs to serve requests (its database) is not reachable right now."""


class BookNotFound(NotFound):
    def __init__(self, book_id: int) -> None:
        super().__init__(f"Book {book_id} not found")


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} not found")


class JobNotFound(NotFound):
    def __init__(self, job_id: object) -> None:
        super().__init__(f"Job {job_id} not found")


class BookHasNoIsbn(NotFound):
    def __init__(self, book_id: int) -> None:
        super().__init__(f"Book {book_id} has no ISBN, so it has no price")


class PriceNotFound(NotFound):
    def __init__(self, isbn: str) -> None:
        super().__init__(f"The price service has no price for ISBN {isbn}")


class DuplicateBook(Conflict):
    def __init__(self, isbn: str) -> None:
        super().__init__(f"A book with ISBN {isbn} already exists")


class DuplicateUser(Conflict):
    def __init__(self, field: str) -> None:
        super().__init__(f"That {field} is already taken")


class BadCredentials(NotAuthenticated):
    """A failed login. One message whether the username or the password was wrong."""

    def __init__(self) -> None:
        super().__init__("Incorrect username or password")


class BadToken(NotAuthenticated):
    """One message for every way a token can fail: the client learns nothing more."""

    def __init__(self) -> None:
        super().__init__("Could not validate credentials")


class NotTheOwner(NotAllowed):
    def __init__(self, book_id: int | None) -> None:
        super().__init__(f"Only the owner of book {book_id} may change it")


class TooManyAttempts(DomainError):
    """A client went over the login rate limit."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many login attempts; try again later")
        self.retry_after = retry_after


class PriceServiceFailed(UpstreamError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The price service failed: {reason}")


class DatabaseUnreachable(NotReady):
    def __init__(self) -> None:
        super().__init__("The database is not reachable")
