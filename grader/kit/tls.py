"""One default TLS context for the HTTP clients the learner's app makes while the checks run.

httpx2 builds its default SSL context (`httpcore2.default_ssl_context`) for every client: it
loads the machine's certificate bundle, 30 to 40 ms here. An app from Phase 6 on makes its price
client in the lifespan, and the checks start the app 30 to 55 times a phase: 1 to 2 s of each
phase went to certificates that are never used (the checks' price service is plain HTTP on
loopback). While checks run, the default context is built once per setting (`SSL_CERT_FILE`,
`SSL_CERT_DIR`, trust_env) and shared; httpx supports one context shared by many clients, and
a context the learner builds and passes (`verify=ctx`) is left alone. What the checks measure
about clients (connections opened and closed, clients made per request) does not depend on it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from typing import Any

_MARK = "_grader_shared_tls"


def share_default_tls_context() -> None:
    """Make `httpcore2.default_ssl_context` build each distinct context once (idempotent)."""
    try:
        import httpcore2
    except ImportError:  # no httpx2: nothing to share
        return
    original: Callable[..., ssl.SSLContext] = httpcore2.default_ssl_context
    if getattr(original, _MARK, False):
        return
    built: dict[tuple[Any, ...], ssl.SSLContext] = {}

    def shared(*, _trust_env: bool = True) -> ssl.SSLContext:
        key = (_trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        if key not in built:
            built[key] = original(_trust_env=_trust_env)
        return built[key]

    setattr(shared, _MARK, True)
    httpcore2.default_ssl_context = shared
