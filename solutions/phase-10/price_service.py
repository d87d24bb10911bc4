"""A stand-in for the price service, to run beside the Book API on your laptop.

    fastapi dev price_service.py --port 8001                          # answers in half a second
    PRICE_SERVICE_DELAY=3 fastapi dev price_service.py --port 8001    # a bad day

GET /prices/{isbn} answers a made-up price for any ISBN-13 starting with 978 or 979, after
PRICE_SERVICE_DELAY seconds, and 404 for any other. The Book API finds it through
BOOKAPI_PRICE_SERVICE_URL, which points here (http://127.0.0.1:8001) by default.
"""

import asyncio
import hashlib
import os

from fastapi import FastAPI, HTTPException, status

app = FastAPI(title="Price service (a fake, for development)")


@app.get("/prices/{isbn}")
async def price(isbn: str) -> dict[str, str]:
    # Read on every request, so you can restart with another delay without editing anything.
    await asyncio.sleep(float(os.environ.get("PRICE_SERVICE_DELAY", "0.5")))
    if len(isbn) != 13 or not isbn.isdigit() or not isbn.startswith(("978", "979")):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No price for ISBN {isbn}")
    cents = 499 + int(hashlib.sha256(isbn.encode()).hexdigest(), 16) % 3000
    return {"isbn": isbn, "price": f"{cents // 100}.{cents % 100:02d}", "currency": "EUR"}
