"""Organizations, users, login and API tokens."""

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.services.passwords import check_password
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.regions import resolve_region
from app.platform.taxonomy import is_industry
from app.platform.validation import CONTROL_CHARACTERS
from models import ApiToken, Organization, OrgKind, RegistrationIn, Role, User
from models.common import utcnow
from models.size_class import NO_SIZE_CLASS

# A token's last use is written at most this often: enough to spot an idle token, without a write per call.
TOKEN_TOUCH_SECONDS = 60

ROLE_OF_KIND = {
    OrgKind.enterprise: Role.enterprise,
    OrgKind.finance: Role.enterprise,
    OrgKind.university: Role.center,
    OrgKind.institute: Role.center,
    OrgKind.center: Role.center,
}


def _check_unique(session: Session, *, email: str, credit_code: str | None = None) -> None:
    if session.exec(select(User).where(User.email == email.lower())).first():
        raise Conflict(_("An account with this email already exists."), {"email": _("Already registered.")})
    _check_unique_code(session, credit_code)


def _check_unique_code(session: Session, credit_code: str | None) -> None:
    if (
        credit_code
        and session.exec(select(Organization).where(Organization.credit_code == credit_code)).first()
    ):
        raise Conflict(
            _("This organization is already registered."),
            {"organization.credit_code": _("Already registered.")},
        )


def register(*, session: Session, registration: RegistrationIn, consent_version: str | None = None) -> User:
    """Create an organization and its first user, whose role follows the organization's kind, and record when
    and to which version of the privacy notice and terms (``consent_version``) the user consented.

    Consent is required whichever way the registration comes: the browser's form and the API alike are refused
    (422, naming the `consent` field) until the user accepts the privacy notice and the terms of use.

    This is the path without email (no way to write to the address's owner): the account can log in at once and
    a known email is refused (409). With email, `confirmation.register_pending` is used instead."""
    region = check_registration(registration)
    _check_unique(session, email=registration.email, credit_code=registration.organization.credit_code)
    with _unique_or_conflict(
        session, email=registration.email, credit_code=registration.organization.credit_code
    ):
        user = create_registered(
            session,
            registration,
            region=region,
            password_hash=generate_password_hash(registration.password),
            consent_version=consent_version,
            confirmed=True,
        )
    session.refresh(user)
    return user


def check_registration(registration: RegistrationIn) -> str | None:
    """Refuse a registration whose fields are not acceptable (422); returns the organization's region code."""
    if not registration.consent:
        raise Invalid(
            _("Some fields are not valid."),
            {"consent": _("Please read and accept the privacy notice and the terms of use.")},
        )
    org_in = registration.organization
    unknown = [code for code in org_in.industries if not is_industry(code)]
    if unknown:
        raise Invalid(_("Some fields are not valid."), {"organization.industries": _("Unknown industry.")})
    region = resolve_region(org_in.region, "organization.region")
    check_size_class(org_in.kind, org_in.size_class, field="organization.size_class")
    check_password(registration.password, email=registration.email)
    return region


def check_size_class(kind: str, size_class: str | None, *, field: str = "size_class") -> None:
    """A university, institute or the bureau is no enterprise: it has no size class (422 naming the field)."""
    if size_class is not None and kind in NO_SIZE_CLASS:
        raise Invalid(
            _("Some fields are not valid."),
            {
                field: _(
                    "Only enterprises have a size class; leave it empty for a university or an institute."
                )
            },
        )


def create_registered(
    session: Session,
    registration: RegistrationIn,
    *,
    region: str | None,
    password_hash: str,
    consent_version: str | None,
    confirmed: bool,
) -> User:
    """Store the organization and its first user and commit (an IntegrityError when the email or credit code
    was taken meanwhile: the caller decides what that means)."""
    org_in = registration.organization
    consented = registration.consent and consent_version is not None
    org = Organization.model_validate(org_in.model_copy(update={"region": region}))
    session.add(org)
    session.flush()
    user = User(
        email=registration.email.lower(),
        name=registration.name,
        org_id=org.id,
        password_hash=password_hash,
        role=ROLE_OF_KIND[org_in.kind],
        consent_at=utcnow() if consented else None,
        consent_version=consent_version if consented else None,
    )
    session.add(user)
    if not confirmed:
        # The column's default (confirmed now) also fills a None given at insert: clear it once the row exists.
        session.flush()
        user.email_confirmed_at = None
    session.commit()
    return user


def check_credit_code(session: Session, credit_code: str | None) -> None:
    """An organization's credit code is public: a taken one is refused (409) whatever the path."""
    _check_unique_code(session, credit_code)


def user_by_email(session: Session, email: str) -> User | None:
    if CONTROL_CHARACTERS.search(email or ""):
        return None  # no account has such an email, and PostgreSQL refuses NUL in a query parameter
    return session.exec(select(User).where(User.email == (email or "").strip().lower())).first()


@contextmanager
def _unique_or_conflict(session: Session, *, email: str, credit_code: str | None = None) -> Iterator[None]:
    """When a concurrent request took the email or credit code after our check, say so as a 409, not a 500."""
    try:
        yield
    except IntegrityError:
        session.rollback()
        _check_unique(session, email=email, credit_code=credit_code)
        raise Conflict(_("This organization is already registered.")) from None


def create_user(
    *, session: Session, email: str, password: str, name: str, role: Role, org_id: int | None = None
) -> User:
    """Create a user directly (bureau and expert accounts, demo data)."""
    check_password(password, email=email)
    _check_unique(session, email=email)
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        org_id=org_id,
        password_hash=generate_password_hash(password),
    )
    with _unique_or_conflict(session, email=email):
        session.add(user)
        session.commit()
    session.refresh(user)
    return user


@cache
def _dummy_hash() -> str:
    # Same method and cost as a real hash, so an unknown email takes as long as a wrong password.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; every path costs one password check."""
    if CONTROL_CHARACTERS.search(email or ""):
        check_password_hash(_dummy_hash(), password or "")
        return None  # no account has such an email, and PostgreSQL refuses NUL in a query parameter
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def end_sessions(*, session: Session, user_id: int) -> None:
    """Make every session cookie issued to this user so far worthless (logout, account handed over)."""
    session.exec(update(User).where(col(User.id) == user_id).values(session_version=User.session_version + 1))
    session.commit()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored, so the caller sees the token once."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None  # a stored user
    row = ApiToken(
        token_hash=_hash_token(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=ttl_hours)
    )
    session.add(row)
    session.commit()
    return token, row


def token_row(*, session: Session, token: str) -> ApiToken | None:
    """The live token row for this bearer token (its owner active), or None; notes when it was last used."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash_token(token))).first()
    now = utcnow()
    if row is None or row.expires_at < now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        # A plain UPDATE, so a token revoked meanwhile is not written back.
        session.exec(update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=now))
        session.commit()
        row.last_used_at = now
    return row


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that have not expired, newest first."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at >= utcnow())
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        ).all()
    )


def revoke_token(*, session: Session, user: User, token_id: int) -> None:
    """Delete one of the user's tokens; someone else's token is as unknown as a missing one."""
    result = session.exec(
        delete(ApiToken).where(col(ApiToken.id) == token_id, col(ApiToken.user_id) == user.id)
    )
    session.commit()
    if result.rowcount == 0:
        raise NotFound(_("No such token."))


def revoke_tokens_in(*, session: Session, user_id: int) -> None:
    """Delete all the user's tokens, in the caller's transaction (an account being closed)."""
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user_id))


def get_organization(*, session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("No such organization."))
    return org
