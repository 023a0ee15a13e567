"""Instruments in the browser: the page shows the calendar and books through a form (CSRF), the owner approves
or declines with a reason, the booking page links the contract; the lists filter by category."""

import re

from sqlmodel import select

from models import Booking
from tests.instruments.helpers import post_instrument, week_after_next
from tests.utils.factories import PASSWORD
from tests.utils.web import csrf_token


def login(client, user):
    client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
    )


def test_book_approve_and_see_the_contract(app, client, session, university, enterprise):
    instrument = post_instrument(client, university)
    page = client.get(f"/instruments/{instrument['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "GB/T 3075-2021" in html and 'id="calendar"' in html
    login(client, enterprise)
    path = f"/instruments/{instrument['id']}"
    token = csrf_token(client, path)
    day = week_after_next(0)
    refused = client.post(
        f"{path}/book",
        data={
            "csrf_token": token,
            "day": day.isoformat(),
            "start": "07:00",
            "end": "09:00",
            "work": "疲劳试验",
        },
        follow_redirects=True,
    )
    assert "开放时间" in refused.get_data(as_text=True) or "opening hours" in refused.get_data(as_text=True)
    assert session.exec(select(Booking)).all() == []
    booked = client.post(
        f"{path}/book",
        data={
            "csrf_token": token,
            "day": day.isoformat(),
            "start": "09:00",
            "end": "17:00",
            "work": "疲劳试验",
            "samples": "2",
            "sme": "y",
        },
    )
    assert booked.status_code == 302
    booking = session.exec(select(Booking)).one()
    assert booking.price_category == "sme"
    # Without the CSRF token nothing is booked.
    assert client.post(
        f"{path}/book", data={"day": day.isoformat(), "start": "09:00", "end": "10:00", "work": "x"}
    ).status_code in (302, 400)
    assert len(session.exec(select(Booking)).all()) == 1
    mine = client.get("/bookings").get_data(as_text=True)
    assert f'data-booking="{booking.id}"' in mine
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, university)
    queue = client.get("/bookings/queue").get_data(as_text=True)
    assert f'data-booking="{booking.id}"' in queue
    token = csrf_token(client, f"/bookings/{booking.id}")
    no_reason = client.post(
        f"/bookings/{booking.id}/transition",
        data={"csrf_token": token, "to": "declined"},
        follow_redirects=True,
    )
    assert no_reason.status_code == 200
    session.expire_all()
    assert session.get(Booking, booking.id).status == "requested"
    client.post(f"/bookings/{booking.id}/transition", data={"csrf_token": token, "to": "confirmed"})
    session.expire_all()
    row = session.get(Booking, booking.id)
    assert row.status == "confirmed" and row.contract_id
    html = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f"/contracts/{row.contract_id}" in html
    # The contract and the deal lists read like any other deal's.
    contract = client.get(f"/contracts/{row.contract_id}")
    assert contract.status_code == 200 and "技术服务" in contract.get_data(as_text=True)
    assert client.get("/interests").status_code == 200
    assert client.get("/contracts").status_code == 200


def test_lists_filter_by_category(client, university):
    post_instrument(client, university, title="电液伺服疲劳试验机", category="inspection")
    post_instrument(client, university, title="电感耦合等离子体光谱仪", category="analysis")
    html = client.get("/instruments?category=analysis").get_data(as_text=True)
    assert "光谱仪" in html and "疲劳试验机" not in html
    assert re.search(r'name="category"', client.get("/services").get_data(as_text=True))


def test_free_next_week_and_price_filters(client, university):
    from datetime import datetime, time, timedelta

    from app.instruments.rules import LOCAL
    from app.instruments.services.instruments import next_week
    from tests.utils.web import bearer

    busy = post_instrument(client, university, title="工业CT检测系统", price=1200)
    post_instrument(client, university, title="三坐标测量机", price=300)
    first, last = next_week()
    headers = bearer(client, university.email, PASSWORD)
    closed = client.post(
        f"/api/v1/instruments/{busy['id']}/closures",
        json={
            "starts_at": datetime.combine(first, time(), LOCAL).isoformat(),
            "ends_at": datetime.combine(last + timedelta(days=1), time(), LOCAL).isoformat(),
            "reason": "射线源更换",
        },
        headers=headers,
    )
    assert closed.status_code == 201
    free = client.get("/instruments?free=next_week").get_data(as_text=True)
    assert "三坐标测量机" in free and "工业CT检测系统" not in free
    cheap = client.get("/instruments?price_max=500").get_data(as_text=True)
    assert "三坐标测量机" in cheap and "工业CT检测系统" not in cheap
