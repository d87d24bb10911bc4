"""The loopback guard, tested without a single real connection: the audit hook is called the way
Python calls it, with the addresses a learner's code would pass."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest

from grader.kit import guard, observe
from grader.loopback import is_loopback


@dataclass
class FakeSocket:
    """What the hook reads of a socket: its family."""

    family: int


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("api.localhost", True),
        ("0.0.0.0", True),
        (None, True),
        (b"127.0.0.1", True),
        ("192.0.2.1", False),
        ("10.0.0.1", False),
        ("2001:db8::1", False),
        ("example.org", False),
        ("<broadcast>", False),
    ],
)
def test_loopback_is_recognised(host: object, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.fixture(autouse=True)
def fresh_observations() -> None:
    observe.reset()


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("socket.connect", (FakeSocket(socket.AF_INET), ("192.0.2.1", 80))),
        ("socket.connect", (FakeSocket(socket.AF_INET6), ("2001:db8::1", 443, 0, 0))),
        ("socket.sendto", (FakeSocket(socket.AF_INET), ("192.0.2.1", 53))),
        ("socket.getaddrinfo", ("example.org", 443, 0, 0, 0)),
        ("socket.gethostbyname", ("example.org",)),
    ],
)
def test_connections_off_this_machine_are_refused(event: str, args: tuple[object, ...]) -> None:
    with pytest.raises(guard.OffLoopbackRefused, match="loopback only"):
        guard._hook(event, args)
    noticed = observe.first_cause()
    assert noticed is not None and noticed.cause.id == "network"


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("socket.connect", (FakeSocket(socket.AF_INET), ("127.0.0.1", 8000))),
        ("socket.connect", (FakeSocket(socket.AF_INET6), ("::1", 8000, 0, 0))),
        ("socket.connect", (FakeSocket(socket.AF_UNIX), "/tmp/db.sock")),
        ("socket.getaddrinfo", ("localhost", 5432, 0, 0, 0)),
        ("open", ("/etc/hosts", "r", 0)),
    ],
)
def test_loopback_and_other_events_pass(event: str, args: tuple[object, ...]) -> None:
    guard._hook(event, args)
    assert observe.first_cause() is None


def test_processes_are_refused_only_while_importing() -> None:
    guard._hook("subprocess.Popen", ("sleep", ["sleep", "1"], None, None))
    guard.set_importing(True)
    try:
        with pytest.raises(guard.StartRefused):
            guard._hook("subprocess.Popen", ("sleep", ["sleep", "1"], None, None))
    finally:
        guard.set_importing(False)
    noticed = observe.first_cause()
    assert noticed is not None and noticed.cause.id == "process-at-import"
