"""Deleting one's account (个人信息保护法 art. 47), in two steps: the person asks, and after a waiting period the
platform removes their personal information.

Asking needs the password again (a session left open on a shared computer must not be enough) and schedules the
deletion ACCOUNT_DELETION_DAYS ahead; until then the account works as before, shows a banner, and the person may
cancel. `purge_due` (run daily: `flask users purge-deletions`) then carries out every deletion whose day has come.

What is removed and what is kept, and why:
- The user row stays, because contracts, signatures, messages, NDA acceptances and audit rows point at it and the
  other parties and the bureau must keep those. Its name becomes a stable pseudonym (`pseudonym`), so every page
  that shows who signed or wrote something now shows the pseudonym; the email becomes a unique address that no
  mail can reach; the password is cleared; the account is deactivated and every session and API token ends.
- Saved searches, notifications and digest bookkeeping are deleted: they served only the person.
- Where the person's name and phone are their organization's contact details, or a claim they filed, those are
  cleared too. The organization itself stays, even when the person was its last active user: its listings,
  contracts and history belong to it.
Each step (requested, cancelled, deleted) is a row of the audit log.
"""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

from app.platform import audit
from app.platform.errors import Conflict, Invalid
from app.platform.permissions import require_login
from models import (
    ApiToken,
    DigestRun,
    ExpertProfile,
    Notification,
    Organization,
    OrganizationClaim,
    SavedSearch,
    User,
)
from models.common import utcnow

PSEUDONYM_PREFIX = "已注销用户-"
# A domain reserved never to exist (RFC 2606), so the placeholder address can reach no one.
PLACEHOLDER_DOMAIN = "deleted.invalid"
SCHEDULED, DELETED = "deletion_scheduled", "deleted"
log = logging.getLogger(__name__)


def _digest(user_id: int) -> str:
    """A short keyed hash of the user id: the same for the same id and secret, unguessable without the secret."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"deleted-user:{user_id}".encode(), hashlib.sha256).hexdigest()[:10]


def pseudonym(user_id: int) -> str:
    """The name a deleted account is shown under: stable, so a conversation still tells its writers apart."""
    return f"{PSEUDONYM_PREFIX}{_digest(user_id)}"


def placeholder_email(user_id: int) -> str:
    """A unique address that delivers nowhere and that registration refuses (a special-use domain)."""
    return f"deleted-{user_id}-{_digest(user_id)}@{PLACEHOLDER_DOMAIN}"


def waiting_days() -> int:
    return int(current_app.config["ACCOUNT_DELETION_DAYS"])


def is_scheduled(user: User | None) -> bool:
    return user is not None and user.deletion_due_at is not None and user.deleted_at is None


def request_deletion(*, session: Session, user: User | None, password: str | None) -> User:
    """Schedule the user's deletion after the waiting period, once they have typed their password again.

    A wrong password schedules nothing (422 naming the field). Asking twice, or twice at once, leaves one
    schedule: the update only takes an account with none, and the loser is told the date already set (409).
    """
    user = require_login(user)
    assert user.id is not None  # a stored user
    if not isinstance(password, str) or not check_password_hash(user.password_hash, password):
        raise Invalid(_("Some fields are not valid."), {"password": _("The password is not right.")})
    now = utcnow()
    due = now + timedelta(days=waiting_days())
    taken = session.exec(
        update(User)
        .where(
            col(User.id) == user.id,
            col(User.deletion_requested_at).is_(None),
            col(User.deleted_at).is_(None),
        )
        .values(deletion_requested_at=now, deletion_due_at=due)
    )
    if taken.rowcount != 1:
        session.rollback()
        session.refresh(user)
        raise Conflict(_already_scheduled(user))
    audit.record(
        session,
        subject="user",
        subject_id=user.id,
        action="deletion_requested",
        actor=user,
        to_state=SCHEDULED,
        due_at=due.isoformat(),
    )
    session.commit()
    session.refresh(user)
    return user


def _already_scheduled(user: User) -> str:
    if user.deletion_due_at is None:
        return _("This account cannot be deleted now.")
    return _(
        "The deletion of this account is already scheduled for %(date)s.",
        date=user.deletion_due_at.strftime("%Y-%m-%d"),
    )


def cancel_deletion(*, session: Session, user: User | None) -> User:
    """Keep the account: clear the schedule while its day has not been carried out (409 when none is set)."""
    user = require_login(user)
    assert user.id is not None  # a stored user
    cleared = session.exec(
        update(User)
        .where(
            col(User.id) == user.id,
            col(User.deletion_requested_at).is_not(None),
            col(User.deleted_at).is_(None),
        )
        .values(deletion_requested_at=None, deletion_due_at=None)
    )
    if cleared.rowcount != 1:
        session.rollback()
        raise Conflict(_("No deletion is scheduled for this account."))
    audit.record(
        session,
        subject="user",
        subject_id=user.id,
        action="deletion_cancelled",
        actor=user,
        from_state=SCHEDULED,
    )
    session.commit()
    session.refresh(user)
    return user


def purge_due(*, session: Session, now: datetime | None = None) -> list[int]:
    """Carry out every deletion whose day has come; the ids of the accounts deleted. Each account is its own
    transaction, so one failure leaves the others done, and running again (or twice at once) deletes none twice."""
    now = now or utcnow()
    due = session.exec(
        select(User.id).where(
            col(User.deleted_at).is_(None),
            col(User.deletion_due_at).is_not(None),
            col(User.deletion_due_at) <= now,
        )
    ).all()
    deleted = []
    for user_id in due:
        if user_id is None:
            continue
        try:
            if _purge(session, user_id, now):
                deleted.append(user_id)
        except SQLAlchemyError:
            # One account that cannot be purged now (a lost connection, a constraint) must not keep the others
            # waiting; it is still due, so the next run tries it again.
            session.rollback()
            log.exception("deleting account %s failed; the next run tries again", user_id)
    return deleted


def _purge(session: Session, user_id: int, now: datetime) -> bool:
    user = session.get(User, user_id)
    if user is None:
        return False
    former_name = user.name
    # The guard repeats the schedule, so a cancellation or another purge that committed first wins.
    taken = session.exec(
        update(User)
        .where(
            col(User.id) == user_id,
            col(User.deleted_at).is_(None),
            col(User.deletion_due_at).is_not(None),
            col(User.deletion_due_at) <= now,
        )
        .values(
            deleted_at=now,
            name=pseudonym(user_id),
            email=placeholder_email(user_id),
            password_hash="",
            active=False,
            session_version=User.session_version + 1,
        )
    )
    if taken.rowcount != 1:
        session.rollback()
        return False
    for table in (ApiToken, Notification, SavedSearch, DigestRun):
        session.exec(delete(table).where(col(table.user_id) == user_id))
    session.exec(
        update(ExpertProfile).where(col(ExpertProfile.user_id) == user_id).values(affiliation="", title="")
    )
    if user.org_id is not None:
        # The organization's contact details are the person's own when they name them.
        session.exec(
            update(Organization)
            .where(col(Organization.id) == user.org_id, col(Organization.contact_name) == former_name)
            .values(contact_name=None, contact_phone=None)
        )
    session.exec(
        update(OrganizationClaim)
        .where(col(OrganizationClaim.user_id) == user_id)
        .values(
            contact_name=pseudonym(user_id),
            contact_phone=None,
            email=placeholder_email(user_id),
            password_hash="",
        )
    )
    audit.record(
        session,
        subject="user",
        subject_id=user_id,
        action="deleted",
        actor=None,
        from_state=SCHEDULED,
        to_state=DELETED,
        occurred_at=now,
        org_id=user.org_id,
    )
    session.commit()
    return True
