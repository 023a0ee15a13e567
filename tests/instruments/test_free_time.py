"""The stored free time (app/instruments/services/free_time.py) answers "free next week" exactly as the
availability service's calendar does, on several instruments and windows, and follows bookings, closures and
edits of the opening hours."""

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from app.instruments.rules import LOCAL
from app.instruments.services import availability, free_time
from app.instruments.services.instruments import next_week
from models import Instrument
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.instruments.helpers import post_instrument
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def local(day, hour, minute=0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).isoformat()


def calendar_answer(session, first, last, now) -> list[int]:
    """The ids the availability service calls free: any free slot in its calendar of first..last."""
    live = session.exec(select(Instrument).where(Instrument.status == "published").order_by(Instrument.id))
    return [i.id for i in live if availability.calendar(session, i, first, last, now=now)["free"]]


@on_both_databases
def test_stored_free_time_agrees_with_the_calendar(backend, client, session, university, enterprise):
    owner, booker = bearer(client, university.email, PASSWORD), bearer(client, enterprise.email, PASSWORD)
    monday, sunday = next_week()
    weekdays = [[d, "08:30", "17:30"] for d in range(5)]
    plain = post_instrument(client, university, title="三坐标测量机")
    # Open only on Saturday mornings, three hours: a four-hour shortest slot never fits.
    post_instrument(
        client, university, title="扫描电镜", opening_hours=[[5, "09:00", "12:00"]], min_slot_minutes=240
    )
    # Open round the clock on weekdays; a lead time up to next Thursday noon leaves Thursday and Friday free, one
    # up to next Saturday nothing.
    for title, until in (("工业CT", monday + timedelta(days=3)), ("X射线探伤机", monday + timedelta(days=5))):
        lead = datetime.combine(until, time(12), tzinfo=LOCAL) - utcnow()
        post_instrument(
            client,
            university,
            title=title,
            opening_hours=[[d, "00:00", "24:00"] for d in range(5)],
            lead_hours=int(lead.total_seconds() // 3600) + 1,
        )
    # Closed all next week.
    closed = post_instrument(client, university, title="电磁兼容实验室", opening_hours=weekdays)
    assert (
        client.post(
            f"/api/v1/instruments/{closed['id']}/closures",
            json={
                "starts_at": local(monday, 0),
                "ends_at": local(sunday + timedelta(days=1), 0),
                "reason": "检修",
            },
            headers=owner,
        ).status_code
        == 201
    )
    # Booked full every open hour of next week, one booking a day.
    full = post_instrument(client, university, title="光谱仪", max_slot_minutes=9 * 60, lead_hours=0)
    for offset in range(5):
        day = monday + timedelta(days=offset)
        response = client.post(
            f"/api/v1/instruments/{full['id']}/bookings",
            json={"starts_at": local(day, 8, 30), "ends_at": local(day, 17, 30), "work": "成分分析"},
            headers=booker,
        )
        assert response.status_code == 201, response.json
    # Booked all but 45 minutes of Monday, closed the rest of the week: free only if the shortest slot fits.
    tight = post_instrument(client, university, title="细胞培养平台", min_slot_minutes=30, lead_hours=0)
    client.post(
        f"/api/v1/instruments/{tight['id']}/closures",
        json={"starts_at": local(monday + timedelta(days=1), 0), "ends_at": local(sunday, 0)},
        headers=owner,
    )
    client.post(
        f"/api/v1/instruments/{tight['id']}/bookings",
        json={"starts_at": local(monday, 8, 30), "ends_at": local(monday, 16, 45), "work": "细胞培养"},
        headers=booker,
    )

    now = utcnow()
    today = now.astimezone(LOCAL).date()
    windows = [
        (monday, sunday),
        (today, today + timedelta(days=6)),
        (monday, monday),
        (sunday, sunday + timedelta(days=8)),
    ]
    for first, last in windows:
        assert free_time.free_ids(session, first, last, now=now) == calendar_answer(
            session, first, last, now
        ), (
            first,
            last,
        )
    names = {i.id: i.title for i in session.exec(select(Instrument)).all()}
    free_next_week = {names[i] for i in free_time.free_ids(session, monday, sunday, now=now)}
    assert free_next_week == {"三坐标测量机", "工业CT", "细胞培养平台"}

    # An edit of the opening hours (Sundays only) takes it out without any other write.
    edited = client.patch(
        f"/api/v1/instruments/{plain['id']}", json={"opening_hours": [[6, "09:00", "10:00"]]}, headers=owner
    )
    assert edited.status_code == 200, edited.json
    assert plain["id"] in free_time.free_ids(session, monday, sunday)  # Sunday 09:00-10:00 still fits an hour
    client.patch(
        f"/api/v1/instruments/{plain['id']}",
        json={"opening_hours": [[6, "09:00", "09:30"]]},
        headers=owner,
    )
    assert plain["id"] not in free_time.free_ids(session, monday, sunday)
    assert free_time.free_ids(session, monday, sunday) == calendar_answer(session, monday, sunday, utcnow())


def test_the_list_filter_follows_a_booking_that_fills_the_week(client, university, enterprise):
    booker = bearer(client, enterprise.email, PASSWORD)
    monday, _sunday = next_week()
    instrument_id = post_instrument(
        client,
        university,
        title="电液伺服疲劳试验机",
        opening_hours=[[0, "09:00", "17:00"]],
        max_slot_minutes=8 * 60,
        lead_hours=0,
    )["id"]
    assert "电液伺服疲劳试验机" in client.get("/instruments?free=next_week").get_data(as_text=True)
    booked = client.post(
        f"/api/v1/instruments/{instrument_id}/bookings",
        json={"starts_at": local(monday, 9), "ends_at": local(monday, 17), "work": "疲劳试验"},
        headers=booker,
    )
    assert booked.status_code == 201
    assert "电液伺服疲劳试验机" not in client.get("/instruments?free=next_week").get_data(as_text=True)
    cancelled = client.post(
        f"/api/v1/bookings/{booked.json['id']}/transition", json={"to": "cancelled"}, headers=booker
    )
    assert cancelled.status_code == 200, cancelled.json
    assert "电液伺服疲劳试验机" in client.get("/instruments?free=next_week").get_data(as_text=True)
