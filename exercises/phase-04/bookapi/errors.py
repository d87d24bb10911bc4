"""The errors the service layer raises on purpose. None of them knows about HTTP."""


class DomainError(Exception):
    """Base of every expected failure; `detail` is safe to show to the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# TODO 1: add the two kinds of domain error, both subclasses of DomainError:
#         `NotFound` (the thing asked for does not exist) and `Conflict` (the request clashes
#         with what is stored). Then the specific cases the services raise, each a subclass of
#         one kind, e.g. `BookNotFound(book_id)`, `UserNotFound(user_id)`,
#         `DuplicateBook(isbn)`, `DuplicateUser(field)`, each building its own `detail`.
