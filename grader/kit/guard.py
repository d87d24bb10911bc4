"""Guards installed in the hidden suites' process: loopback only, and nothing started on import.

An audit hook (PEP 578) sees every socket connection, name lookup and process start that Python
code makes. The grader allows connections to loopback only, and while the learner's module is
being imported it refuses to start processes at all. A snapshot of the process' threads,
children and sockets, taken before and after an import, shows anything the import left running.

The hook is a guard, not a sandbox: code in C (uvloop, a subprocess' own connections) does not
pass through it. The grader's limits, temporary copy and process group do the rest, and
`grade batch` runs each submission's checks in an empty network namespace where it can
(`grader.netns`).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from grader import causes
from grader.kit import observe
from grader.loopback import is_loopback
from grader.procfs import own_children

_SPAWN_EVENTS = {
    "subprocess.Popen",
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.spawn",
    "os.system",
    "os.exec",
    "pty.spawn",
}
_NAME_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}
_ADDRESS_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg"}

_state: dict[str, Any] = {"installed": False, "importing": False, "root": None}


class OffLoopbackRefused(ConnectionRefusedError):
    """A connection to somewhere other than this machine, refused by the grader."""


class StartRefused(PermissionError):
    """A process started while the learner's module was being imported, refused."""


def _address_allowed(sock: object, address: object) -> tuple[bool, str]:
    family = getattr(sock, "family", None)
    if family == socket.AF_UNIX:
        return True, ""
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        shown = f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
        return is_loopback(address[0]), shown
    return False, f"{address!r} (address family {family})"


# Frames looked at to find the learner's code: enough for any real call chain, and bounded, so
# that a stack a million frames deep (runaway recursion) is not walked to the bottom.
_FRAMES = 400


def _innermost(frame: FrameType | None) -> str:
    """` (bookapi/x.py, line 3)`: the innermost of `frame` and its callers in the graded folder."""
    root = _state["root"]
    for _ in range(_FRAMES):
        if frame is None or root is None:
            break
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(root):
            return f" ({path.relative_to(root)}, line {frame.f_lineno})"
        frame = frame.f_back
    return ""


def where() -> str:
    """` (bookapi/x.py, line 3)` for the innermost frame of the learner's code, or ''."""
    return _innermost(sys._getframe(1))


def where_in_thread(thread: threading.Thread) -> str:
    """Like `where()`, for what another thread is running right now."""
    return _innermost(sys._current_frames().get(thread.ident or -1))


def _refuse_network(target: str) -> None:
    place = where()
    seen = f"a connection to {target}{place}"
    observe.note_cause(causes.NETWORK, "connections to this machine (loopback) only", seen)
    raise OffLoopbackRefused(
        f"the grader allows connections to loopback only; refused {target}{place}"
    )


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _ADDRESS_EVENTS:
        allowed, shown = _address_allowed(args[0], args[1])
        if not allowed:
            _refuse_network(shown)
    elif event in _NAME_EVENTS:
        if args and not is_loopback(args[0]):
            _refuse_network(str(args[0]))
    elif _state["importing"] and event in _SPAWN_EVENTS:
        place = where()
        seen = f"it starts a process{place}"
        observe.note_cause(causes.PROCESS_AT_IMPORT, "importing the app to start nothing", seen)
        raise StartRefused(f"the grader refuses to start processes during an import{place}")


def install(root: Path) -> None:
    """Install the audit hook (once per process: audit hooks cannot be removed)."""
    _state["root"] = root
    if not _state["installed"]:
        sys.addaudithook(_hook)
        _state["installed"] = True


def set_importing(flag: bool) -> None:
    _state["importing"] = flag
    listener = _state.get("listener")
    if listener is not None:
        listener(flag)


def on_importing(listener: Callable[[bool], None]) -> None:
    """Call `listener(flag)` whenever an import of the learner's code starts or ends."""
    _state["listener"] = listener


def importing() -> bool:
    """Whether the learner's module is being imported right now."""
    return bool(_state["importing"])


# --- what an import left running ------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[int]
    children: frozenset[int]
    sockets: frozenset[int]


def _socket_inodes() -> frozenset[int]:
    found: set[int] = set()
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return frozenset()
    for fd in descriptors:
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            found.add(int(link[8:-1]))
    return frozenset(found)


def snapshot() -> Snapshot:
    return Snapshot(
        threads=frozenset(t.ident for t in threading.enumerate() if t.ident is not None),
        children=own_children(),
        sockets=_socket_inodes(),
    )


def bound_ports(inodes: frozenset[int]) -> list[int]:
    """The local ports the sockets `inodes` serve on: listening TCP, bound UDP (IPv4 and 6)."""
    ports: list[int] = []
    if not inodes:  # no new socket: nothing to look up (reading /proc/net costs milliseconds)
        return ports
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # A TCP socket counts when it listens (state 0A); a connection out (a client that
            # the import opened) has a local port too, but serves nothing.
            if table.startswith("tcp") and len(fields) > 3 and fields[3] != "0A":
                continue
            if len(fields) > 9 and int(fields[9]) in inodes:
                port = int(fields[1].rsplit(":", 1)[1], 16)
                if port:
                    ports.append(port)
    return sorted(set(ports))


def new_threads_alive(before: Snapshot) -> bool:
    return any(t.ident not in before.threads and t.is_alive() for t in threading.enumerate())
