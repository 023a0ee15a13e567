"""Usage of a booking once its slot has ended: the report file the owner uploads, and who may download it."""

from pathlib import Path

from flask_babel import gettext as _
from sqlmodel import Session

from app.instruments.rules import OWNER
from app.instruments.services import bookings
from app.platform import audit, files, permissions
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from models import Booking, BookingStatus, User
from models.common import utcnow

# A test report is a document: PDF, images, Office files or plain text (the configured types, narrowed).
REPORT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


def attach_report(*, session: Session, user: User | None, booking_id: int, upload) -> Booking:
    """The owner's report of a booking whose slot has ended (confirmed or completed); a new one replaces the
    old. The file is stored first and discarded again if the row cannot be written."""
    member = permissions.require_member(user)
    booking, instrument = bookings.get_booking(session=session, user=member, booking_id=booking_id)
    if bookings.side_of(member, booking, instrument) != OWNER:
        raise Forbidden(_("Only the instrument's organization records its usage."))
    if upload is None or not getattr(upload, "filename", None):
        raise Invalid(_("Some fields are not valid."), {"file": _("Choose a file.")})
    if booking.status not in (BookingStatus.confirmed, BookingStatus.completed):
        raise Conflict(_("The booking is no longer in a state that allows this. Reload it."))
    if utcnow() < booking.ends_at:
        raise Invalid(_("The report can be added once the slot has ended."), {"file": _("Not yet.")})
    stored = files.store(
        upload, types=REPORT_TYPES, accepted=_("Accepted: PDF, images, Word, Excel, plain text.")
    )
    old = booking.report_stored_name
    won = versioned_update(
        session,
        Booking,
        booking_id,
        version=booking.version,
        values={
            "report_name": stored.original_name,
            "report_stored_name": stored.stored_name,
            "report_mimetype": stored.mimetype,
            "report_size": stored.size,
            "updated_at": utcnow(),
        },
    )
    if not won:
        session.rollback()
        files.discard(stored.stored_name)
        raise Conflict(_("The booking was changed at the same time. Reload it and try again."))
    assert booking.id is not None
    audit.record(
        session,
        subject="booking",
        subject_id=booking.id,
        action="report",
        actor=member,
        from_state=booking.status,
        to_state=booking.status,
        file=stored.original_name,
    )
    notify(
        session=session,
        org_id=booking.org_id,
        kind="booking_report",
        subject_type="booking",
        subject_id=booking.id,
        text=instrument.title,
    )
    session.commit()
    if old:
        files.discard(old)
    session.refresh(booking)
    return booking


def report_file(*, session: Session, user: User | None, booking_id: int) -> tuple[Path, str, str]:
    """The report's path, name and type, for the booking's two sides and the bureau."""
    booking, _instrument = bookings.get_booking(session=session, user=user, booking_id=booking_id)
    if not booking.report_stored_name:
        raise NotFound(_("No report yet."))
    return (
        files.path_of(booking.report_stored_name),
        booking.report_name or "report",
        booking.report_mimetype or "",
    )
