"""Instruments beyond what every listing shares (app/market/services/listings.py holds create, edit, publish,
close and delete): reading one for booking, locking it, its closures, a center's instruments, and the list
filters only instruments have (category, price, free next week)."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.instruments import rules
from app.market.rules import is_live
from app.platform import permissions
from app.platform.errors import NotFound
from models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Instrument,
    InstrumentClosure,
    ListingStatus,
    User,
)
from models.common import utcnow


def get_live(session: Session, instrument_id: int) -> Instrument:
    """A published instrument: what may be seen and booked by everyone."""
    instrument = session.get(Instrument, instrument_id)
    if instrument is None or not is_live(instrument):
        raise NotFound(_("No such listing."))
    return instrument


def get_visible(session: Session, instrument_id: int, user: User | None) -> Instrument:
    """An instrument this user may see: live, or any status for its own organization and the bureau."""
    instrument = session.get(Instrument, instrument_id)
    if instrument is None or not (is_live(instrument) or permissions.may_see_unpublished(user, instrument)):
        raise NotFound(_("No such listing."))
    return instrument


def lock(session: Session, instrument_id: int) -> Instrument | None:
    """The instrument, read fresh and locked until the transaction ends, so bookings of one instrument are
    decided one after the other. PostgreSQL locks the row; on SQLite a write as the transaction's first
    statement takes the database's write lock (the listings service's `_lock` does the same)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(
            update(Instrument).where(col(Instrument.id) == instrument_id).values(id=Instrument.id)
        )
    return session.exec(
        select(Instrument)
        .where(col(Instrument.id) == instrument_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def closures_between(
    session: Session, instrument_id: int, start: datetime, end: datetime
) -> list[InstrumentClosure]:
    return list(
        session.exec(
            select(InstrumentClosure)
            .where(
                col(InstrumentClosure.instrument_id) == instrument_id,
                col(InstrumentClosure.starts_at) < end,
                col(InstrumentClosure.ends_at) > start,
            )
            .order_by(col(InstrumentClosure.starts_at))
        ).all()
    )


def active_bookings_between(
    session: Session, instrument_id: int, start: datetime, end: datetime
) -> list[Booking]:
    """Bookings that hold a slot (requested or confirmed) and overlap [start, end)."""
    return list(
        session.exec(
            select(Booking)
            .where(
                col(Booking.instrument_id) == instrument_id,
                col(Booking.status).in_(ACTIVE_BOOKING_STATUSES),
                col(Booking.starts_at) < end,
                col(Booking.ends_at) > start,
            )
            .order_by(col(Booking.starts_at))
        ).all()
    )


def of_center(session: Session, center_id: int) -> list[Instrument]:
    """A center's live instruments, for its profile."""
    now = utcnow()
    return list(
        session.exec(
            select(Instrument)
            .where(
                col(Instrument.center_id) == center_id,
                col(Instrument.status) == ListingStatus.published,
                (col(Instrument.expires_at).is_(None)) | (col(Instrument.expires_at) > now),
            )
            .order_by(col(Instrument.title))
        ).all()
    )


def next_week(today: date | None = None) -> tuple[date, date]:
    """Monday to Sunday of the coming week (local)."""
    today = today or utcnow().astimezone(rules.LOCAL).date()
    monday = today + timedelta(days=7 - today.weekday())
    return monday, monday + timedelta(days=6)
