"""In-app notifications and their emails.

`notify` adds rows to the caller's transaction, so a notice exists exactly when the change it reports was
committed. Email is optional: with MAIL_SERVER set, the messages are handed to a one-thread sender after the
commit, so a slow or dead SMTP server never delays or fails a request.
"""

import smtplib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, update
from sqlmodel import Session, col, select

from app.platform.errors import Forbidden
from models import Notification, User
from models.common import utcnow

# kind -> the sentence shown to the reader, in the reader's language; `text` names the subject (a title).
KIND_TEXT = {
    "interest_new": lambda text: _("New expression of interest: %(text)s", text=text),
    "interest_accepted": lambda text: _("Your interest was accepted: %(text)s", text=text),
    "interest_declined": lambda text: _("Your interest was declined: %(text)s", text=text),
    "interest_withdrawn": lambda text: _("An expression of interest was withdrawn: %(text)s", text=text),
    "nda_accepted": lambda text: _("The NDA was accepted: %(text)s", text=text),
    "message_new": lambda text: _("New message about: %(text)s", text=text),
    "contract_created": lambda text: _("A draft contract was created: %(text)s", text=text),
    "contract_signed": lambda text: _("Contract signed: %(text)s", text=text),
    "contract_transition": lambda text: _("Contract status changed: %(text)s", text=text),
    "milestone_changed": lambda text: _("Milestone status changed: %(text)s", text=text),
    "registration": lambda text: _("Contract registration number recorded: %(text)s", text=text),
    "contract_completed_need": lambda text: _(
        "A contract for your need is completed: %(text)s. Close the need as solved on this platform?",
        text=text,
    ),
    "incubation_graduated": lambda text: _("An incubated enterprise graduated: %(text)s", text=text),
    "incubation_exited": lambda text: _("An incubated enterprise left incubation: %(text)s", text=text),
    "digest": lambda text: _("Your daily digest: %(text)s", text=text),
}


def notification_text(notification: Notification) -> str:
    """The notice as a sentence in the current language."""
    render = KIND_TEXT.get(notification.kind)
    return render(notification.text) if render else notification.text


def notification_to_public(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "subject_type": notification.subject_type,
        "subject_id": notification.subject_id,
        "text": notification_text(notification),
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def _recipients(session: Session, user_ids: Iterable[int] | None, org_id: int | None) -> list[User]:
    stmt = select(User).where(col(User.active).is_(True))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    else:
        stmt = stmt.where(col(User.id).in_(list(user_ids or [])))
    return list(session.exec(stmt.order_by(col(User.id))).all())


def notify(
    *,
    session: Session,
    kind: str,
    subject_type: str,
    subject_id: int,
    text: str,
    user_ids: Iterable[int] | None = None,
    org_id: int | None = None,
    email_body: str = "",
) -> list[Notification]:
    """Notify some users, or every active user of an organization, in the caller's transaction (no commit)."""
    rows = []
    users = _recipients(session, user_ids, org_id)
    for user in users:
        assert user.id is not None  # a stored user
        row = Notification(
            user_id=user.id, kind=kind, subject_type=subject_type, subject_id=subject_id, text=text[:500]
        )
        session.add(row)
        rows.append(row)
    if users and current_app.config.get("MAIL_SERVER"):
        _queue_mail(session, [(user.email, row, email_body) for user, row in zip(users, rows, strict=True)])
    return rows


def _render_mail(row: Notification, body: str) -> tuple[str, str]:
    """Subject and body, Chinese first and English second: the recipient's language is not known here."""
    texts = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            texts.append(notification_text(row))
    subject = texts[0]
    return subject, "\n".join([*texts, "", body]).strip() + "\n"


def _queue_mail(session: Session, items: list[tuple[str, Notification, str]]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    messages = []
    for address, row, body in items:
        subject, text = _render_mail(row, body)
        message = EmailMessage()
        message["From"] = app.config["MAIL_DEFAULT_SENDER"]
        message["To"] = address
        message["Subject"] = subject
        message.set_content(text)
        messages.append(message)
    pending = session.info.setdefault("pending_mail", [])
    pending.extend(messages)
    if not session.info.get("mail_hooked"):
        session.info["mail_hooked"] = True
        event.listen(session, "after_commit", lambda s: _send_pending(app, s))
        event.listen(session, "after_rollback", lambda s: s.info.pop("pending_mail", None))


def _mail_executor(app) -> ThreadPoolExecutor:
    executor = app.extensions.get("mail_executor")
    if executor is None:
        executor = app.extensions.setdefault(
            "mail_executor", ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")
        )
    return executor


def _send_pending(app, session: Session) -> None:
    messages = session.info.pop("pending_mail", None)
    if messages:
        _mail_executor(app).submit(send_mail, app.config, messages, app.logger)


def send_mail(config, messages: list[EmailMessage], logger) -> int:
    """Send over SMTP; a failure is logged and never raised, because email is a convenience, not a duty."""
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
        return len(messages)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("could not send %d notification emails: %s", len(messages), exc)
        return 0


def _require_user(user: User | None) -> User:
    if user is None:
        raise Forbidden(_("Please log in first."))
    return user


def list_notifications(
    *, session: Session, user: User, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    """The user's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == _require_user(user).id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    return list(session.exec(stmt.order_by(col(Notification.id).desc()).limit(limit)).all())


def unread_count(*, session: Session, user: User) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == _require_user(user).id, col(Notification.read_at).is_(None))
    ).one()


def mark_read(*, session: Session, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or all) of the user's unread notifications read; returns how many changed."""
    stmt = update(Notification).where(
        col(Notification.user_id) == _require_user(user).id, col(Notification.read_at).is_(None)
    )
    if ids is not None:
        stmt = stmt.where(col(Notification.id).in_(ids))
    changed = session.connection().execute(stmt.values(read_at=utcnow())).rowcount
    session.commit()
    return changed
