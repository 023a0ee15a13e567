"""The password policy, one place for every path that sets a password (registration, claims, accounts made by
the command line): long enough, not one of the passwords people choose most, not the email address itself.
Each rule that fails says so in the `password` field, so the person knows what to change."""

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from app.platform.errors import Invalid
from models.organization import PASSWORD_MIN_LENGTH

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """What is wrong with `password` for the account `email`, in the user's language; None when it may be used."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Too short: at least %(n)s characters.", n=PASSWORD_MIN_LENGTH)
    folded = password.strip().casefold()
    if folded in common_passwords():
        return _("This password is one of the most common ones; choose one that is harder to guess.")
    if email:
        address = email.strip().casefold()
        if folded in (address, address.partition("@")[0]):
            return _("The password must not be your email address or its name part.")
    return None


def check_password(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Raise `Invalid` naming `field` when the password breaks the policy."""
    problem = password_problem(password, email=email)
    if problem is not None:
        raise Invalid(_("Some fields are not valid."), {field: problem})
