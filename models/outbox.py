"""The transactional outbox: every listing change leaves a row here in the same transaction."""

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxEvent(SQLModel, table=True):
    """One change to an indexed entity; consumers replay these in id order, at least once."""

    __tablename__ = "outbox_event"

    id: int | None = Field(default=None, primary_key=True)
    # "need" | "achievement" | "service" | "center"
    entity_type: str = Field(max_length=32, index=True)
    entity_id: int = Field(index=True)
    # "upsert" | "delete": consumers read the entity's current state, so replays are idempotent.
    op: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class SyncCursor(SQLModel, table=True):
    """How far one consumer (a search backend, one host's FAISS copy) has read the outbox."""

    __tablename__ = "sync_cursor"

    consumer: str = Field(primary_key=True, max_length=64)
    last_event_id: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)
    # Consecutive failed applies and the last error, kept here so every process (and `index status`) sees them.
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=500)
