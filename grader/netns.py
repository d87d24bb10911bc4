"""An empty network namespace for the checks' process: only `lo`, brought up, and no route.

The loopback guard (an audit hook, `grader.kit.guard`) sees what Python code does; code that
connects from C (uvloop's libuv) or from a child process passes it by. In a network namespace
of its own, with nothing but `lo`, such a connection fails on this machine (ENETUNREACH) and no
packet can leave it. Making one needs root (CAP_SYS_ADMIN) on Linux: `available()` says whether
this process can, and the checks' process calls `enter()` before it imports anything.

Kept import-light: the checks' process imports it first.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys

_CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
# `struct ifreq`: a 16-byte interface name, then a union of at most 24 bytes (flags first).
_IFREQ = "16sH22x"
# What `python -m grader.netns` exits with when it cannot make one.
UNAVAILABLE_EXIT = 3


class NamespaceError(OSError):
    """The process could not move to an empty network namespace."""


def enter() -> None:
    """Move this process (call it before it starts threads) to a new network namespace, and
    bring its loopback interface up. Raises NamespaceError when Linux refuses."""
    if not sys.platform.startswith("linux"):
        raise NamespaceError("network namespaces are Linux only")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        number = ctypes.get_errno()
        raise NamespaceError(number, f"unshare(CLONE_NEWNET): {os.strerror(number)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack(_IFREQ, b"lo", 0)
        _name, flags = struct.unpack(_IFREQ, fcntl.ioctl(probe, _SIOCGIFFLAGS, request))
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | _IFF_UP))


def available() -> bool:
    """Whether a child of this process can enter an empty network namespace (asked once, in a
    short-lived child, so this process stays where it is)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run(
            [sys.executable, "-m", "grader.netns"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def main() -> int:
    try:
        enter()
    except OSError as error:
        print(f"no network namespace: {error}", file=sys.stderr)
        return UNAVAILABLE_EXIT
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
