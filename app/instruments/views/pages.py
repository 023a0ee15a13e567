"""Instrument bookings in the browser: book from the instrument's page, the owner's queue, my bookings, one
booking with its decisions, usage report and contract; closures set by the owner. Thin: the services decide."""

from datetime import date, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import Session

from app.db import get_session
from app.instruments import rules
from app.instruments.forms import BookingForm
from app.instruments.services import availability, bookings, closures, free_time, instruments, usage
from app.platform import permissions
from app.platform.errors import ServiceError
from app.web import limits
from app.web.identity import current_user_or_none
from app.web.input_guards import accepts_upload
from models import Instrument, InstrumentClosure, User
from models.common import utcnow

bp = Blueprint("instruments", __name__)
# Refusals that are the page's answer (the error page); rule breaks and conflicts come back as a message instead.
REFUSED = (401, 403, 404)


def error_text(exc: ServiceError) -> str:
    """A refusal in one line: the message, then what it says of each field (not the rule's code)."""
    extra = [text for name, text in exc.fields.items() if name != "rule" and text != exc.message]
    return " ".join([exc.message, *extra])


def _by_day(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """A span cut at each local midnight: a machine open round the clock has one free span Monday to Saturday,
    and each day's row must show its own part of it."""
    pieces = []
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), start.tzinfo)
        pieces.append((start, min(end, midnight)))
        start = midnight
    return pieces


def _days(calendar: dict, first: date, last: date) -> list[dict]:
    """The calendar grouped by local day, for the page's table; spans over midnight show on every day they hold."""
    days: dict[date, dict] = {}
    day = first
    while day <= last:
        days[day] = {"day": day, "free": [], "busy": []}
        day += timedelta(days=1)
    for key in ("free", "busy"):
        for slot in calendar[key]:
            start = datetime.fromisoformat(slot["starts_at"])
            end = datetime.fromisoformat(slot["ends_at"])
            for piece_start, piece_end in _by_day(start, end):
                if piece_start.date() in days:
                    days[piece_start.date()][key].append((piece_start, piece_end, slot.get("kind")))
    return list(days.values())


def detail_context(session: Session, user: User | None, listing: Instrument) -> dict:
    """What the instrument's page adds to a listing page: its calendar, the booking form, the owner's closures."""
    try:
        first, last = availability.parse_window(request.args.get("from"), request.args.get("to"))
    except ServiceError:
        first, last = availability.parse_window(None, None)
    calendar = availability.calendar(session, listing, first, last)
    assert listing.id is not None
    closures = (
        [
            (_local(c.starts_at), _local(c.ends_at), c.reason)
            for c in instruments.closures_between(
                session, listing.id, utcnow(), utcnow() + timedelta(days=365)
            )
        ]
        if permissions.owns(user, listing)
        else []
    )
    form = BookingForm(data={"day": calendar["free"][0]["starts_at"][:10] if calendar["free"] else ""})
    may_book = permissions.is_member(user) and not permissions.owns(user, listing)
    standing_text = ""
    if may_book and user is not None and user.org_id is not None:
        # Told before filling the form, in the words the refusal would use.
        standing = bookings.standing(session, user.org_id)
        if standing.level == "banned":
            assert standing.until is not None
            standing_text = bookings.rule_message(
                "no_show_blacklist",
                {"count": standing.count, "until": standing.until.astimezone(rules.LOCAL).date().isoformat()},
            )
        elif standing.level == "approval":
            standing_text = _(
                "Your organization did not turn up for %(count)s booked slots lately: its bookings wait for the "
                "owner's approval, even where they are usually confirmed at once.",
                count=standing.count,
            )
    return {
        "calendar_days": _days(calendar, first, last),
        "calendar_from": first,
        "calendar_to": last,
        "earlier": first - timedelta(days=14),
        "later": last + timedelta(days=1),
        "booking_form": form,
        "closures": closures,
        "may_book": may_book,
        "booking_standing": standing_text,
    }


def list_filters(session: Session) -> dict:
    """The instrument list's own filters: a price ceiling (yuan per unit) and "free next week"."""
    raw_price = (request.args.get("price_max") or "").strip()
    filters: dict = {"price_max": int(raw_price) if raw_price.isdigit() and len(raw_price) < 13 else None}
    if request.args.get("free") == "next_week":
        first, last = instruments.next_week()
        filters["free"] = "next_week"
        filters["ids"] = free_time.free_ids_query(session, first, last)
    return filters


def _local(moment: datetime) -> str:
    return rules.iso(moment)[:16].replace("T", " ")


@bp.app_template_filter("booking_time")
def booking_time(moment: datetime) -> str:
    """A booking's time on the city's clock: 2026-12-07 08:30."""
    return _local(moment)


def _slot(form: BookingForm) -> tuple[str, str]:
    """The form's local date and times as ISO 8601 with the city's offset ("" when they do not parse)."""
    try:
        day = date.fromisoformat((form.day.data or "").strip())
        end_day = date.fromisoformat(form.end_day.data.strip()) if (form.end_day.data or "").strip() else day
        start = datetime.combine(day, datetime.strptime(form.start.data.strip(), "%H:%M").time(), rules.LOCAL)
        end = datetime.combine(end_day, datetime.strptime(form.end.data.strip(), "%H:%M").time(), rules.LOCAL)
    except (AttributeError, ValueError):
        return "", ""
    return start.isoformat(), end.isoformat()


@bp.route("/instruments/<int:instrument_id>/book", methods=["POST"])
@limits.writes
@login_required
def book(instrument_id: int):
    """Request a slot from the instrument's page; a refusal says which rule and keeps nothing."""
    form = BookingForm()
    back = url_for("listings.detail", segment="instruments", listing_id=instrument_id) + "#booking"
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(back)
    starts_at, ends_at = _slot(form)
    if not starts_at:
        flash(_("Choose the date and the times of the slot."), "error")
        return redirect(back)
    data = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "work": (form.work.data or "").strip(),
        "samples": (form.samples.data or "0").strip() or "0",
        "contact": (form.contact.data or "").strip(),
        "sme": bool(form.sme.data),
    }
    try:
        booking = bookings.request_booking(
            session=get_session(), user=current_user_or_none(), instrument_id=instrument_id, data=data
        )
    except ServiceError as exc:
        if exc.status in REFUSED:
            raise
        flash(error_text(exc), "error")
        return redirect(back)
    flash(
        _("Booked and confirmed.")
        if booking.status == "confirmed"
        else _("Booking requested: the owner decides."),
        "success",
    )
    return redirect(url_for("instruments.booking", booking_id=booking.id))


@bp.route("/bookings")
@login_required
def my_bookings():
    """The bookings my organization made."""
    rows = bookings.list_bookings(session=get_session(), user=current_user_or_none(), role="mine")
    return render_template("instruments/bookings.html", rows=rows, role="mine")


@bp.route("/bookings/queue")
@login_required
def queue():
    """The bookings of my organization's instruments: requests to approve or decline first."""
    rows = bookings.list_bookings(session=get_session(), user=current_user_or_none(), role="owner")
    rows.sort(key=lambda pair: (pair[0].status != "requested", -pair[0].starts_at.timestamp()))
    return render_template("instruments/bookings.html", rows=rows, role="owner")


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    session, user = get_session(), current_user_or_none()
    row, instrument = bookings.get_booking(session=session, user=user, booking_id=booking_id)
    return render_template(
        "instruments/booking.html",
        booking=row,
        instrument=instrument,
        view=bookings.to_public(session=session, user=user, booking=row, instrument=instrument),
        side=bookings.side_of(user, row, instrument),
        slot_ended=utcnow() >= row.ends_at,
        start_text=_local(row.starts_at),
        end_text=_local(row.ends_at),
    )


@bp.route("/bookings/<int:booking_id>/transition", methods=["POST"])
@limits.writes
@login_required
def transition(booking_id: int):
    """Confirm, decline (with a reason), cancel, mark a no-show or complete (with the usage)."""
    data: dict = {"to": request.form.get("to", ""), "note": request.form.get("note", "")}
    for name, cast in (("used_hours", float), ("used_samples", int)):
        raw = (request.form.get(name) or "").strip()
        if raw:
            try:
                data[name] = cast(raw)
            except ValueError:
                data[name] = raw
    try:
        bookings.transition(
            session=get_session(), user=current_user_or_none(), booking_id=booking_id, data=data
        )
    except ServiceError as exc:
        if exc.status in REFUSED:
            raise
        flash(error_text(exc), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("instruments.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/report", methods=["POST"])
@accepts_upload
@limits.writes
@login_required
def upload_report(booking_id: int):
    try:
        usage.attach_report(
            session=get_session(),
            user=current_user_or_none(),
            booking_id=booking_id,
            upload=request.files.get("file"),
        )
    except ServiceError as exc:
        if exc.status in REFUSED:
            raise
        flash(error_text(exc), "error")
    else:
        flash(_("Report saved."), "success")
    return redirect(url_for("instruments.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/report")
@login_required
def report(booking_id: int):
    path, name, mimetype = usage.report_file(
        session=get_session(), user=current_user_or_none(), booking_id=booking_id
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.route("/instruments/<int:instrument_id>/closures", methods=["POST"])
@limits.writes
@login_required
def add_closure(instrument_id: int):
    """Close the instrument for a period (the owner, from the instrument's page)."""
    data = {
        "starts_at": (request.form.get("starts_at") or "").strip(),
        "ends_at": (request.form.get("ends_at") or "").strip(),
        "reason": (request.form.get("reason") or "").strip(),
    }
    try:
        _row, cancelled = closures.add_closure(
            session=get_session(), user=current_user_or_none(), instrument_id=instrument_id, data=data
        )
    except ServiceError as exc:
        if exc.status in REFUSED:
            raise
        flash(error_text(exc), "error")
    else:
        flash(_("Closed for that period."), "success")
        if cancelled:
            flash(
                _("%(n)s bookings inside it were cancelled; each booker has been told.", n=len(cancelled)),
                "info",
            )
    return redirect(url_for("listings.detail", segment="instruments", listing_id=instrument_id) + "#calendar")


__all__ = ["InstrumentClosure", "bp", "detail_context"]
