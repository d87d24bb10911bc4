"""Cheap Argon2 for the checks that count answers, not seconds.

A default Argon2 hash costs about 100 ms and 64 MiB here: a check that signs up ten users would
spend a second hashing. Every check runs with cheap Argon2 unless it is marked
`@pytest.mark.real_hashing` (the checks that measure how slow a hash is). The learner's hasher
keeps its type, hash and salt lengths; only its cost changes, and hashes still carry their own
parameters, so they verify as before.
"""

from __future__ import annotations

from typing import Any

import pytest

CHEAP_TIME_COST = 1
CHEAP_MEMORY_KIB = 1024


def cheapen_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `argon2.PasswordHasher` made from now on (pwdlib's too) uses one pass and 1 MiB."""
    try:
        import argon2
    except ImportError:  # the learner hashes with something else: nothing to cheapen
        return
    original = argon2.PasswordHasher.__init__

    def cheap_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        parameters = self._parameters
        original(
            self,
            time_cost=CHEAP_TIME_COST,
            memory_cost=CHEAP_MEMORY_KIB,
            parallelism=1,
            hash_len=parameters.hash_len,
            salt_len=parameters.salt_len,
            encoding=self.encoding,
            type=parameters.type,
        )

    monkeypatch.setattr(argon2.PasswordHasher, "__init__", cheap_init)
