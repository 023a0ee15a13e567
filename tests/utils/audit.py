"""Reading the audit log in tests: a subject's history as the services see it, fresh from the database."""

from sqlmodel import Session

from app.platform import audit
from models import AuditEvent


def trail(session: Session, subject: str, subject_id: int, **parts) -> list[AuditEvent]:
    """The subject's audit rows, oldest first, after dropping whatever the session had cached."""
    session.expire_all()
    return audit.history(session, subject, subject_id, parts=parts or None)


def actions(session: Session, subject: str, subject_id: int, **parts) -> list[str]:
    return [row.action for row in trail(session, subject, subject_id, **parts)]
