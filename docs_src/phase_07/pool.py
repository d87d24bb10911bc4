"""How many connections an app can open, and an engine that stays inside that budget."""

from sqlalchemy import Engine
from sqlmodel import create_engine


# --8<-- [start:budget]
def connections_needed(workers: int, pool_size: int, max_overflow: int) -> int:
    """The most connections the app can hold at once: every worker has a pool of its own."""
    return workers * (pool_size + max_overflow)


def pool_size_for(max_connections: int, workers: int, reserved: int = 10) -> int:
    """The largest pool (no overflow) that keeps every worker inside the server's limit,
    leaving `reserved` connections for migrations, admin shells and monitoring."""
    return max(1, (max_connections - reserved) // workers)
# --8<-- [end:budget]


# --8<-- [start:engine]
def postgres_engine(url: str, workers: int, max_connections: int = 100) -> Engine:
    size = pool_size_for(max_connections, workers)
    # create_engine opens no connection yet: the pool fills up as requests need it.
    return create_engine(url, pool_size=size, max_overflow=0, pool_pre_ping=True)
# --8<-- [end:engine]
