"""The audit log: who changed what, from which state to which, and why — for every subject the platform tracks.

`record` adds one row to the caller's transaction and never commits: the row exists exactly when the change it
describes was committed, and a change that loses a race (rolled back) leaves none. The database refuses to
update or delete these rows (migration 0010), so `history` shows what really happened.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from models import AuditEvent, User
from models.common import utcnow

# What can have a history. Listings use their kind's name.
SUBJECTS = frozenset(
    {
        "need",
        "achievement",
        "service",
        "instrument",
        "booking",
        "financing",
        "finance_product",
        "financing_record",
        "interest",
        "contract",
        "incubation",
        "organization",
        "claim",
        "center",
        "application",
        "user",
        "auction",
        "challenge",
        "fund_call",
        "fund_application",
    }
)


def _plain(value: Any) -> Any:
    """A value JSON can store: enums by value, dates as ISO text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def record(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    action: str,
    actor: User | None,
    from_state: Any = None,
    to_state: Any = None,
    occurred_at: datetime | None = None,
    **data: Any,
) -> AuditEvent:
    """Add one audit row for a change of `subject` #`subject_id`, in the caller's transaction.

    `actor` is the user who made the change (None: the system or an anonymous visitor); their organization is
    kept too, since a user may later move or be closed. `data` holds details (a note, a reason); a detail that is
    None is left out.
    """
    if subject not in SUBJECTS:
        raise ValueError(f"unknown audit subject {subject!r}")
    event = AuditEvent(
        subject_type=subject,
        subject_id=subject_id,
        action=action,
        from_state=_plain(from_state),
        to_state=_plain(to_state),
        actor_id=actor.id if actor is not None else None,
        actor_org_id=actor.org_id if actor is not None else None,
        data={key: _plain(value) for key, value in data.items() if value is not None},
        occurred_at=occurred_at or utcnow(),
    )
    session.add(event)
    return event


def history(
    session: Session, subject: str, subject_id: int, *, parts: Mapping[str, Iterable[int]] | None = None
) -> list[AuditEvent]:
    """The subject's rows, oldest first; `parts` adds the rows of what belongs to it (a center's applications)."""
    kind, key = col(AuditEvent.subject_type), col(AuditEvent.subject_id)
    wanted = [and_(kind == subject, key == subject_id)]
    for part, ids in (parts or {}).items():
        chosen = list(ids)
        if chosen:
            wanted.append(and_(kind == part, key.in_(chosen)))
    return list(session.exec(select(AuditEvent).where(or_(*wanted)).order_by(col(AuditEvent.id))).all())
