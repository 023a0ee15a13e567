"""Instruments and their bookings in the JSON API. The instrument itself (list, create, get, update, delete) is
a listing kind: app/api/market.py serves /api/v1/instruments like the other kinds. Here: its calendar, closures,
bookings, their transitions and usage reports."""

from flask import jsonify, request, send_file
from pydantic import BaseModel, Field

from app.api.blueprint import bp
from app.api.document import Text, documented
from app.api.helpers import api_user, json_body, token_required
from app.db import get_session
from app.instruments.rules import iso
from app.instruments.services import availability, bookings, closures, usage
from app.market.services.listings import get_listing
from app.web import limits
from app.web.input_guards import accepts_upload
from models import BookingIn, ClosureIn

BOOKING = "<int:booking_id>"


class AvailabilityQuery(BaseModel):
    from_: Text = Field("", alias="from", description="YYYY-MM-DD, local date (default today)")
    to: Text = Field("", description="YYYY-MM-DD inclusive (default 13 days after from); at most 62 days")


class Slot(BaseModel):
    starts_at: str = Field(description="ISO 8601 with offset, e.g. 2026-12-07T08:30:00+08:00")
    ends_at: str


class BusySlot(Slot):
    kind: str = Field(description="booking or closure")


class Availability(BaseModel):
    free: list[Slot]
    busy: list[BusySlot]


class BookingView(BaseModel):
    id: int
    instrument_id: int
    instrument_title: str
    org_id: int
    org_name: str
    owner_org_id: int
    starts_at: str
    ends_at: str
    work: str
    samples: int
    contact: str
    status: str
    price_category: str
    unit_price: int | None
    amount: int
    subsidy_amount: int
    note: str
    used_hours: float | None
    used_samples: int | None
    report_name: str | None
    report_url: str | None
    contract_id: int | None
    created_at: str
    allowed: list[str] = Field(description="the transitions the caller may take now")


class BookingList(BaseModel):
    items: list[BookingView]


class BookingQuery(BaseModel):
    role: Text = Field(
        "mine", description="mine: the caller's organization's bookings; owner: of its instruments"
    )


class TransitionIn(BaseModel):
    to: str = Field(description="confirmed | declined | cancelled | no_show | completed")
    note: str = Field("", description="the reason; required to decline")
    used_hours: float | None = Field(None, description="with completed: hours used (default the slot's)")
    used_samples: int | None = Field(None, description="with completed: samples tested (default the booked)")


class ClosureView(BaseModel):
    id: int
    starts_at: str
    ends_at: str
    reason: str
    cancelled_bookings: list[int] = Field(description="the bookings inside the period, cancelled by it")


class ReportForm(BaseModel):
    file: bytes = Field(description="the usage report: PDF, image, Word, Excel or text")


def _view(booking, instrument) -> dict:
    return bookings.to_public(session=get_session(), user=api_user(), booking=booking, instrument=instrument)


@bp.get("/instruments/<int:instrument_id>/availability")
@documented(query=AvailabilityQuery, responses={200: Availability}, bearer="optional")
def instrument_availability(instrument_id: int):
    """Free and busy slots of `from`..`to`: free already honours opening hours, closures and the lead time."""
    session = get_session()
    instrument = get_listing(session=session, kind="instrument", listing_id=instrument_id, user=api_user())
    first, last = availability.parse_window(request.args.get("from"), request.args.get("to"))
    return jsonify(availability.calendar(session, instrument, first, last))


@bp.post("/instruments/<int:instrument_id>/closures")
@documented(json=ClosureIn, responses={201: ClosureView})
@limits.writes
@token_required
def add_closure(instrument_id: int):
    """Close the instrument for a period (maintenance, holidays): its owner only. The bookings inside it are
    cancelled, each booker notified with the reason."""
    row, cancelled = closures.add_closure(
        session=get_session(), user=api_user(), instrument_id=instrument_id, data=json_body()
    )
    return jsonify(
        id=row.id,
        starts_at=iso(row.starts_at),
        ends_at=iso(row.ends_at),
        reason=row.reason,
        cancelled_bookings=cancelled,
    ), 201


@bp.post("/instruments/<int:instrument_id>/bookings")
@documented(json=BookingIn, responses={201: BookingView})
@limits.writes
@token_required
def book_instrument(instrument_id: int):
    """Book a slot: 201 (requested, or confirmed at once when the instrument is instant); 409 when another
    booking holds the slot; 422 naming the rule the slot breaks (lead time, opening hours, slot length...)."""
    booking = bookings.request_booking(
        session=get_session(), user=api_user(), instrument_id=instrument_id, data=json_body()
    )
    session = get_session()
    booking, instrument = bookings.get_booking(session=session, user=api_user(), booking_id=booking.id)
    return jsonify(_view(booking, instrument)), 201


@bp.get("/bookings")
@documented(query=BookingQuery, responses={200: BookingList})
@token_required
def list_bookings():
    """The bookings the caller's organization made (`role=mine`) or received for its instruments (`role=owner`)."""
    rows = bookings.list_bookings(
        session=get_session(), user=api_user(), role=request.args.get("role", "mine")
    )
    return jsonify(items=[_view(booking, instrument) for booking, instrument in rows])


@bp.get(f"/bookings/{BOOKING}")
@documented(responses={200: BookingView})
@token_required
def get_booking(booking_id: int):
    """One booking, for its two sides and the bureau."""
    booking, instrument = bookings.get_booking(session=get_session(), user=api_user(), booking_id=booking_id)
    return jsonify(_view(booking, instrument))


@bp.post(f"/bookings/{BOOKING}/transition")
@documented(json=TransitionIn, responses={200: BookingView})
@limits.writes
@token_required
def transition_booking(booking_id: int):
    """confirmed (drafts the technical-service contract), declined (with a note), cancelled (before the rules'
    deadline), no_show (once started), completed (once ended, with the usage)."""
    bookings.transition(session=get_session(), user=api_user(), booking_id=booking_id, data=json_body())
    booking, instrument = bookings.get_booking(session=get_session(), user=api_user(), booking_id=booking_id)
    return jsonify(_view(booking, instrument))


@bp.post(f"/bookings/{BOOKING}/report")
@documented(form=ReportForm, responses={200: BookingView})
@accepts_upload
@limits.writes
@token_required
def upload_report(booking_id: int):
    """The usage report, sent as multipart with a `file` field, once the slot has ended: the owner only."""
    usage.attach_report(
        session=get_session(), user=api_user(), booking_id=booking_id, upload=request.files.get("file")
    )
    booking, instrument = bookings.get_booking(session=get_session(), user=api_user(), booking_id=booking_id)
    return jsonify(_view(booking, instrument))


@bp.get(f"/bookings/{BOOKING}/report")
@documented(responses={200: None}, files={200: ("application/pdf", "image/png", "image/jpeg", "text/plain")})
@token_required
def download_report(booking_id: int):
    """The usage report, as a download, for the booking's two sides and the bureau."""
    path, name, mimetype = usage.report_file(session=get_session(), user=api_user(), booking_id=booking_id)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
