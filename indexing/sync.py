"""The outbox worker: drains listing changes into every sink (search backend, vector store), at least once.

The app writes an ``OutboxEvent`` in the same transaction as the listing change (``record_change``).
The worker reads events after each sink's cursor, loads the listings' *current* state, applies it, and only
then moves the cursor. Applying current state makes replays idempotent, so a crash between apply and
cursor update costs a repeat, never a loss.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from indexing.base import ENTITY_TYPES, SearchBackend, doc_id
from models.outbox import OutboxEvent, SyncCursor, utcnow

log = logging.getLogger(__name__)

Key = tuple[str, int]
LoadDocuments = Callable[[Session, list[Key]], dict[Key, dict[str, Any] | None]]
OPS = ("upsert", "delete")


def record_change(session: Session, entity_type: str, entity_id: int, op: str = "upsert") -> OutboxEvent:
    """Add an outbox event to the caller's session, to commit with the listing change itself."""
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"entity_type must be one of {', '.join(ENTITY_TYPES)}, not {entity_type!r}")
    if op not in OPS:
        raise ValueError(f"op must be one of {', '.join(OPS)}, not {op!r}")
    event = OutboxEvent(entity_type=entity_type, entity_id=int(entity_id), op=op)
    session.add(event)
    return event


class Sink(ABC):
    """Somewhere listings go: applies upserted documents and deleted ids, and can be emptied."""

    name: str

    @abstractmethod
    def apply(self, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        """Make the target hold these documents and not these ids; must be safe to repeat."""

    @abstractmethod
    def reset(self) -> None:
        """Empty the target before a rebuild."""


class SearchSink(Sink):
    """A sink that writes into a SearchBackend."""

    def __init__(self, backend: SearchBackend, name: str = "search") -> None:
        self.backend = backend
        self.name = name

    def apply(self, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        if deletes:
            self.backend.delete(deletes)
        if upserts:
            self.backend.upsert(upserts)

    def reset(self) -> None:
        self.backend.clear()


@dataclass
class _SinkState:
    """What this process knows about one sink beyond its cursor row: failures and outbox gaps."""

    failures: int = 0
    last_error: str | None = None
    retry_at: float = 0.0
    # A hole in the ids after the cursor: (first missing id, when first seen). See _advance.
    gap: tuple[int, float] | None = None
    # Events past a hole already applied, so that waiting on the hole does not re-apply them every poll.
    applied: set[int] = field(default_factory=set)


class OutboxWorker:
    """Follows the outbox with one cursor per sink, so one sink being down never holds up another."""

    def __init__(
        self,
        engine: Engine,
        consumer: str,
        load_documents: LoadDocuments,
        sinks: list[Sink],
        *,
        gap_timeout: float = 30.0,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
    ) -> None:
        names = [s.name for s in sinks]
        if len(set(names)) != len(names):
            raise ValueError(f"sink names must be unique, got {names}")
        self.engine = engine
        self.load_documents = load_documents
        self.sinks = list(sinks)
        self.consumers = {s.name: f"{consumer}:{s.name}" for s in sinks}
        too_long = [c for c in self.consumers.values() if len(c) > 64]
        if too_long:
            raise ValueError(f"consumer names longer than 64 characters: {too_long}")
        self.gap_timeout = gap_timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._state = {s.name: _SinkState() for s in sinks}
        self._ensure_cursors()

    # -- cursors ------------------------------------------------------------------------------------

    def _ensure_cursors(self) -> None:
        for consumer in self.consumers.values():
            with Session(self.engine) as session:
                if session.get(SyncCursor, consumer) is not None:
                    continue
                session.add(SyncCursor(consumer=consumer, last_event_id=0))
                try:
                    session.commit()
                except IntegrityError:
                    # Another worker process created it between our read and write.
                    session.rollback()

    def _cursors(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(SyncCursor).where(col(SyncCursor.consumer).in_(self.consumers.values()))
            ).all()
        by_consumer = {r.consumer: r.last_event_id for r in rows}
        return {name: by_consumer.get(consumer, 0) for name, consumer in self.consumers.items()}

    def _set_cursor(self, sink_name: str, value: int, *, forward_only: bool = True) -> None:
        stmt = update(SyncCursor).where(col(SyncCursor.consumer) == self.consumers[sink_name])
        if forward_only:
            # Two workers on one consumer may race; the cursor must never move back over applied events.
            stmt = stmt.where(col(SyncCursor.last_event_id) < value)
        with Session(self.engine) as session:
            session.exec(stmt.values(last_event_id=value, updated_at=utcnow(), failures=0, last_error=None))
            session.commit()

    def _store_failure(self, sink_name: str, failures: int | None, last_error: str | None) -> None:
        """Write the sink's failure count (None: one more than stored) and last error to its cursor row."""
        count = SyncCursor.failures + 1 if failures is None else failures
        stmt = (
            update(SyncCursor)
            .where(col(SyncCursor.consumer) == self.consumers[sink_name])
            .values(failures=count, last_error=last_error[:500] if last_error else None)
        )
        try:
            with Session(self.engine) as session:
                session.exec(stmt)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reporting must never stop the worker
            log.warning("could not record the state of sink %s: %s", sink_name, exc)

    # -- draining -----------------------------------------------------------------------------------

    def drain_once(self, batch_size: int = 500) -> int:
        """Apply up to ``batch_size`` events to every sink; return the most events any cursor moved past."""
        return self._drain(self.sinks, batch_size)

    def _drain(self, sinks: list[Sink], batch_size: int) -> int:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        cursors = self._cursors()
        # Sinks at the same position share one read of the outbox and one load of the listings.
        groups: dict[int, list[Sink]] = {}
        for sink in sinks:
            groups.setdefault(cursors[sink.name], []).append(sink)
        moved = 0
        for cursor, group in sorted(groups.items()):
            with Session(self.engine) as session:
                events = session.exec(
                    select(OutboxEvent)
                    .where(col(OutboxEvent.id) > cursor)
                    .order_by(col(OutboxEvent.id))
                    .limit(batch_size)
                ).all()
                if not events:
                    continue
                event_ids = [e.id for e in events if e.id is not None]  # stored rows all have one
                already = set.intersection(*(self._state[s.name].applied for s in group))
                keys = list(
                    dict.fromkeys((e.entity_type, e.entity_id) for e in events if e.id not in already)
                )
                docs = self.load_documents(session, keys) if keys else {}
            upserts = [doc for k in keys if (doc := docs.get(k)) is not None]
            deletes = [doc_id(*k) for k in keys if docs.get(k) is None]
            for sink in group:
                state = self._state[sink.name]
                try:
                    if keys:
                        sink.apply(upserts, deletes)
                except Exception as exc:  # noqa: BLE001 - any sink failure is retried, never fatal
                    self._failed(sink.name, exc)
                    continue
                new_cursor = self._advance(state, cursor, event_ids)
                if new_cursor > cursor:
                    self._set_cursor(sink.name, new_cursor)
                    moved = max(moved, sum(1 for i in event_ids if i <= new_cursor))
                elif state.failures:
                    self._store_failure(sink.name, 0, None)
                state.failures, state.last_error, state.retry_at = 0, None, 0.0
        return moved

    def retry_in(self, sink_name: str) -> float:
        """Seconds until a failing sink is due again (0 when it is due now)."""
        return max(0.0, self._state[sink_name].retry_at - time.monotonic())

    def _advance(self, state: _SinkState, cursor: int, event_ids: list[int]) -> int:
        """The new cursor: past every contiguous event, and past a hole once it is older than gap_timeout.

        On PostgreSQL ids come from a sequence, so a transaction that took id 10 may commit after one that
        took id 11. Moving the cursor past a hole could skip event 10 forever; a hole that stays longer
        than ``gap_timeout`` is taken to be a rolled-back transaction (which also burns ids).
        """
        now = time.monotonic()
        new = cursor
        for event_id in event_ids:
            if event_id == new + 1:
                new = event_id
                continue
            if state.gap is None or state.gap[0] != new + 1:
                state.gap = (new + 1, now)
            if now - state.gap[1] < self.gap_timeout:
                break
            log.warning("outbox ids %d..%d never appeared; moving past them", new + 1, event_id - 1)
            new = event_id
        if state.gap is not None and state.gap[0] <= new:
            state.gap = None
        state.applied = {i for i in event_ids if i > new}
        return new

    def _failed(self, sink_name: str, exc: BaseException) -> None:
        state = self._state[sink_name]
        state.failures += 1
        state.last_error = f"{type(exc).__name__}: {exc}"
        delay = min(self.backoff_max, self.backoff_base * 2 ** (state.failures - 1))
        state.retry_at = time.monotonic() + delay
        self._store_failure(sink_name, None, state.last_error)
        log.warning("sink %s failed (attempt %d, retry in %.1fs): %s", sink_name, state.failures, delay, exc)

    def run(
        self, stop_event: threading.Event | None = None, poll_interval: float = 1.0, batch_size: int = 500
    ) -> None:
        """Drain until ``stop_event`` is set; failing sinks back off exponentially, the others go on."""
        stop_event = stop_event or threading.Event()
        db_failures = 0
        while not stop_event.is_set():
            now = time.monotonic()
            due = [s for s in self.sinks if self._state[s.name].retry_at <= now]
            try:
                moved = self._drain(due, batch_size) if due else 0
                db_failures = 0
            except Exception as exc:  # noqa: BLE001 - the database itself is down; wait and retry
                db_failures += 1
                delay = min(self.backoff_max, self.backoff_base * 2 ** (db_failures - 1))
                log.warning("outbox read failed (retry in %.1fs): %s", delay, exc)
                stop_event.wait(delay)
                continue
            if moved:
                continue
            next_retry = min((self._state[s.name].retry_at for s in self.sinks), default=now)
            wait = poll_interval if next_retry <= now else min(poll_interval, next_retry - now)
            stop_event.wait(max(wait, 0.01))

    # -- reporting and rebuilding -------------------------------------------------------------------

    def status(self) -> dict[str, dict[str, Any]]:
        """Per consumer: cursor, lag (events not yet applied), and the failures any worker process recorded."""
        out = {}
        with Session(self.engine) as session:
            last = session.exec(select(func.max(OutboxEvent.id))).one() or 0
            rows = {
                r.consumer: r
                for r in session.exec(
                    select(SyncCursor).where(col(SyncCursor.consumer).in_(self.consumers.values()))
                ).all()
            }
            for sink in self.sinks:
                row = rows.get(self.consumers[sink.name]) or SyncCursor(consumer=self.consumers[sink.name])
                lag = session.exec(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(col(OutboxEvent.id) > row.last_event_id)
                ).one()
                out[row.consumer] = {
                    "sink": sink.name,
                    "cursor": row.last_event_id,
                    "last_event_id": last,
                    "lag": lag,
                    "failures": row.failures or 0,
                    "last_error": row.last_error,
                }
        return out

    def rebuild(
        self, all_documents: Iterable[dict[str, Any]], sinks: list[str] | None = None, batch_size: int = 500
    ) -> int:
        """Empty the chosen sinks (default all), load every document, and set their cursors to now."""
        chosen = [s for s in self.sinks if sinks is None or s.name in sinks]
        # Read the high-water mark before the documents: a change made while loading has an event after
        # it and is replayed later, which is harmless; reading it after could skip such a change.
        with Session(self.engine) as session:
            mark = session.exec(select(func.max(OutboxEvent.id))).one() or 0
        for sink in chosen:
            sink.reset()
        total, batch = 0, []
        for doc in all_documents:
            batch.append(doc)
            if len(batch) >= batch_size:
                for sink in chosen:
                    sink.apply(batch, [])
                total += len(batch)
                batch = []
        if batch:
            for sink in chosen:
                sink.apply(batch, [])
            total += len(batch)
        for sink in chosen:
            self._set_cursor(sink.name, mark, forward_only=False)
            self._state[sink.name] = _SinkState()
        return total


def applied_changes(
    engine: Engine, consumer: str, after: int, load_documents: LoadDocuments, limit: int = 500
) -> tuple[int, list[dict[str, Any]], list[str]]:
    """The changes ``consumer`` has applied after event ``after``: (its last event id, upserts, deletes).

    For a process that follows another's sink without writing it (a web worker beside the host's writer): it
    replays what the writer already applied, so the writer's cursor, with its handling of id holes, decides
    what is safe to read. Documents are the listings' current state, so a replay is harmless.
    """
    with Session(engine) as session:
        row = session.get(SyncCursor, consumer)
        upto = row.last_event_id if row is not None else 0
        if upto <= after:
            return after, [], []
        events = session.exec(
            select(OutboxEvent)
            .where(col(OutboxEvent.id) > after, col(OutboxEvent.id) <= upto)
            .order_by(col(OutboxEvent.id))
            .limit(limit)
        ).all()
        if not events:
            return upto, [], []
        keys = list(dict.fromkeys((e.entity_type, e.entity_id) for e in events))
        docs = load_documents(session, keys)
    upserts = [doc for k in keys if (doc := docs.get(k)) is not None]
    deletes = [doc_id(*k) for k in keys if docs.get(k) is None]
    last = events[-1].id
    assert last is not None  # a stored event has its id
    return last, upserts, deletes


def prune_applied(engine: Engine) -> tuple[int, str | None]:
    """Delete outbox events every consumer has applied; returns how many, and the consumer furthest behind.

    The newest event always stays: SQLite hands out max(id) + 1 for a new row, so deleting the newest would
    let the next event reuse an id at or below the cursors and never be applied. A consumer that no longer
    runs holds every later event back; delete its cursor row to let them go. A new host that starts without
    a cursor must begin with ``rebuild``, since pruned events are gone.
    """
    with Session(engine) as session:
        slowest = session.exec(
            select(SyncCursor).order_by(col(SyncCursor.last_event_id), col(SyncCursor.consumer))
        ).first()
        newest = session.exec(select(func.max(OutboxEvent.id))).one()
        if slowest is None or newest is None:
            return 0, slowest.consumer if slowest else None
        limit = min(slowest.last_event_id, newest - 1)
        result = session.exec(delete(OutboxEvent).where(col(OutboxEvent.id) <= limit))
        session.commit()
        return result.rowcount, slowest.consumer
