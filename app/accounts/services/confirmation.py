"""Registration that confirms the email address, so registering does not tell anyone who has an account.

With email configured (MAIL_SERVER), a registration for a new address creates the organization and a user that
cannot log in yet, and mails a link to the address; a registration for an address that already has an account
creates nothing and mails the owner instead (someone tried to register with it: here is how to log in). Both
answer the same, after the same work (the password is hashed either way), so the answer says nothing about the
address. The credit code stays a visible conflict: organizations are public.

The link carries a signed, expiring token (itsdangerous, the app's SECRET_KEY, a salt of its own,
EMAIL_CONFIRM_HOURS) naming the user and a fingerprint of their email, password hash and confirmation state:
once the address is confirmed, or the account changed, the link stops working, so no table of tokens is needed.
"""

import hashlib
import logging
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from werkzeug.security import generate_password_hash

from app.accounts.services import accounts
from app.platform.errors import ServiceError
from app.platform.notifications import absolute_url, compose_mail, send_soon
from models import RegistrationIn, User
from models.common import utcnow

SALT = "email-confirmation"
log = logging.getLogger(__name__)


class BadLink(ServiceError):
    """The confirmation link is forged, expired, already used or for an account that changed since."""

    status = 400
    code = "bad_confirmation_link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    confirmed = user.email_confirmed_at.isoformat() if user.email_confirmed_at else ""
    seed = "\0".join([user.email, user.password_hash, confirmed])
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def confirmation_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def confirm(*, session: Session, token: str) -> User:
    """Record that the user read the link's mail and return them (to be logged in); a bad link is a 400."""
    refused = BadLink(_("This confirmation link is not valid or has expired. Ask for a new one below."))
    try:
        data: Any = _serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_HOURS"] * 3600)
    except (SignatureExpired, BadSignature):
        raise refused from None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise refused
    # Only the first of two clicks racing each other confirms; the other sees a used link.
    done = session.exec(
        update(User)
        .where(col(User.id) == user.id, col(User.email_confirmed_at).is_(None))
        .values(email_confirmed_at=utcnow())
    )
    session.commit()
    if done.rowcount != 1:
        raise refused
    session.refresh(user)
    return user


def register_pending(
    *, session: Session, registration: RegistrationIn, consent_version: str | None = None
) -> None:
    """Register with a confirmation mail to a new address, or a warning mail to the owner of a known one; the
    caller answers the same in both cases. Bad fields (422) and a taken credit code (409) are refused as ever."""
    region = accounts.check_registration(registration)
    accounts.check_credit_code(session, registration.organization.credit_code)
    password_hash = generate_password_hash(registration.password)  # whichever way, so both take as long
    owner = accounts.user_by_email(session, registration.email)
    if owner is not None:
        send_soon([_attempt_mail(owner)])
        return
    try:
        user = accounts.create_registered(
            session,
            registration,
            region=region,
            password_hash=password_hash,
            consent_version=consent_version,
            confirmed=False,
        )
    except IntegrityError:
        session.rollback()
        owner = accounts.user_by_email(session, registration.email)
        if owner is None:  # the credit code, taken meanwhile
            accounts.check_credit_code(session, registration.organization.credit_code)
            raise
        send_soon([_attempt_mail(owner)])  # a concurrent registration of the same address won
        return
    session.refresh(user)
    send_soon([_confirmation_mail(user)])


def resend(*, session: Session, email: str) -> None:
    """A new link for an account still waiting for its confirmation; any other address gets nothing (the
    caller answers the same whatever the address)."""
    user = accounts.user_by_email(session, email)
    if user is not None and user.active and user.email_confirmed_at is None:
        send_soon([_confirmation_mail(user)])


def _both_languages(render) -> str:
    parts = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            parts.append(render())
    return "\n\n----\n\n".join(parts) + "\n"


def _confirmation_mail(user: User) -> Any:
    link = absolute_url(url_for("auth.confirm_email", token=confirmation_token(user)))
    hours = current_app.config["EMAIL_CONFIRM_HOURS"]
    with force_locale("zh_Hans_CN"):
        subject = _("Confirm your email to finish registering")
    text = _both_languages(
        lambda: _(
            "Follow this link within %(hours)s hours to confirm your email and finish registering:\n\n%(link)s\n\n"
            "If you did not register, ignore this email: the account will not be usable.",
            hours=hours,
            link=link,
        )
    )
    return compose_mail(user.email, subject, text)


def _attempt_mail(owner: User) -> Any:
    login = absolute_url(url_for("auth.login"))
    resend_link = absolute_url(url_for("auth.resend_confirmation"))
    with force_locale("zh_Hans_CN"):
        subject = _("Someone tried to register with your email")
    text = _both_languages(
        lambda: _(
            "Someone tried to register a new organization with this email address, which already has an "
            "account. Nothing was changed.\n\nIf it was you, log in here:\n%(login)s\n\nIf you forgot your "
            "password, contact the platform's administrator to reset it. If your account still waits for its "
            "confirmation, ask for a new link here:\n%(resend)s\n\nIf it was not you, ignore this email.",
            login=login,
            resend=resend_link,
        )
    )
    return compose_mail(owner.email, subject, text)
