"""A test-only listing table and the app-like glue around it: save with an outbox event, load documents."""

from __future__ import annotations

import time

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from indexing.sync import record_change
from models.outbox import OutboxEvent, SyncCursor

# Its own MetaData, so the app's fixtures (which truncate every SQLModel table) never see it.
metadata = MetaData()
listing = Table(
    "sync_test_listing",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False, default=""),
    # Confidential details: stored, never sent to a search backend.
    Column("secret", Text, nullable=False, default=""),
    Column("region", String(32)),
    Column("published", Boolean, nullable=False, default=True),
    Column("updated_at", Float, nullable=False, default=0.0),
)


def make_engine(url: str) -> Engine:
    """An engine with the outbox tables and the test listing table created."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        # Thousands of one-row commits in the crash test; durability against power loss is not under test.
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous = OFF"))
    OutboxEvent.metadata.create_all(engine, tables=[OutboxEvent.__table__, SyncCursor.__table__])
    metadata.create_all(engine)
    return engine


def save(engine: Engine, listing_id: int | None = None, **values) -> int:
    """Create or change a listing and record the outbox event in the same transaction."""
    values.setdefault("updated_at", time.time())
    with Session(engine) as session:
        if listing_id is None:
            listing_id = session.execute(insert(listing).values(**values)).inserted_primary_key[0]
        else:
            session.execute(sql_update(listing).where(listing.c.id == listing_id).values(**values))
        record_change(session, "need", listing_id, "upsert")
        session.commit()
    return listing_id


def remove(engine: Engine, listing_id: int) -> None:
    """Delete a listing and record the outbox event in the same transaction."""
    with Session(engine) as session:
        session.execute(sql_delete(listing).where(listing.c.id == listing_id))
        record_change(session, "need", listing_id, "delete")
        session.commit()


def to_document(row) -> dict:
    """The search document of one listing, public fields only."""
    return {
        "id": f"need-{row.id}",
        "type": "need",
        "entity_id": row.id,
        "title": row.title,
        "body": row.body,
        "industry": None,
        "cooperation_modes": [],
        "trl": None,
        "region": row.region,
        "status": "published",
        "org_name": "",
        "updated_at": row.updated_at,
    }


def load_documents(session: Session, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict | None]:
    """Current documents for outbox keys; unpublished or missing listings map to None (delete)."""
    ids = [entity_id for entity_type, entity_id in keys if entity_type == "need"]
    rows = session.execute(select(listing).where(listing.c.id.in_(ids), listing.c.published.is_(True))).all()
    found = {("need", row.id): to_document(row) for row in rows}
    return {key: found.get(key) for key in keys}


def published_documents(engine: Engine) -> dict[str, dict]:
    """What every sink should hold: the published listings, by document id."""
    with Session(engine) as session:
        rows = session.execute(select(listing).where(listing.c.published.is_(True))).all()
    return {f"need-{row.id}": to_document(row) for row in rows}
