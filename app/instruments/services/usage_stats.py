"""The bureau's view of shared instruments: hours and bookings per center and per category, the share booked by
SMEs, and utilisation (booked hours / open hours) per instrument, for one year.

A booking counts once it holds its slot for good: confirmed or completed (a completed one by the hours recorded,
a confirmed one by its slot). Open hours are the weekly opening hours over the year's days, less closures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, select

from app.instruments import rules
from models import Booking, BookingStatus, Center, Instrument, InstrumentClosure, PriceCategory

COUNTED = (BookingStatus.confirmed, BookingStatus.completed)
TOP_INSTRUMENTS = 15


@dataclass
class Row:
    name: str
    bookings: int = 0
    hours: float = 0.0


@dataclass
class UsageStats:
    year: int
    bookings: int = 0
    hours: float = 0.0
    sme_bookings: int = 0
    sme_hours: float = 0.0
    by_center: list[Row] = field(default_factory=list)
    by_category: list[tuple[str, Row]] = field(default_factory=list)
    # (instrument id, title, booked hours, open hours, utilisation 0..1), highest first.
    utilisation: list[tuple[int, str, float, float, float]] = field(default_factory=list)

    @property
    def sme_share(self) -> float:
        return self.sme_hours / self.hours if self.hours else 0.0


def weekly_open_hours(opening_hours: list[list]) -> float:
    return sum(
        (rules._clock(closes) - rules._clock(opens)).total_seconds() / 3600
        for _day, opens, closes in opening_hours
    )


def _hours(booking: Booking) -> float:
    if booking.status == BookingStatus.completed and booking.used_minutes is not None:
        return booking.used_minutes / 60
    return (booking.ends_at - booking.starts_at).total_seconds() / 3600


def summary(*, session: Session, year: int) -> UsageStats:
    start = datetime.combine(date(year, 1, 1), time(), tzinfo=rules.LOCAL)
    end = datetime.combine(date(year + 1, 1, 1), time(), tzinfo=rules.LOCAL)
    stats = UsageStats(year=year)
    rows = session.exec(
        select(Booking, Instrument)
        .join(Instrument, col(Instrument.id) == Booking.instrument_id)
        .where(
            col(Booking.status).in_(COUNTED), col(Booking.starts_at) >= start, col(Booking.starts_at) < end
        )
    ).all()
    centers = {c.id: c.name for c in session.exec(select(Center)).all()}
    by_center: dict[int | None, Row] = {}
    by_category: dict[str, Row] = defaultdict(lambda: Row(""))
    booked: dict[int, float] = defaultdict(float)
    instruments: dict[int, Instrument] = {}
    for booking, instrument in rows:
        assert instrument.id is not None
        hours = _hours(booking)
        stats.bookings += 1
        stats.hours += hours
        if booking.price_category == PriceCategory.sme:
            stats.sme_bookings += 1
            stats.sme_hours += hours
        center = by_center.setdefault(instrument.center_id, Row(centers.get(instrument.center_id, "")))
        center.bookings += 1
        center.hours += hours
        category = by_category[instrument.category.value]
        category.bookings += 1
        category.hours += hours
        booked[instrument.id] += hours
        instruments[instrument.id] = instrument
    stats.by_center = sorted(by_center.values(), key=lambda r: -r.hours)
    stats.by_category = sorted(by_category.items(), key=lambda item: -item[1].hours)
    closed: dict[int, float] = defaultdict(float)
    for closure in session.exec(
        select(InstrumentClosure).where(
            col(InstrumentClosure.instrument_id).in_(list(instruments)),
            col(InstrumentClosure.starts_at) < end,
            col(InstrumentClosure.ends_at) > start,
        )
    ).all():
        span = min(closure.ends_at, end.astimezone(UTC)) - max(closure.starts_at, start.astimezone(UTC))
        closed[closure.instrument_id] += span.total_seconds() / 3600
    days = (end - start).days
    for instrument_id, hours in booked.items():
        instrument = instruments[instrument_id]
        open_hours = max(weekly_open_hours(instrument.opening_hours) * days / 7 - closed[instrument_id], 0.0)
        share = hours / open_hours if open_hours else 0.0
        stats.utilisation.append((instrument_id, instrument.title, hours, open_hours, share))
    stats.utilisation.sort(key=lambda item: -item[4])
    stats.utilisation = stats.utilisation[:TOP_INSTRUMENTS]
    return stats
