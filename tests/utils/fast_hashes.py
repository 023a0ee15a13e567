"""Password hashes computed once per password for the whole test run (a `-p` plugin in pyproject's addopts,
loaded before the app's modules import werkzeug's functions).

A password hash is slow on purpose (scrypt, about 0.1 s here), and the suite registers and logs in thousands of
users with the same few passwords: creating a user and each login were a tenth of a second apiece, about a fifth
of a plain test's time. Here the hash of a password is made once and reused (same salt for equal passwords,
which only the test run sees), and a check of a (hash, password) pair is answered from memory after the first
time. What the app does with the functions is unchanged: tests that count or replace them still see each call.
"""

from functools import lru_cache

import werkzeug.security as security

_generate = security.generate_password_hash
_check = security.check_password_hash


@lru_cache(maxsize=512)
def _hash(password: str, method: str | None, salt_length: int | None) -> str:
    options = {k: v for k, v in (("method", method), ("salt_length", salt_length)) if v is not None}
    return _generate(password, **options)


def generate_password_hash(password: str, method: str | None = None, salt_length: int | None = None) -> str:
    return _hash(password, method, salt_length)


@lru_cache(maxsize=4096)
def check_password_hash(pwhash: str, password: str) -> bool:
    return _check(pwhash, password)


security.generate_password_hash = generate_password_hash  # type: ignore[assignment]
security.check_password_hash = check_password_hash  # type: ignore[assignment]
