"""The demo's instruments: a few dozen across the centers and universities, bookings in every state, no two
live bookings overlapping, and loading twice changes nothing."""

from sqlmodel import select

from app.ops import demo
from models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Contract, Instrument
from tests.utils.factories import in_app


def test_demo_instruments_and_bookings(session):
    with in_app(session):
        counts = demo.load_demo(session=session, ttl_days=180)
        again = demo.load_demo(session=session, ttl_days=180)
    assert counts["instruments"] == again["instruments"] >= 25
    instruments = session.exec(select(Instrument)).all()
    assert len(instruments) == counts["instruments"]
    assert {"三坐标测量机", "电液伺服疲劳试验机", "工业CT检测系统"} <= {i.title for i in instruments}
    assert len({i.category for i in instruments}) >= 6 and all(i.standards for i in instruments)
    bookings = session.exec(select(Booking)).all()
    assert {b.status for b in bookings} == set(BookingStatus)
    assert len(bookings) == counts["bookings"]  # the second load added none
    live = [b for b in bookings if b.status in ACTIVE_BOOKING_STATUSES]
    for a in live:
        for b in live:
            if a.id < b.id and a.instrument_id == b.instrument_id:
                assert a.ends_at <= b.starts_at or b.ends_at <= a.starts_at
    confirmed = [b for b in bookings if b.status == BookingStatus.confirmed]
    assert confirmed and all(
        session.get(Contract, b.contract_id).kind == "technical_service" for b in confirmed
    )
