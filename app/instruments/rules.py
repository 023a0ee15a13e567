"""The pure rules of instruments and bookings: calendars as interval arithmetic, the booking rules, the price
table, and who may move a booking where. No database, no Flask: the services ask these and act on the answer."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.instrument import BookingStatus, PriceCategory, PriceUnit

# The city's clock: opening hours are local times, answers carry this offset (+08:00).
LOCAL = ZoneInfo("Asia/Shanghai")
# The widest availability window one request may ask for.
MAX_WINDOW_DAYS = 62

Interval = tuple[datetime, datetime]


# --- calendars -------------------------------------------------------------------------------------------------


def _clock(value: str) -> timedelta:
    hours, _sep, minutes = value.partition(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching or overlapping intervals joined: two consecutive 00:00-24:00 days are one span."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(spans: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """`spans` without any moment of `holes`."""
    result = list(spans)
    for hole_start, hole_end in merge(holes):
        cut: list[Interval] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result


def clip(spans: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]


def open_periods(opening_hours: list[list], first: date, last: date) -> list[Interval]:
    """The weekly opening hours laid over the days first..last (local), as merged aware intervals."""
    periods: list[Interval] = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(), tzinfo=LOCAL)
        for weekday, opens, closes in opening_hours:
            if weekday == day.weekday():
                periods.append((midnight + _clock(opens), midnight + _clock(closes)))
        day += timedelta(days=1)
    return merge(periods)


def covers(spans: list[Interval], start: datetime, end: datetime) -> bool:
    """Whether one span holds [start, end) whole."""
    return any(s <= start and end <= e for s, e in spans)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def local_day_bounds(first: date, last: date) -> Interval:
    return (
        datetime.combine(first, time(), tzinfo=LOCAL),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=LOCAL),
    )


def iso(moment: datetime) -> str:
    """ISO 8601 with the city's offset, to the second: 2026-12-07T08:30:00+08:00."""
    return moment.astimezone(LOCAL).replace(microsecond=0).isoformat()


# --- the booking rules -----------------------------------------------------------------------------------------


class RuleBroken(Exception):
    """A booking breaks one of the instrument's rules; `rule` names it (min_slot, max_slot, lead_time,
    opening_hours, closed_period, slot_order)."""

    def __init__(self, rule: str, **details):
        super().__init__(rule)
        self.rule = rule
        self.details = details


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def check_slot(
    slot: Slot,
    *,
    now: datetime,
    min_minutes: int,
    max_minutes: int,
    lead_hours: int,
    opening_hours: list[list],
    closures: list[Interval],
) -> None:
    """Raise RuleBroken for the first rule the slot breaks, in the order a person would check them."""
    if slot.starts_at.tzinfo is None or slot.ends_at.tzinfo is None:
        raise RuleBroken("timezone")
    if slot.ends_at <= slot.starts_at:
        raise RuleBroken("slot_order")
    minutes = (slot.ends_at - slot.starts_at).total_seconds() / 60
    if minutes < min_minutes:
        raise RuleBroken("min_slot", minutes=min_minutes)
    if minutes > max_minutes:
        raise RuleBroken("max_slot", minutes=max_minutes)
    if slot.starts_at < now + timedelta(hours=lead_hours):
        raise RuleBroken("lead_time", hours=lead_hours)
    first = slot.starts_at.astimezone(LOCAL).date() - timedelta(days=1)
    last = slot.ends_at.astimezone(LOCAL).date()
    if not covers(open_periods(opening_hours, first, last), slot.starts_at, slot.ends_at):
        raise RuleBroken("opening_hours")
    if any(overlaps((slot.starts_at, slot.ends_at), closure) for closure in closures):
        raise RuleBroken("closed_period")


def free_slots(
    *,
    opening_hours: list[list],
    first: date,
    last: date,
    closures: list[Interval],
    busy: list[Interval],
    now: datetime,
    lead_hours: int,
    min_minutes: int,
) -> list[Interval]:
    """The free time of first..last: opening hours, without closures, bookings and what the lead time forbids;
    pieces shorter than the shortest slot are no use to anyone and left out."""
    window_start, window_end = local_day_bounds(first, last)
    spans = clip(
        open_periods(opening_hours, first - timedelta(days=1), last + timedelta(days=1)),
        window_start,
        window_end,
    )
    earliest = now + timedelta(hours=lead_hours)
    spans = subtract(spans, [*closures, *busy, (window_start - timedelta(days=1), earliest)])
    return [(s, e) for s, e in spans if (e - s) >= timedelta(minutes=min_minutes)]


# --- no-shows --------------------------------------------------------------------------------------------------

# An organization that leaves booked slots empty costs the owners the time others could have used (the sharing
# platforms' 黑名单): within NO_SHOW_WINDOW_DAYS, NO_SHOW_APPROVAL no-shows end instant confirmation (every
# request waits for the owner), NO_SHOW_BAN no-shows end booking altogether until the oldest of them leaves the
# window.
NO_SHOW_WINDOW_DAYS = 180
NO_SHOW_APPROVAL = 2
NO_SHOW_BAN = 3


@dataclass(frozen=True)
class Standing:
    """`ok`, `approval` (no instant confirmation) or `banned` (no booking until `until`); `count` no-shows."""

    level: str
    count: int
    until: datetime | None = None


def no_show_standing(no_shows: Iterable[datetime], *, now: datetime) -> Standing:
    """The booker's standing from the start times of its no-shows (any instrument, any owner)."""
    since = now - timedelta(days=NO_SHOW_WINDOW_DAYS)
    recent = sorted(moment for moment in no_shows if moment >= since)
    if len(recent) >= NO_SHOW_BAN:
        # Booking opens again when fewer than NO_SHOW_BAN remain in the window.
        until = recent[len(recent) - NO_SHOW_BAN] + timedelta(days=NO_SHOW_WINDOW_DAYS)
        return Standing("banned", len(recent), until)
    if len(recent) >= NO_SHOW_APPROVAL:
        return Standing("approval", len(recent))
    return Standing("ok", len(recent))


# --- prices ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    category: PriceCategory
    unit_price: int | None
    amount: int
    subsidy: int


def price_category(*, member: bool, org_kind: str, sme: bool) -> PriceCategory:
    """A member unit of the owning center pays the member price; universities and institutes the university
    price; an enterprise the SME price when it says it is one, the list price otherwise."""
    if member:
        return PriceCategory.member
    if org_kind in ("university", "institute"):
        return PriceCategory.university
    return PriceCategory.sme if sme else PriceCategory.enterprise


def quote(
    *,
    prices: dict[PriceCategory, int | None],
    list_price: int | None,
    category: PriceCategory,
    unit: PriceUnit,
    minutes: float,
    samples: int,
    subsidy_percent: int,
) -> Price:
    """The amount of a booking from the price table: per started half hour or per sample, in yuan."""
    unit_price = prices.get(category)
    if unit_price is None:
        unit_price = list_price
    if unit_price is None:
        return Price(category, None, 0, 0)
    quantity = samples if unit == PriceUnit.sample else round(minutes / 60, 2)
    amount = int(round(unit_price * quantity))
    return Price(category, unit_price, amount, amount * subsidy_percent // 100)


# --- who moves a booking where ---------------------------------------------------------------------------------

OWNER, BOOKER = "owner", "booker"

# to → (the states it leaves, the sides that may take it)
TRANSITIONS: dict[BookingStatus, tuple[tuple[BookingStatus, ...], tuple[str, ...]]] = {
    BookingStatus.confirmed: ((BookingStatus.requested,), (OWNER,)),
    BookingStatus.declined: ((BookingStatus.requested,), (OWNER,)),
    BookingStatus.cancelled: ((BookingStatus.requested, BookingStatus.confirmed), (OWNER, BOOKER)),
    BookingStatus.no_show: ((BookingStatus.confirmed,), (OWNER,)),
    BookingStatus.completed: ((BookingStatus.confirmed,), (OWNER,)),
}


class TransitionRefused(Exception):
    """`reason`: unknown, wrong_side, wrong_state, past_deadline, not_started, not_ended, reason_required."""

    def __init__(self, reason: str, **details):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def check_transition(
    *,
    current: BookingStatus,
    to: str,
    side: str | None,
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
    cancel_hours: int,
    note: str,
) -> BookingStatus:
    """The target status if `side` may move the booking there now; TransitionRefused otherwise."""
    try:
        target = BookingStatus(to)
    except ValueError:
        raise TransitionRefused("unknown") from None
    if target not in TRANSITIONS:
        raise TransitionRefused("unknown")
    sources, sides = TRANSITIONS[target]
    if side not in sides:
        raise TransitionRefused("wrong_side")
    if current not in sources:
        raise TransitionRefused("wrong_state")
    if target == BookingStatus.declined and not note.strip():
        raise TransitionRefused("reason_required")
    if target == BookingStatus.cancelled:
        # The booker cancels up to the rules' deadline; the owner until the slot starts (a broken machine).
        deadline = starts_at - timedelta(hours=cancel_hours) if side == BOOKER else starts_at
        if now > deadline:
            raise TransitionRefused("past_deadline", hours=cancel_hours)
    if target == BookingStatus.no_show and now < starts_at:
        raise TransitionRefused("not_started")
    if target == BookingStatus.completed and now < ends_at:
        raise TransitionRefused("not_ended")
    return target
