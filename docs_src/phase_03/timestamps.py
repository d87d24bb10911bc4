"""Timestamps that say which time zone they are in."""

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel


def utc_now() -> datetime:
    """The current moment, aware and in UTC. (datetime.utcnow() is deprecated and naive.)"""
    return datetime.now(UTC)


class Event(BaseModel):
    name: str
    at: AwareDatetime  # refuses a naive datetime instead of guessing its zone


launch = Event(name="launch", at=utc_now())
# launch.model_dump_json() -> '{"name":"launch","at":"2026-03-01T09:30:00.123456Z"}'
