"""The signing step of a contract, behind one small interface so a licensed e-signature provider (a CA) can be
plugged in later without touching the contract workflow.

A `Signer` proves that the user is who signs and returns a `SignatureRecord`: signer, organization, time, client
address, method and the SHA-256 of the text signed. The workflow (`contracts.transition_contract`) has already
checked that the hash is the current text's; it stores the record with the contract's signature in one
transaction. Which signer the pages use is the config's `CONTRACT_SIGNER` (default "password"); a provider is
added by registering a class in `SIGNERS`.

Built in:
- "password": the signer types their password again (the pages); a wrong one signs nothing.
- "api_token": the API's caller is already authenticated by its bearer token, which is the credential there; the
  API does not ask for the password again.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session

from app.accounts.services import accounts
from app.platform.errors import Invalid
from models import User
from models.common import utcnow

ADDRESS_MAX = 64


@dataclass(frozen=True)
class SignatureRecord:
    user_id: int
    org_id: int
    text_sha256: str
    address: str
    method: str
    signed_at: datetime = field(default_factory=utcnow)


class Signer(Protocol):
    method: str

    def sign(
        self, *, session: Session, user: User, credential: str | None, text_sha256: str, address: str
    ) -> SignatureRecord:
        """The record of `user` signing the text with this hash; raises `Invalid` when the credential fails."""
        ...


def _record(user: User, text_sha256: str, address: str, method: str) -> SignatureRecord:
    assert user.id is not None and user.org_id is not None  # a party's member signs
    return SignatureRecord(
        user_id=user.id,
        org_id=user.org_id,
        text_sha256=text_sha256,
        address=(address or "")[:ADDRESS_MAX],
        method=method,
    )


class PasswordSigner:
    """The signer types their own password again: the account's password check (`accounts.authenticate`)."""

    method = "password"

    def sign(
        self, *, session: Session, user: User, credential: str | None, text_sha256: str, address: str
    ) -> SignatureRecord:
        signer = accounts.authenticate(session=session, email=user.email, password=credential or "")
        if signer is None or signer.id != user.id:
            raise Invalid(
                _("The password is not correct; nothing was signed."),
                {"password": _("The password is not correct.")},
            )
        return _record(user, text_sha256, address, self.method)


class ApiTokenSigner:
    """The API's bearer token, already checked by the API, is the credential."""

    method = "api_token"

    def sign(
        self, *, session: Session, user: User, credential: str | None, text_sha256: str, address: str
    ) -> SignatureRecord:
        return _record(user, text_sha256, address, self.method)


SIGNERS: dict[str, type] = {PasswordSigner.method: PasswordSigner, ApiTokenSigner.method: ApiTokenSigner}


def signer(method: str | None = None) -> Signer:
    """The signer of this method, or the one the config names for the pages."""
    name = method or current_app.config.get("CONTRACT_SIGNER", "password")
    if name not in SIGNERS:
        raise RuntimeError(f"unknown contract signer {name!r}; known: {', '.join(SIGNERS)}")
    return SIGNERS[name]()
