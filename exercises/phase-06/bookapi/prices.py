"""Asking the price service, an HTTP API outside the Book API, for a book's price.

The client comes from the lifespan (one per run of the app, shared by every request); this
module only knows how to ask and how to read the answer. Every way the call can go wrong
becomes a domain error: no price for the ISBN (404), or a service that failed (502).

The price service answers `GET /prices/{isbn}` with `{"isbn": ..., "price": "12.50",
"currency": "EUR"}`, or 404 when it has no price for that ISBN.
"""

import httpx2  # noqa: F401  (TODO 2 needs it)
from pydantic import ValidationError  # noqa: F401  (TODO 2 needs it)

from bookapi.errors import PriceNotFound, PriceServiceFailed  # noqa: F401  (TODO 2 needs them)
from bookapi.schemas import Price  # noqa: F401  (TODO 2 needs it)

# TODO 2: write `async def fetch_price(client: httpx2.AsyncClient, isbn: str) -> Price` that
#         awaits `client.get(f"/prices/{isbn}")` (a path relative to the client's base URL) and
#         - raises PriceServiceFailed when the call itself fails (catch `httpx2.HTTPError`: a
#           refused connection, a timeout...);
#         - raises PriceNotFound(isbn) when the service answers 404;
#         - raises PriceServiceFailed for any other error status (`response.is_error`);
#         - returns `Price.model_validate_json(response.content)`, raising PriceServiceFailed
#           if that fails (ValidationError): the service's answer is input like any other.
