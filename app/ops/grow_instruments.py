"""Instruments and bookings at a real market's size, for `demo grow` and the instrument benchmark.

Each grown instrument varies one of the demo's (app/ops/demo_instruments.py: name, maker, standards, prices, opening
hours); its bookings are slots of two to four hours on working days between 09:00 and 17:00 (open under every demo
opening-hours table), never two at once on one instrument, from a few months back to a few weeks ahead: past ones
completed, no-shows, declined or cancelled; coming ones confirmed, requested or cancelled. Rows are plain dicts for
bulk inserts; the caller writes them and then refreshes the instruments' stored free time.
"""

import random
from datetime import datetime, time, timedelta

from app.instruments import rules
from app.ops.demo_instruments import INSTRUMENTS
from models import BookableBy, BookingStatus, ListingStatus, PriceCategory

PAST_STATES = [
    (BookingStatus.completed, 0.7),
    (BookingStatus.no_show, 0.05),
    (BookingStatus.declined, 0.1),
    (BookingStatus.cancelled, 0.15),
]
COMING_STATES = [
    (BookingStatus.confirmed, 0.6),
    (BookingStatus.requested, 0.3),
    (BookingStatus.cancelled, 0.1),
]


def _pick(rng: random.Random, weighted: list[tuple[BookingStatus, float]]) -> BookingStatus:
    return rng.choices([s for s, _w in weighted], weights=[w for _s, w in weighted])[0]


def instrument_row(
    rng: random.Random, n: int, org_id: int, center_id: int | None, now: datetime, ttl_days: int
) -> dict:
    """One published instrument, a variant of a demo one."""
    (
        _key,
        _org,
        _center,
        title,
        model,
        maker,
        category,
        industry,
        standards,
        region,
        address,
        unit,
        price,
        price_sme,
        price_member,
        price_university,
        subsidy,
        instant,
        hours,
        min_slot,
        max_slot,
        description,
    ) = rng.choice(INSTRUMENTS)
    published = now - timedelta(days=rng.randint(0, ttl_days - 1), minutes=rng.randint(0, 1439))
    return {
        "title": f"{title}（{n}号）"[:200],
        "model": model,
        "maker": maker,
        "category": category,
        "industry": industry,
        "standards": standards,
        "region": region,
        "address": address,
        "price_unit": unit,
        "price": price,
        "price_sme": price_sme,
        "price_member": price_member,
        "price_university": price_university,
        "subsidy_percent": subsidy,
        "approval_required": not instant,
        "bookable_by": BookableBy.anyone,
        "opening_hours": hours,
        "min_slot_minutes": min(min_slot, 120),
        "max_slot_minutes": max(max_slot, 240),
        "lead_hours": 24,
        "cancel_hours": 24,
        "description": description,
        "cooperation_modes": ["service"],
        "language": "zh",
        "org_id": org_id,
        "owner_id": None,
        "center_id": center_id,
        "status": ListingStatus.published,
        "created_at": published,
        "updated_at": published,
        "published_at": published,
        "expires_at": published + timedelta(days=ttl_days),
        "demo_key": None,
    }


def booking_rows(
    rng: random.Random,
    instrument_id: int,
    owner_org: int,
    count: int,
    bookers: list[tuple[int, int]],
    now: datetime,
    days_back: int = 150,
    days_ahead: int = 35,
) -> list[dict]:
    """`count` bookings of one instrument by (org id, user id) `bookers`, none overlapping another."""
    today = now.astimezone(rules.LOCAL).date()
    days = [
        today + timedelta(days=d)
        for d in range(-days_back, days_ahead)
        if (today + timedelta(days=d)).weekday() < 5 and d != 0
    ]
    # Two half-day slots a working day at most: 09:00-13:00 and 13:00-17:00, each two to four hours long.
    slots = rng.sample([(day, half) for day in days for half in (0, 1)], min(count, 2 * len(days)))
    rows = []
    candidates = [b for b in bookers if b[0] != owner_org] or bookers
    for day, half in slots:
        start = datetime.combine(day, time(9 + 4 * half), tzinfo=rules.LOCAL)
        hours = rng.choice((2, 3, 4))
        end = start + timedelta(hours=hours)
        org_id, user_id = rng.choice(candidates)
        status = _pick(rng, PAST_STATES if end < now else COMING_STATES)
        sme = rng.random() < 0.6
        amount = (300 if sme else 400) * hours
        rows.append(
            {
                "instrument_id": instrument_id,
                "org_id": org_id,
                "user_id": user_id,
                "starts_at": start,
                "ends_at": end,
                "work": "按标准进行检测试验，样品 2 件。",
                "samples": 2,
                "contact": "",
                "status": status,
                "price_category": PriceCategory.sme if sme else PriceCategory.enterprise,
                "unit_price": 300 if sme else 400,
                "amount": amount,
                "subsidy_amount": amount * 3 // 10,
                "note": "",
                "used_minutes": hours * 60 if status == BookingStatus.completed else None,
                "used_samples": 2 if status == BookingStatus.completed else None,
                "created_at": start - timedelta(days=rng.randint(2, 20)),
                "updated_at": start - timedelta(days=1),
                "version": 1,
            }
        )
    return rows
