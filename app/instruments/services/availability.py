"""When an instrument is free: opening hours, minus closures, bookings and the lead time, over a window of days."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from app.instruments import rules
from app.instruments.services import instruments
from app.platform.errors import Invalid
from models import Instrument
from models.common import utcnow


def parse_window(raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """`from` and `to` as YYYY-MM-DD (to inclusive; both default to the coming 14 days), at most
    MAX_WINDOW_DAYS apart; Invalid naming the argument otherwise."""
    today = utcnow().astimezone(rules.LOCAL).date()
    try:
        first = date.fromisoformat(raw_from) if raw_from else today
    except ValueError:
        raise Invalid(_("Some fields are not valid."), {"from": _("Use a date as YYYY-MM-DD.")}) from None
    try:
        last = date.fromisoformat(raw_to) if raw_to else first + timedelta(days=13)
    except ValueError:
        raise Invalid(_("Some fields are not valid."), {"to": _("Use a date as YYYY-MM-DD.")}) from None
    if last < first:
        raise Invalid(_("Some fields are not valid."), {"to": _("The end must come after the start.")})
    if (last - first).days >= rules.MAX_WINDOW_DAYS:
        raise Invalid(
            _("Some fields are not valid."),
            {"to": _("At most %(days)s days at once.", days=rules.MAX_WINDOW_DAYS)},
        )
    return first, last


def calendar(session, instrument: Instrument, first: date, last: date, now: datetime | None = None) -> dict:
    """{"free": [...], "busy": [...]} of first..last, each slot {"starts_at", "ends_at"} in ISO 8601 with the
    city's offset; busy slots say whether a booking or a closure holds them (`kind`)."""
    assert instrument.id is not None
    start, end = rules.local_day_bounds(first, last)
    closures = [
        (c.starts_at, c.ends_at) for c in instruments.closures_between(session, instrument.id, start, end)
    ]
    booked = [
        (b.starts_at, b.ends_at)
        for b in instruments.active_bookings_between(session, instrument.id, start, end)
    ]
    free = rules.free_slots(
        opening_hours=instrument.opening_hours,
        first=first,
        last=last,
        closures=closures,
        busy=booked,
        now=now or utcnow(),
        lead_hours=instrument.lead_hours,
        min_minutes=instrument.min_slot_minutes,
    )
    busy = sorted(
        [("booking", s, e) for s, e in booked] + [("closure", s, e) for s, e in closures], key=lambda x: x[1]
    )
    return {
        "free": [{"starts_at": rules.iso(s), "ends_at": rules.iso(e)} for s, e in free],
        "busy": [
            {"starts_at": rules.iso(max(s, start)), "ends_at": rules.iso(min(e, end)), "kind": kind}
            for kind, s, e in busy
        ],
    }


def free_hours(session, instrument: Instrument, first: date, last: date) -> float:
    """Free hours of first..last: the list's "free next week" filter keeps instruments with any."""
    slots = calendar(session, instrument, first, last)["free"]
    return sum(
        (datetime.fromisoformat(s["ends_at"]) - datetime.fromisoformat(s["starts_at"])).total_seconds() / 3600
        for s in slots
    )
