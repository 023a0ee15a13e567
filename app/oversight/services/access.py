"""Who may do what in the bureau's oversight, and the persistence helpers its services share."""

from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.platform import audit
from app.platform.errors import Conflict, Forbidden, NotFound
from models import Center, Role, User

T = TypeVar("T")


def require_bureau(user: User | None) -> User:
    if user is None:
        raise Forbidden(_("Please log in first."))
    if user.role != Role.bureau:
        raise Forbidden(_("Only the industry and IT bureau may do this."))
    return user


def require_expert(user: User | None) -> User:
    if user is None or user.role != Role.expert:
        raise Forbidden(_("Only expert accounts may do this."))
    return user


def is_bureau(user: User | None) -> bool:
    return user is not None and user.role == Role.bureau


def manages(user: User | None, center: Center) -> bool:
    """The center's own users: those of the organization that runs it."""
    return user is not None and user.org_id is not None and user.org_id == center.org_id


def get_center(session: Session, center_id: int) -> Center:
    center = session.get(Center, center_id)
    if center is None:
        raise NotFound(_("No such innovation center."))
    return center


def require_manager(session: Session, user: User | None, center_id: int) -> Center:
    """The center, when the user runs it; the bureau only oversees and does not write a center's own records."""
    center = get_center(session, center_id)
    if not manages(user, center):
        raise Forbidden(_("Only the center's own users may record this."))
    return center


def log(
    session: Session,
    *,
    center_id: int,
    event_type: str,
    actor: User | None,
    data: dict | None = None,
    application_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> None:
    """An audit row of the center, or of its application when there is one (the center's history shows both)."""
    audit.record(
        session,
        subject="application" if application_id is not None else "center",
        subject_id=application_id if application_id is not None else center_id,
        action=event_type,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        **(data or {}),
    )


def commit_unique(session: Session, message: str, write: Callable[[], T]) -> T:
    """Run `write` and commit; a unique constraint broken by a concurrent request becomes a 409 with `message`."""
    try:
        result = write()
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message) from None
    return result


def user_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        u.id: u.name
        for u in session.exec(select(User).where(col(User.id).in_(ids))).all()
        if u.id is not None
    }
