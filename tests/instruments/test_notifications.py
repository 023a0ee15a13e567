"""Who hears of a booking: the owner of a request and a cancellation, the booker of a decision and a report, both
the day before (a `flask notify booking-reminders` run, once)."""

from datetime import datetime, timedelta

from sqlmodel import select

from models import Booking, Notification
from tests.instruments.helpers import at, post_instrument, week_after_next
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer


def kinds_for(session, user) -> list[str]:
    session.expire_all()
    return [
        n.kind
        for n in session.exec(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def test_requests_decisions_cancellations_and_reminders(client, runner, session, university, enterprise):
    instrument = post_instrument(client, university)
    owner, booker = bearer(client, university.email, PASSWORD), bearer(client, enterprise.email, PASSWORD)
    day = week_after_next(0)
    body = {"starts_at": at(day, 9), "ends_at": at(day, 11), "work": "疲劳试验"}
    booking = client.post(f"/api/v1/instruments/{instrument['id']}/bookings", json=body, headers=booker).json
    assert kinds_for(session, university) == ["booking_requested"]
    client.post(f"/api/v1/bookings/{booking['id']}/transition", json={"to": "confirmed"}, headers=owner)
    assert "booking_decided" in kinds_for(session, enterprise)
    # The day before: both sides, once.
    row = session.get(Booking, booking["id"])
    row.starts_at = datetime.now().astimezone() + timedelta(hours=20)
    row.ends_at = row.starts_at + timedelta(hours=2)
    session.add(row)
    session.commit()
    assert "1 bookings reminded" in runner.invoke(args=["notify", "booking-reminders"]).output
    assert "0 bookings reminded" in runner.invoke(args=["notify", "booking-reminders"]).output
    assert kinds_for(session, university).count("booking_reminder") == 1
    assert kinds_for(session, enterprise).count("booking_reminder") == 1
    # A cancellation by the owner is the booker's news.
    client.post(
        f"/api/v1/bookings/{booking['id']}/transition",
        json={"to": "cancelled", "note": "设备故障"},
        headers=owner,
    )
    assert kinds_for(session, enterprise)[-1] == "booking_cancelled"
    notices = client.get("/api/v1/notifications", headers=booker)
    assert notices.status_code == 200
    assert any(
        f"/bookings/{booking['id']}" in (item.get("url") or item.get("link") or "")
        for item in notices.json["items"]
    )
