"""What several test modules share besides fixtures (pytest imports conftest.py itself: test
modules import from here instead)."""

from collections.abc import Callable

PASSWORD = "correct horse battery staple"

# What the `sign_up` factory fixture hands out: sign a user up, log in, get the auth headers.
SignUp = Callable[[str], dict[str, str]]
