"""Closing an instrument for a period (maintenance, calibration, holidays): the closure, the cancellation of the
bookings already inside it (each booker told why), and the instrument's stored free time, in one transaction under
the instrument's lock, so a booking racing the closure either lands before it (and is cancelled by it) or after it
(and is refused by the closed-period rule)."""

from flask_babel import gettext as _
from sqlmodel import Session

from app.instruments import rules
from app.instruments.services import bookings, free_time, instruments
from app.platform import audit, permissions
from app.platform.errors import Invalid, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from models import Booking, BookingStatus, ClosureIn, Instrument, InstrumentClosure, User
from models.common import utcnow


def _cancel(session: Session, booking: Booking, instrument: Instrument, user: User, note: str) -> None:
    before = booking.status
    booking.status = BookingStatus.cancelled
    booking.note = note
    booking.updated_at = utcnow()
    booking.version += 1
    session.add(booking)
    assert booking.id is not None
    audit.record(
        session,
        subject="booking",
        subject_id=booking.id,
        action="cancelled",
        actor=user,
        from_state=before,
        to_state=BookingStatus.cancelled,
        note=note,
    )
    notify(
        session=session,
        org_id=booking.org_id,
        kind="booking_cancelled",
        subject_type="booking",
        subject_id=booking.id,
        text=bookings.booking_text(instrument, booking),
        state=BookingStatus.cancelled.value,
        detail=note,
    )


def add_closure(
    *, session: Session, user: User | None, instrument_id: int, data: dict
) -> tuple[InstrumentClosure, list[int]]:
    """Close the instrument for a period; the bookings that hold a slot inside it are cancelled, each booker
    notified with the reason. Returns the closure and the ids of the bookings it cancelled."""
    instrument = instruments.lock(session, instrument_id)
    if instrument is None or user is None or not permissions.owns(user, instrument):
        session.rollback()
        raise NotFound(_("No such listing."))
    try:
        closure_in = parse(ClosureIn, data)
    except Invalid:
        session.rollback()
        raise
    if closure_in.starts_at.tzinfo is None or closure_in.ends_at.tzinfo is None:
        closure_in.starts_at = closure_in.starts_at.replace(tzinfo=rules.LOCAL)
        closure_in.ends_at = closure_in.ends_at.replace(tzinfo=rules.LOCAL)
    if closure_in.ends_at <= closure_in.starts_at:
        session.rollback()
        raise Invalid(_("Some fields are not valid."), {"ends_at": _("The end must come after the start.")})
    assert instrument.id is not None
    row = InstrumentClosure(instrument_id=instrument.id, created_by=user.id, **closure_in.model_dump())
    session.add(row)
    note = _(
        "The instrument is closed then: %(reason)s", reason=closure_in.reason.strip() or _("maintenance")
    )
    cancelled = []
    for booking in instruments.active_bookings_between(
        session, instrument.id, closure_in.starts_at, closure_in.ends_at
    ):
        _cancel(session, booking, instrument, user, note)
        assert booking.id is not None
        cancelled.append(booking.id)
    free_time.refresh(session, instrument)
    session.commit()
    session.refresh(row)
    return row, cancelled
