"""Domain errors: the service layer says what went wrong, one handler says it in HTTP."""

# --8<-- [start:imports]
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

# --8<-- [end:imports]


# --8<-- [start:errors]
class DomainError(Exception):
    """Something the service layer refuses on purpose. `detail` is safe to show."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """The request clashes with something already stored."""


# --8<-- [end:errors]


class Member(BaseModel):
    name: str


# --8<-- [start:service]
members: dict[str, Member] = {}


def join(member: Member) -> Member:
    """Add a member; names are unique, whatever their case."""
    key = member.name.casefold()
    if key in members:
        raise Conflict(f"{member.name!r} is already a member")
    members[key] = member
    return member


def find(name: str) -> Member:
    member = members.get(name.casefold())
    if member is None:
        raise NotFound(f"No member called {name!r}")
    return member


# --8<-- [end:service]

# --8<-- [start:handlers]
app = FastAPI()

# The one table from domain errors to status codes. A new kind of error is one new line.
STATUS_FOR: dict[type[DomainError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
}


@app.exception_handler(DomainError)
async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    code = next(
        (code for kind, code in STATUS_FOR.items() if isinstance(exc, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    return JSONResponse({"detail": exc.detail}, status_code=code)


# --8<-- [end:handlers]


# --8<-- [start:routes]
@app.post(
    "/members",
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_409_CONFLICT: {"description": "The name is taken"}},
)
def create_member(member: Member) -> Member:
    return join(member)


@app.get(
    "/members/{name}",
    responses={status.HTTP_404_NOT_FOUND: {"description": "No such member"}},
)
def read_member(name: str) -> Member:
    return find(name)


# --8<-- [end:routes]
