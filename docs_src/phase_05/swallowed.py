"""The mistake: a yield dependency that catches the handler's exception and keeps it."""

# --8<-- [start:imports]
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from docs_src.phase_05.yield_session import OutOfStock, Session, lifespan, out_of_stock

# --8<-- [end:imports]


# --8<-- [start:wrong]
def get_session(request: Request) -> Iterator[Session]:
    session = Session(request.app.state.journal)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()  # no `raise`: the exception ends here
    finally:
        session.close()


# --8<-- [end:wrong]


SessionDep = Annotated[Session, Depends(get_session)]

app = FastAPI(lifespan=lifespan)
app.add_exception_handler(OutOfStock, out_of_stock)


@app.post("/orders/sold-out")
def place_sold_out_order(session: SessionDep) -> dict[str, str]:
    raise OutOfStock("That book is sold out")
