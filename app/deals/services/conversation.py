"""The conversation of an accepted interest: messages between the two organizations, each with at most one
file (a message attachment, stored with app.platform.files; a listing's own files are app.market.services.attachments)."""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from app.deals.services.interests import get_interest, side_of, target_title
from app.platform import files
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from models import (
    Attachment,
    InterestStatus,
    Message,
    Organization,
    User,
)

MESSAGE_MAX = 5000


def attachment_bytes(session: Session, org_id: int) -> int:
    """What the organization's message attachments take in storage now."""
    used = session.exec(
        select(func.coalesce(func.sum(Attachment.size), 0))
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(Message.org_id == org_id)
    ).one()
    return int(used)


def _check_quota(session: Session, org_id: int, size: int) -> None:
    """One organization's files cannot fill the disk every other organization's files share."""
    quota_mb = current_app.config["MESSAGE_ATTACHMENTS_QUOTA_MB"]
    used = attachment_bytes(session, org_id)
    if used + size > quota_mb * 1024 * 1024:
        raise Invalid(
            _(
                "Your organization's message attachments have reached the %(quota)s MB quota, so this "
                "file was not sent. Send a link instead, or ask the platform to raise the quota.",
                quota=quota_mb,
            ),
            {"file": _("%(used)s of %(quota)s MB used.", used=round(used / 1024 / 1024, 1), quota=quota_mb)},
        )


def post_message(*, session: Session, user: User, interest_id: int, body: str, upload=None) -> Message:
    """A message from one party to the other on an accepted interest, optionally with one attachment."""
    interest = get_interest(session=session, user=user, interest_id=interest_id)
    if side_of(user, interest) is None:
        raise Forbidden(_("Only the two organizations of this interest can write here."))
    if interest.status != InterestStatus.accepted:
        raise Conflict(_("Messages can be sent once the interest has been accepted."))
    body = (body or "").strip()
    has_file = upload is not None and bool(getattr(upload, "filename", ""))
    if not body and not has_file:
        raise Invalid(_("Some fields are not valid."), {"body": _("This field is required.")})
    if len(body) > MESSAGE_MAX:
        raise Invalid(
            _("Some fields are not valid."), {"body": _("Too long: at most %(n)s characters.", n=MESSAGE_MAX)}
        )
    # stored; a party's user
    assert interest.id is not None and user.id is not None and user.org_id is not None
    stored = files.store(upload) if has_file else None
    try:
        if stored is not None:
            _check_quota(session, user.org_id, stored.size)
        message = Message(interest_id=interest.id, org_id=user.org_id, user_id=user.id, body=body)
        session.add(message)
        session.flush()
        assert message.id is not None  # given by the flush
        if stored is not None:
            session.add(
                Attachment(
                    interest_id=interest.id,
                    message_id=message.id,
                    uploaded_by=user.id,
                    original_name=stored.original_name,
                    stored_name=stored.stored_name,
                    mimetype=stored.mimetype,
                    size=stored.size,
                    sha256=stored.sha256,
                )
            )
        other = interest.to_org_id if user.org_id == interest.from_org_id else interest.from_org_id
        notify(
            session=session,
            org_id=other,
            kind="message_new",
            subject_type="interest",
            subject_id=interest.id,
            text=target_title(session, interest.target_type, interest.target_id),
            email_body=body,
        )
        session.commit()
    except BaseException:
        session.rollback()
        if stored is not None:
            files.discard(stored.stored_name)
        raise
    session.refresh(message)
    return message


def list_messages(*, session: Session, user: User, interest_id: int) -> list[Message]:
    """The conversation of an interest, oldest first: parties and the bureau only."""
    interest = get_interest(session=session, user=user, interest_id=interest_id)
    return list(
        session.exec(
            select(Message)
            .where(col(Message.interest_id) == interest.id)
            .order_by(col(Message.created_at), col(Message.id))
        ).all()
    )


def attachments_of(*, session: Session, message_ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    if message_ids:
        for row in session.exec(
            select(Attachment).where(col(Attachment.message_id).in_(message_ids)).order_by(col(Attachment.id))
        ).all():
            found.setdefault(row.message_id, []).append(row)
    return found


def messages_to_public(*, session: Session, user: User, messages: list[Message]) -> list[dict]:
    """Messages as the API shows them, each with its sender and attachments."""
    attachments = attachments_of(session=session, message_ids=[m.id for m in messages if m.id is not None])
    users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({m.user_id for m in messages}))).all()
    }
    orgs = {
        o.id: o
        for o in session.exec(
            select(Organization).where(col(Organization.id).in_({m.org_id for m in messages}))
        ).all()
    }
    return [
        {
            "id": m.id,
            "interest_id": m.interest_id,
            "body": m.body,
            "created_at": m.created_at.isoformat(),
            "mine": user is not None and m.org_id == user.org_id,
            "sender": {
                "name": users[m.user_id].name if m.user_id in users else None,
                "organization": orgs[m.org_id].name if m.org_id in orgs else None,
            },
            "attachments": [
                {
                    "id": a.id,
                    "name": a.original_name,
                    "size": a.size,
                    "mimetype": a.mimetype,
                    "url": f"/api/v1/attachments/{a.id}",
                }
                for a in (attachments.get(m.id, []) if m.id is not None else [])
            ],
        }
        for m in messages
    ]


def open_attachment(*, session: Session, user: User, attachment_id: int) -> tuple[Path, str, str]:
    """(path, download name, type) of an attachment, for the two parties and the bureau only."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_("No such file."))
    get_interest(session=session, user=user, interest_id=attachment.interest_id)
    return files.path_of(attachment.stored_name), attachment.original_name, attachment.mimetype
