"""Stored free time of instruments: what the list's "free next week" filter reads.

Why stored spans. Free time is opening hours (a weekly JSON table) less closures and live bookings, cut by the
lead time and kept only where a piece holds the shortest slot. Laying a weekly JSON table over dates is
dialect-specific SQL on each database (generate_series and jsonb on PostgreSQL, recursive CTEs and json_each on
SQLite) and would be a second implementation of the calendar rules to keep identical to the first; running the
rules in Python over every live instrument took about 8 s at 10,000. So the rules run once per instrument when its
calendar changes, here, and their answer (before the lead time, which moves with the clock) is stored as spans of
epoch seconds for the coming HORIZON_DAYS. The filter is then one indexed query: a span, clipped to the window and
to now + the instrument's lead time, that still holds its shortest slot. Clipping commutes with subtracting, so
this is exactly `availability.calendar(...)["free"]` being non-empty (tests/instruments/test_free_time.py checks
it on several instruments).

When the spans change: a booking request cuts its slot out of them (`take`), every other booking move and every
closure recomputes the instrument's (`refresh`), both under the instrument's lock in the same transaction; an edit
of the instrument (opening hours, status) bumps its `updated_at`, which the horizon row remembers, so the next
filter finds it stale and recomputes it; so does a window beyond the stored horizon. `flask instruments
refresh-free-time` (daily) keeps the horizons ahead so that reads seldom recompute anything, and bulk writers
(demo, grow, benchmarks) call `refresh_all` or `refresh_many`.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.instruments import rules
from app.instruments.services import instruments
from models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Instrument,
    InstrumentClosure,
    InstrumentFreeHorizon,
    InstrumentFreeSpan,
    ListingStatus,
)
from models.common import utcnow

# How far ahead the spans reach from the day they are computed: next week and the two after it.
HORIZON_DAYS = 28


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def window_seconds(first: date, last: date) -> tuple[int, int]:
    """first 00:00 .. the day after last 00:00 (local), as epoch seconds."""
    start, end = rules.local_day_bounds(first, last)
    return _epoch(start), _epoch(end)


def spans(session: Session, instrument: Instrument, first: date, last: date) -> list[rules.Interval]:
    """The free time of first..last with no lead time and no shortest slot: what later clipping starts from."""
    assert instrument.id is not None
    start, end = rules.local_day_bounds(first, last)
    return rules.free_slots(
        opening_hours=instrument.opening_hours,
        first=first,
        last=last,
        closures=[
            (c.starts_at, c.ends_at) for c in instruments.closures_between(session, instrument.id, start, end)
        ],
        busy=[
            (b.starts_at, b.ends_at)
            for b in instruments.active_bookings_between(session, instrument.id, start, end)
        ],
        now=start - timedelta(days=1),
        lead_hours=0,
        min_minutes=0,
    )


def _upsert_horizon(session: Session, values: dict) -> None:
    """Insert or replace the horizon row in one statement: two readers refreshing one instrument both succeed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(InstrumentFreeHorizon).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["instrument_id"],
            set_={name: statement.excluded[name] for name in values if name != "instrument_id"},
        )
    )


def refresh(session: Session, instrument: Instrument, today: date | None = None) -> None:
    """Recompute one instrument's spans from today for HORIZON_DAYS; the caller commits."""
    assert instrument.id is not None
    today = today or utcnow().astimezone(rules.LOCAL).date()
    last = today + timedelta(days=HORIZON_DAYS - 1)
    session.flush()
    session.execute(delete(InstrumentFreeSpan).where(col(InstrumentFreeSpan.instrument_id) == instrument.id))
    rows = [
        {"instrument_id": instrument.id, "starts_s": _epoch(s), "ends_s": _epoch(e)}
        for s, e in spans(session, instrument, today, last)
    ]
    if rows:
        session.execute(InstrumentFreeSpan.__table__.insert(), rows)  # type: ignore[attr-defined]
    window_start, window_end = rules.local_day_bounds(today, last)
    _upsert_horizon(
        session,
        {
            "instrument_id": instrument.id,
            "from_s": _epoch(window_start),
            "through_s": _epoch(window_end),
            "listing_updated_at": instrument.updated_at,
            "computed_at": utcnow(),
        },
    )


def take(session: Session, instrument_id: int, start: datetime, end: datetime) -> None:
    """A new booking holds start..end: cut it out of the stored spans it overlaps, without recomputing the
    calendar (a set difference, so the same spans a full `refresh` would store). The request path's share of
    keeping free time: two small statements instead of the calendar over the horizon."""
    start_s, end_s = _epoch(start), _epoch(end)
    hit = session.exec(
        select(InstrumentFreeSpan).where(
            col(InstrumentFreeSpan.instrument_id) == instrument_id,
            col(InstrumentFreeSpan.starts_s) < end_s,
            col(InstrumentFreeSpan.ends_s) > start_s,
        )
    ).all()
    if not hit:
        return
    pieces = []
    for span in hit:
        if span.starts_s < start_s:
            pieces.append({"instrument_id": instrument_id, "starts_s": span.starts_s, "ends_s": start_s})
        if end_s < span.ends_s:
            pieces.append({"instrument_id": instrument_id, "starts_s": end_s, "ends_s": span.ends_s})
    session.execute(delete(InstrumentFreeSpan).where(col(InstrumentFreeSpan.id).in_([s.id for s in hit])))
    if pieces:
        session.execute(InstrumentFreeSpan.__table__.insert(), pieces)  # type: ignore[attr-defined]


def _live(now: datetime):
    return and_(
        col(Instrument.status) == ListingStatus.published,
        or_(col(Instrument.expires_at).is_(None), col(Instrument.expires_at) > now),
    )


def stale(session: Session, start_s: int, end_s: int, now: datetime) -> list[Instrument]:
    """Live instruments whose stored spans do not answer for start_s..end_s: none yet, a shorter horizon, or
    computed before the instrument's last edit."""
    return list(
        session.exec(
            select(Instrument)
            .outerjoin(InstrumentFreeHorizon, col(InstrumentFreeHorizon.instrument_id) == Instrument.id)
            .where(
                _live(now),
                or_(
                    col(InstrumentFreeHorizon.instrument_id).is_(None),
                    col(InstrumentFreeHorizon.from_s) > start_s,
                    col(InstrumentFreeHorizon.through_s) < end_s,
                    col(InstrumentFreeHorizon.listing_updated_at) != Instrument.updated_at,
                ),
            )
        ).all()
    )


def refresh_many(session: Session, rows: list[Instrument], now: datetime | None = None) -> None:
    """`refresh` for many instruments at once (bulk writers, stale instruments on a read, the daily job): the
    closures and live bookings of all of them read in two queries per 500, the spans written in bulk; the caller
    commits. `now` (the clock by default) names the first day and the computing time."""
    now = now or utcnow()
    today = now.astimezone(rules.LOCAL).date()
    last = today + timedelta(days=HORIZON_DAYS - 1)
    start, end = rules.local_day_bounds(today, last)
    session.flush()
    for offset in range(0, len(rows), 500):
        chunk = rows[offset : offset + 500]
        ids = [i.id for i in chunk]
        held: dict[int, list[rules.Interval]] = {i: [] for i in ids if i is not None}
        for model in (InstrumentClosure, Booking):
            query = select(model.instrument_id, model.starts_at, model.ends_at).where(
                col(model.instrument_id).in_(ids), col(model.starts_at) < end, col(model.ends_at) > start
            )
            if model is Booking:
                query = query.where(col(Booking.status).in_(ACTIVE_BOOKING_STATUSES))
            for instrument_id, starts_at, ends_at in session.exec(query).all():
                held[instrument_id].append((starts_at, ends_at))
        session.execute(delete(InstrumentFreeSpan).where(col(InstrumentFreeSpan.instrument_id).in_(ids)))
        spans_rows, horizons = [], []
        for instrument in chunk:
            assert instrument.id is not None
            for s, e in rules.free_slots(
                opening_hours=instrument.opening_hours,
                first=today,
                last=last,
                closures=held[instrument.id],
                busy=[],
                now=start - timedelta(days=1),
                lead_hours=0,
                min_minutes=0,
            ):
                spans_rows.append(
                    {"instrument_id": instrument.id, "starts_s": _epoch(s), "ends_s": _epoch(e)}
                )
            horizons.append(
                {
                    "instrument_id": instrument.id,
                    "from_s": _epoch(start),
                    "through_s": _epoch(end),
                    "listing_updated_at": instrument.updated_at,
                    "computed_at": now,
                }
            )
        if spans_rows:
            session.execute(InstrumentFreeSpan.__table__.insert(), spans_rows)  # type: ignore[attr-defined]
        session.execute(
            delete(InstrumentFreeHorizon).where(col(InstrumentFreeHorizon.instrument_id).in_(ids))
        )
        session.execute(InstrumentFreeHorizon.__table__.insert(), horizons)  # type: ignore[attr-defined]


def refresh_all(session: Session, instruments_: list[Instrument] | None = None) -> int:
    """Recompute the spans of these instruments (every live one by default) and commit; returns how many."""
    now = utcnow()
    rows = (
        instruments_ if instruments_ is not None else list(session.exec(select(Instrument).where(_live(now))))
    )
    refresh_many(session, rows)
    session.commit()
    return len(rows)


def free_ids_query(session: Session, first: date, last: date, now: datetime | None = None):
    """SELECT the ids of live instruments with a free slot in first..last (opening hours, closures, bookings,
    lead time and the shortest slot all honoured), after recomputing any stale instrument."""
    now = now or utcnow()
    (start_s, end_s), now_s = window_seconds(first, last), _epoch(now)
    behind = stale(session, start_s, end_s, now)
    if behind:
        try:
            refresh_all(session, behind)
        except IntegrityError:
            session.rollback()  # another request refreshed the same instruments at the same moment: theirs stands
    postgres = session.get_bind().dialect.name == "postgresql"
    greatest, least = (func.greatest, func.least) if postgres else (func.max, func.min)
    earliest = now_s + col(Instrument.lead_hours) * 3600
    clipped = least(col(InstrumentFreeSpan.ends_s), end_s) - greatest(
        col(InstrumentFreeSpan.starts_s), start_s, earliest
    )
    return (
        select(Instrument.id)
        .where(_live(now))
        .where(
            select(InstrumentFreeSpan.id)
            .where(
                col(InstrumentFreeSpan.instrument_id) == Instrument.id,
                col(InstrumentFreeSpan.ends_s) > start_s,
                col(InstrumentFreeSpan.starts_s) < end_s,
                clipped >= col(Instrument.min_slot_minutes) * 60,
            )
            .exists()
        )
    )


def free_ids(session: Session, first: date, last: date, now: datetime | None = None) -> list[int]:
    """The ids `free_ids_query` selects, in id order."""
    return list(session.exec(free_ids_query(session, first, last, now).order_by(col(Instrument.id))).all())
