"""The persistence helpers the oversight services share (who may do what is app.platform.permissions)."""

from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.platform import audit
from app.platform.errors import Conflict, NotFound
from models import Center, User

T = TypeVar("T")


def get_center(session: Session, center_id: int) -> Center:
    center = session.get(Center, center_id)
    if center is None:
        raise NotFound(_("No such innovation center."))
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
