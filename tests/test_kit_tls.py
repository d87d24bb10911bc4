"""The checks share httpx2's default TLS context (grader/kit/tls.py): built once per setting,
never for a context the learner passes."""

from __future__ import annotations

import ssl

import certifi
import httpcore2
import httpx2
import pytest

from grader.kit.tls import share_default_tls_context


def test_clients_share_one_default_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpcore2, "default_ssl_context", httpcore2.default_ssl_context)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    built: list[bool] = []
    original = httpcore2.default_ssl_context

    def counting(*, _trust_env: bool = True) -> ssl.SSLContext:
        built.append(_trust_env)
        return original(_trust_env=_trust_env)

    monkeypatch.setattr(httpcore2, "default_ssl_context", counting)
    share_default_tls_context()
    share_default_tls_context()  # a second call changes nothing
    first = httpcore2.default_ssl_context()
    assert httpcore2.default_ssl_context() is first
    assert httpcore2.default_ssl_context(_trust_env=False) is not first
    with httpx2.Client(), httpx2.Client():
        pass
    assert built == [True, False]
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert httpcore2.default_ssl_context() is not first
    own = ssl.create_default_context()
    assert httpx2.create_ssl_context(verify=own) is own
