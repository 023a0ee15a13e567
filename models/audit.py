"""The audit log: one append-only row per state change of anything the platform tracks.

Contracts, centers, listings, interests, incubations, organizations and claims all write here (`app.platform.audit`),
in the transaction of the change itself. The migration adds database triggers that refuse UPDATE and DELETE on the
table, so not even a buggy service can rewrite what happened.
"""

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from models.common import utcnow


class AuditEvent(SQLModel, table=True):
    """One thing that happened to one subject: who did it, from which state to which, and why."""

    __tablename__ = "audit_event"
    # "The history of one subject" is the one read: its rows in the order they were written.
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # need | achievement | service | interest | contract | incubation | organization | claim | center | application | user
    subject_type: str = Field(max_length=32)
    subject_id: int
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    # None: the system (an expiry, a migration) or an anonymous visitor (an objection, a claim).
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_org_id: int | None = Field(default=None, foreign_key="organization.id")
    # Details: a note, a reason, the milestone of a contract's change, the application of a center's.
    data: dict = Field(default_factory=dict, sa_type=JSON)
    occurred_at: datetime = Field(default_factory=utcnow)
