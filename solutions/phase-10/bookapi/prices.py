"""Asking the price service, an HTTP API outside the Book API, for a book's price.

The client comes from the lifespan (one per run of the app, shared by every request); this
module only knows how to ask and how to read the answer. Every way the call can go wrong
becomes a domain error: no price for the ISBN (404), or a service that failed (502).
"""

import httpx2
from pydantic import ValidationError

from bookapi.errors import PriceNotFound, PriceServiceFailed
from bookapi.schemas import Price


async def fetch_price(client: httpx2.AsyncClient, isbn: str) -> Price:
    """The price service's price for `isbn`. `await` it: while the answer travels, the event
    loop serves other requests."""
    try:
        response = await client.get(f"/prices/{isbn}")
    except httpx2.HTTPError as error:  # refused, timed out, cut off halfway...
        raise PriceServiceFailed(f"no answer ({type(error).__name__})") from error
    if response.status_code == 404:
        raise PriceNotFound(isbn)
    if response.is_error:
        raise PriceServiceFailed(f"it answered {response.status_code}")
    try:
        return Price.model_validate_json(response.content)
    except ValidationError as error:
        raise PriceServiceFailed("its answer is not a price") from error
