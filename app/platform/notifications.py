"""In-app notifications and their emails.

A notice says what happened: the object (`text`, its name), what it became (`state`, a status code shown as its
label in the reader's language) and, when the sentence needs it, a `detail` (a milestone's title, a refusal's
reasons). Its link is computed from (subject_type, subject_id) by one table, `SUBJECT_LINKS`, so the page, the API,
the emails and the digest all point at the same place.

`notify` adds rows to the caller's transaction, so a notice exists exactly when the change it reports was
committed. Email is optional: with MAIL_SERVER set, the messages are handed to a one-thread sender after the
commit, so a slow or dead SMTP server never delays or fails a request.
"""

import inspect
import smtplib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from functools import cache
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import event, func, update
from sqlmodel import Session, col, select

from app.platform.errors import Forbidden
from models import LISTING_KINDS, Notification, User
from models.common import utcnow

# kind -> the sentence shown to the reader, in the reader's language. `text` names the object (a title). A
# sentence that also names the new state or a detail takes them as `state` (already a label) and `detail`; one
# that takes `text` alone gets the state appended when the notice has one. Rows written before `state` and
# `detail` existed have neither: a sentence that needs them falls back to its older wording.
KIND_TEXT: dict[str, Callable[..., str]] = {
    "interest_new": lambda text: _("New expression of interest: %(text)s", text=text),
    "interest_accepted": lambda text: _("Your interest was accepted: %(text)s", text=text),
    "interest_declined": lambda text: _("Your interest was declined: %(text)s", text=text),
    "interest_withdrawn": lambda text: _("An expression of interest was withdrawn: %(text)s", text=text),
    "nda_accepted": lambda text: _("The NDA was accepted: %(text)s", text=text),
    "need_access_granted": lambda text: _("You were granted access to the details of: %(text)s", text=text),
    "need_access_revoked": lambda text: _("Your access to the details was revoked: %(text)s", text=text),
    "message_new": lambda text: _("New message about: %(text)s", text=text),
    "contract_created": lambda text: _("A draft contract was created: %(text)s", text=text),
    # Instrument bookings: to the owner (requests, cancellations), to the booker (decisions, reports), to both
    # the day before.
    "booking_requested": lambda text: _("New booking request: %(text)s", text=text),
    "booking_decided": lambda text: _("Your booking was decided: %(text)s", text=text),
    "booking_cancelled": lambda text: _("A booking was cancelled: %(text)s", text=text),
    "booking_report": lambda text: _("Usage recorded with a report: %(text)s", text=text),
    "booking_reminder": lambda text: _("Reminder, a booking starts tomorrow: %(text)s", text=text),
    "contract_signed": lambda text: _("Contract signed: %(text)s", text=text),
    "contract_text_edited": lambda text: _("The other party edited the contract text: %(text)s", text=text),
    "contract_transition": lambda text: _("Contract status changed: %(text)s", text=text),
    "milestone_changed": lambda text, state="", detail="": (
        _("Contract “%(text)s”, milestone “%(detail)s”: %(state)s", text=text, detail=detail, state=state)
        if state and detail
        else _("Milestone status changed: %(text)s", text=text)
    ),
    "registration": lambda text: _("Contract registration number recorded: %(text)s", text=text),
    "contract_completed_need": lambda text: _(
        "A contract for your need is completed: %(text)s. Close the need as solved on this platform?",
        text=text,
    ),
    "registration_submitted": lambda text: _(
        "Contract submitted for technology contract registration: %(text)s", text=text
    ),
    "registration_withdrawn": lambda text: _(
        "Contract registration submission withdrawn: %(text)s", text=text
    ),
    "registration_registered": lambda text: _(
        "Contract registered by the technology contract registration office: %(text)s", text=text
    ),
    "registration_refused": lambda text: _("Contract registration refused: %(text)s", text=text),
    "incubation_graduated": lambda text: _("An incubated enterprise graduated: %(text)s", text=text),
    "incubation_exited": lambda text: _("An incubated enterprise left incubation: %(text)s", text=text),
    "incubation_to_confirm": lambda text: _(
        "An innovation center recorded your enterprise as incubated; please confirm or reject: %(text)s",
        text=text,
    ),
    "incubation_confirmed": lambda text: _("The enterprise confirmed its incubation: %(text)s", text=text),
    "incubation_rejected": lambda text: _(
        "The enterprise rejected the incubation record: %(text)s", text=text
    ),
    "digest": lambda text: _("Your daily digest: %(text)s", text=text),
    # The bureau's workflow: the applicant (the lead unit's users) at every step of its application.
    "application_review": lambda text, state="", detail="": _(
        "Your application “%(text)s” moved to %(state)s: an expert panel was formed", text=text, state=state
    ),
    "application_inspection": lambda text, state="", detail="": _(
        "Your application “%(text)s” passed the expert review; next step: %(state)s", text=text, state=state
    ),
    "application_notice": lambda text, state="", detail="": _(
        "Your application “%(text)s” passed the site inspection and is on public notice until %(detail)s",
        text=text,
        detail=detail,
    ),
    "application_objection": lambda text, state="", detail="": _(
        "An objection to your application “%(text)s” was received during the public notice", text=text
    ),
    "application_filed": lambda text, state="", detail="": _(
        "Your application “%(text)s” was approved: %(state)s", text=text, state=state
    ),
    "application_refused": lambda text, state="", detail="": _(
        "Your application “%(text)s” was refused: %(detail)s", text=text, detail=detail
    ),
    # Experts: assigned to a panel, and when they may score.
    "review_assigned": lambda text, state="", detail="": _(
        "You were assigned to the expert panel of the application “%(text)s”; scoring is open", text=text
    ),
    "evaluation_assigned": lambda text, state="", detail="": _(
        "You were assigned to score the %(detail)s annual evaluation of “%(text)s”", text=text, detail=detail
    ),
    "scoring_open": lambda text, state="", detail="": _(
        "Scoring is open: the %(detail)s annual evaluation of “%(text)s”", text=text, detail=detail
    ),
    # Centers (the users of the organization that runs one): their annual evaluation.
    "evaluation_opened": lambda text, state="", detail="": _(
        "The annual evaluation of “%(text)s” is open: submit the operation report by %(detail)s",
        text=text,
        detail=detail,
    ),
    "report_due": lambda text, state="", detail="": _(
        "The annual report of “%(text)s” is due by %(detail)s", text=text, detail=detail
    ),
    # Centers: their three-year assessment and what a failing one leads to.
    "assessment_decided": lambda text, state="", detail="": _(
        "The three-year assessment of “%(text)s”: %(state)s", text=text, state=state
    ),
    "rectification_ordered": lambda text, state="", detail="": _(
        "“%(text)s” is ordered to rectify; report by %(detail)s", text=text, detail=detail
    ),
    "rectification_reported": lambda text, state="", detail="": _(
        "The rectification report of “%(text)s” is submitted; the bureau will decide", text=text
    ),
    "rectification_accepted": lambda text, state="", detail="": _(
        "The rectification of “%(text)s” is accepted: %(detail)s", text=text, detail=detail
    ),
    "filing_revoked": lambda text, state="", detail="": _(
        "The filing of “%(text)s” is revoked: %(detail)s", text=text, detail=detail
    ),
    # Open trading (app.trading): auctions, price notices, open challenges.
    "auction_outbid": lambda text, state="", detail="": _(
        "You were outbid in the auction of “%(text)s”: the price is now %(detail)s yuan",
        text=text,
        detail=detail,
    ),
    "auction_won": lambda text, state="", detail="": _(
        "You won the auction of “%(text)s” at %(detail)s yuan: a draft contract awaits you",
        text=text,
        detail=detail,
    ),
    "auction_sold": lambda text: _("Your auction of “%(text)s” closed sold", text=text),
    "auction_unsold": lambda text: _("Your auction of “%(text)s” closed unsold", text=text),
    "price_notice_objection": lambda text: _(
        "An objection to the price notice of “%(text)s” was received", text=text
    ),
    "challenge_proposal": lambda text: _("A new proposal to your challenge: %(text)s", text=text),
    "financing_recorded": lambda text: _(
        "A financing was recorded for you, please confirm it: %(text)s", text=text
    ),
    "financing_decided": lambda text: _(
        "The financed organization answered your financing record: %(text)s", text=text
    ),
    "challenge_selected": lambda text: _(
        "Your proposal was selected for the challenge “%(text)s”: a draft contract follows", text=text
    ),
    "challenge_review_assigned": lambda text: _(
        "You were asked to score a proposal to the open challenge “%(text)s”", text=text
    ),
    # The development fund (app.oversight.services.fund).
    "fund_call_opened": lambda text, state="", detail="": _(
        "The development fund call “%(text)s” is open for applications until %(detail)s",
        text=text,
        detail=detail,
    ),
    "fund_review_assigned": lambda text: _(
        "You were assigned to score the development fund application “%(text)s”", text=text
    ),
    "fund_decided": lambda text, state="", detail="": _(
        "Your application to the development fund call “%(text)s”: %(state)s", text=text, state=state
    ),
    "fund_disbursed": lambda text, state="", detail="": _(
        "A payment of %(detail)s yuan from the development fund call “%(text)s” was recorded",
        text=text,
        detail=detail,
    ),
}

# Which label table a notice's `state` is a code of: by kind first, else by the subject's type.
STATE_TABLES_BY_KIND = {"milestone_changed": "milestone_status", "assessment_decided": "grade"}
STATE_TABLES_BY_SUBJECT = {
    "contract": "contract_status",
    "interest": "interest_status",
    "incubation": "incubation_status",
    "application": "center_status",
    "need": "listing_status",
    "achievement": "listing_status",
    "service": "listing_status",
    "instrument": "listing_status",
    "booking": "booking_status",
    "fund_application": "fund_status",
    "financing_record": "financing_record_status",
}

# subject_type -> (endpoint, the argument the subject's id fills or None, fixed arguments): where a notice links.
SUBJECT_LINKS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "contract": ("deals.contract", "contract_id", {}),
    "interest": ("deals.interest", "interest_id", {}),
    "incubation": ("deals.incubation_list", None, {}),
    "digest": ("deals.saved_search_list", None, {}),
    **{
        kind: ("listings.detail", "listing_id", {"segment": LISTING_KINDS[kind].segment})
        for kind in ("need", "achievement", "service", "instrument", "financing", "finance_product")
    },
    "booking": ("instruments.booking", "booking_id", {}),
    "financing_record": ("financing.records_page", None, {}),
    "center": ("profiles.center", "center_id", {}),
    "application": ("oversight.application", "application_id", {}),
    "evaluation": ("oversight.evaluation", "evaluation_id", {}),
    "assignment": ("oversight.assignment", "assignment_id", {}),
    # A center's assessment and rectification: its users act on them on their own center page.
    "center_assessment": ("oversight.my_center", None, {}),
    "rectification": ("oversight.my_center", None, {}),
    "auction": ("trading.auction", "auction_id", {}),
    "challenge": ("trading.challenge", "challenge_id", {}),
    "fund_call": ("oversight.fund_call", "call_id", {}),
    "fund_application": ("oversight.fund_application", "application_id", {}),
}


@cache
def _takes_details(render: Callable[..., str]) -> bool:
    try:
        return "state" in inspect.signature(render).parameters
    except (TypeError, ValueError):
        return False


def state_label(notification: Notification) -> str:
    """The notice's state in the current language, or "" when it has none."""
    if not notification.state:
        return ""
    table = STATE_TABLES_BY_KIND.get(notification.kind) or STATE_TABLES_BY_SUBJECT.get(
        notification.subject_type
    )
    # The label tables of every domain, which the web layer shares on the app (platform imports no domain).
    labels = current_app.extensions.get("label_tables", {}).get(table or "", {})
    return str(labels.get(notification.state, notification.state))


def notification_text(notification: Notification) -> str:
    """The notice as a sentence in the current language: the object, what it became, and the detail it needs."""
    render = KIND_TEXT.get(notification.kind)
    state = state_label(notification)
    if render is None:
        sentence = notification.text
    elif _takes_details(render):
        return render(notification.text, state=state, detail=notification.detail or "")
    else:
        sentence = render(notification.text)
    return _("%(sentence)s (%(state)s)", sentence=sentence, state=state) if state else sentence


def link_path(subject_type: str | None, subject_id: int | None) -> str | None:
    """The path of the page a notice's subject lives on, or None for a subject with no page."""
    target = SUBJECT_LINKS.get(subject_type or "")
    if target is None:
        return None
    endpoint, id_arg, fixed = target
    values: dict[str, Any] = dict(fixed)
    if id_arg is not None:
        if subject_id is None:
            return None
        values[id_arg] = subject_id
    if has_request_context():
        return url_for(endpoint, **values)
    # Outside a request (the daily digest from cron) there is no host to ask: build the path alone.
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notification_link(notification: Notification) -> str | None:
    return link_path(notification.subject_type, notification.subject_id)


def absolute_url(path: str) -> str:
    """A path as a link that works outside the site (emails): PUBLIC_BASE_URL in front."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def notification_to_public(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "subject_type": notification.subject_type,
        "subject_id": notification.subject_id,
        "text": notification_text(notification),
        "state": notification.state,
        "link": notification_link(notification),
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def _recipients(
    session: Session, user_ids: Iterable[int] | None, org_id: int | None, org_ids: Iterable[int] | None
) -> list[User]:
    stmt = select(User).where(col(User.active).is_(True))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    elif org_ids is not None:
        stmt = stmt.where(col(User.org_id).in_(list(org_ids)))
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
    state: str | None = None,
    detail: str | None = None,
    org_ids: Iterable[int] | None = None,
    email_html: str = "",
) -> list[Notification]:
    """Notify some users, every active user of an organization, or of several (`org_ids`), in the caller's
    transaction (no commit). `state` is the object's new status code, `detail` what else the kind's sentence
    names; `email_body` and `email_html` (already escaped) follow the sentence and link in the email."""
    rows = []
    users = _recipients(session, user_ids, org_id, org_ids)
    for user in users:
        assert user.id is not None  # a stored user
        row = Notification(
            user_id=user.id,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            text=text[:500],
            state=state,
            detail=detail[:500] if detail else None,
        )
        session.add(row)
        rows.append(row)
    if users and current_app.config.get("MAIL_SERVER"):
        _queue_mail(
            session,
            [(user.email, row, email_body, email_html) for user, row in zip(users, rows, strict=True)],
        )
    return rows


def render_mail(row: Notification, body: str = "", html: str = "") -> tuple[str, str, str]:
    """Subject, text and HTML, Chinese first and English second (the recipient's language is not known here),
    with the absolute link of the notice's object."""
    texts = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            texts.append(notification_text(row))
    path = notification_link(row)
    link = absolute_url(path) if path else ""
    text = "\n".join([*texts, "", link, "", body]).strip() + "\n"
    lines = "<br>".join(str(escape(t)) for t in texts)
    head = f'<p><a href="{escape(link)}">{lines}</a></p>' if link else f"<p>{lines}</p>"
    page = f"<!doctype html><html><body>{head}{html}</body></html>\n"
    return texts[0], text, page


def _queue_mail(session: Session, items: list[tuple[str, Notification, str, str]]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    messages = []
    for address, row, body, html in items:
        subject, text, page = render_mail(row, body, html)
        message = EmailMessage()
        message["From"] = app.config["MAIL_DEFAULT_SENDER"]
        message["To"] = address
        message["Subject"] = subject
        message.set_content(text)
        message.add_alternative(page, subtype="html")
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


def mail_enabled() -> bool:
    """Whether the app can write to people (MAIL_SERVER set)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def compose_mail(to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text message from the platform's sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    return message


def send_soon(messages: list[EmailMessage]) -> None:
    """Hand messages that belong to no transaction (or to one already committed) to the mail thread."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    if messages and app.config.get("MAIL_SERVER"):
        _mail_executor(app).submit(send_mail, app.config, messages, app.logger)


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
