"""The service layer: the Book API's rules, with no HTTP in sight.

Routes call these functions and stay thin; a function that cannot do its job raises a domain
error from bookapi.errors, and bookapi.handlers turns it into a response, once, for every route.
"""

# TODO 2: write the services, using `store` and `user_store` from bookapi.store:
#         - list_books(query: BookQuery) -> list[Book]
#         - get_book(book_id: int) -> Book                 raises BookNotFound
#         - create_book(data: BookCreate) -> Book          raises DuplicateBook when the ISBN
#                                                          is already stored (no ISBN: never)
#         - delete_book(book_id: int) -> None              raises BookNotFound
#         - list_users() -> list[User]
#         - get_user(user_id: int) -> User                 raises UserNotFound
#         - create_user(data: UserCreate) -> User          raises DuplicateUser when the
#                                                          username or the email is taken;
#                                                          hashes the password only after that
#         No `HTTPException` and no status code in this module: it knows nothing about HTTP.
