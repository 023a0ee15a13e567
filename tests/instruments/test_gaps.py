"""The rules the sharing platforms have and the first cut lacked: a no-show blacklist, closures that cancel the
bookings inside them (each booker told), opening hours refused in words a poster understands, photos and documents
on an instrument, and two closures at once."""

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from app.instruments import rules
from models import AuditEvent, Booking, BookingStatus, Notification
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.instruments.helpers import at, instrument_data, post_instrument, week_after_next
from tests.instruments.test_pages import login
from tests.utils.factories import PASSWORD
from tests.utils.images import png
from tests.utils.web import bearer, concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def world(client, university, enterprise):
    return {
        "instrument": post_instrument(client, university),
        "owner": bearer(client, university.email, PASSWORD),
        "booker": bearer(client, enterprise.email, PASSWORD),
    }


def book(client, world, day, start, end, instrument=None):
    return client.post(
        f"/api/v1/instruments/{(instrument or world['instrument'])['id']}/bookings",
        json={"starts_at": at(day, start), "ends_at": at(day, end), "work": "轮毂轴承疲劳试验"},
        headers=world["booker"],
    )


def no_shows(session, world, enterprise, count):
    """`count` past bookings of the enterprise the owner marked as no-shows, 10, 20, ... days ago."""
    for n in range(count):
        starts_at = utcnow() - timedelta(days=10 * (n + 1))
        session.add(
            Booking(
                instrument_id=world["instrument"]["id"],
                org_id=enterprise.org_id,
                user_id=enterprise.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                work="疲劳试验",
                status=BookingStatus.no_show,
            )
        )
    session.commit()


def test_three_no_shows_bar_booking_with_a_422_naming_the_rule(client, session, world, enterprise):
    no_shows(session, world, enterprise, rules.NO_SHOW_BAN)
    refused = book(client, world, week_after_next(1), 9, 11)
    assert refused.status_code == 422, refused.json
    error = refused.json["error"]
    assert error["fields"]["rule"] == "no_show_blacklist"
    # Booking opens again 180 days after the oldest of the three: the message names the day.
    until = (utcnow() - timedelta(days=30) + timedelta(days=180)).astimezone(rules.LOCAL).date()
    assert "爽约" in error["message"] and until.isoformat() in error["message"]
    assert session.exec(select(Booking).where(Booking.status == BookingStatus.requested)).all() == []
    # The instrument's page tells the booker before it fills the form.
    login(client, enterprise)
    page = client.get(f"/instruments/{world['instrument']['id']}").get_data(as_text=True)
    assert 'id="booking-standing"' in page and until.isoformat() in page


def test_no_shows_older_than_the_window_do_not_count(client, session, world, enterprise):
    no_shows(session, world, enterprise, rules.NO_SHOW_BAN)
    for booking in session.exec(select(Booking)).all():
        booking.starts_at -= timedelta(days=rules.NO_SHOW_WINDOW_DAYS)
        booking.ends_at -= timedelta(days=rules.NO_SHOW_WINDOW_DAYS)
        session.add(booking)
    session.commit()
    assert book(client, world, week_after_next(1), 9, 11).status_code == 201


def test_two_no_shows_end_instant_confirmation(client, session, university, enterprise, world):
    instant = post_instrument(client, university, title="三坐标测量机", approval_required=False)
    day = week_after_next(1)
    assert book(client, world, day, 9, 11, instrument=instant).json["status"] == "confirmed"
    no_shows(session, world, enterprise, rules.NO_SHOW_APPROVAL)
    waiting = book(client, world, day, 13, 15, instrument=instant)
    assert waiting.status_code == 201 and waiting.json["status"] == "requested"
    login(client, enterprise)
    page = client.get(f"/instruments/{instant['id']}").get_data(as_text=True)
    assert 'id="booking-standing"' in page and "审批" in page


def test_a_closure_cancels_the_bookings_inside_it_and_tells_each_booker(client, session, world, enterprise):
    day = week_after_next(2)
    inside = book(client, world, day, 9, 11).json
    outside = book(client, world, day + timedelta(days=1), 9, 11).json
    client.post(
        f"/api/v1/bookings/{inside['id']}/transition", json={"to": "confirmed"}, headers=world["owner"]
    )
    closed = client.post(
        f"/api/v1/instruments/{world['instrument']['id']}/closures",
        json={"starts_at": at(day, 0), "ends_at": at(day + timedelta(days=1), 0), "reason": "作动器更换"},
        headers=world["owner"],
    )
    assert closed.status_code == 201, closed.json
    assert closed.json["cancelled_bookings"] == [inside["id"]]
    session.expire_all()
    assert session.get(Booking, inside["id"]).status == "cancelled"
    assert session.get(Booking, outside["id"]).status == "requested"
    mine = client.get(f"/api/v1/bookings/{inside['id']}", headers=world["booker"]).json
    assert mine["status"] == "cancelled" and "作动器更换" in mine["note"]
    notice = session.exec(
        select(Notification).where(
            Notification.subject_type == "booking",
            Notification.subject_id == inside["id"],
            Notification.kind == "booking_cancelled",
        )
    ).all()
    assert len(notice) == 1 and "作动器更换" in (notice[0].detail or "")


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        ([[0, "17:30", "08:30"]], "开始时间须早于结束时间"),
        ([[7, "08:30", "17:30"]], "0（星期一）至 6（星期日）"),
        ([[0, "8.30", "17:30"]], "时:分"),
        ([["周一", "08:30"]], '例如 [0, "08:30", "17:30"]'),
    ],
)
def test_bad_opening_hours_are_a_422_that_says_how_to_write_them(client, world, hours, words):
    response = client.post(
        "/api/v1/instruments", json=instrument_data(opening_hours=hours), headers=world["owner"]
    )
    assert response.status_code == 422
    assert words in response.json["error"]["fields"]["opening_hours"]


def test_an_instrument_takes_a_photo_and_a_document(client, world):
    base = f"/api/v1/instruments/{world['instrument']['id']}/attachments"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for data, name in ((png(), "试验机外观.png"), (pdf, "计量校准证书.pdf")):
        response = client.post(
            base,
            data={"file": (io.BytesIO(data), name)},
            headers=world["owner"],
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
    listed = client.get(base).json
    names = [item.get("filename") or item.get("name") for item in (listed.get("items", listed))]
    assert names == ["试验机外观.png", "计量校准证书.pdf"]
    page = client.get(f"/instruments/{world['instrument']['id']}").get_data(as_text=True)
    assert "计量校准证书.pdf" in page and "thumbnail" in page
    # The booker cannot add one to an instrument it does not own.
    refused = client.post(
        base,
        data={"file": (io.BytesIO(pdf), "x.pdf")},
        headers=world["booker"],
        content_type="multipart/form-data",
    )
    assert refused.status_code in (403, 404)


@on_both_databases
def test_two_closures_at_once_cancel_a_booking_once(app, session, world):
    day = week_after_next(3)
    booking = book(app.test_client(), world, day, 9, 11).json
    clients = [app.test_client() for _ in range(2)]

    def close(client, start, reason):
        return client.post(
            f"/api/v1/instruments/{world['instrument']['id']}/closures",
            json={"starts_at": at(day, start), "ends_at": at(day, start + 6), "reason": reason},
            headers=world["owner"],
        )

    responses = concurrently(
        lambda: close(clients[0], 8, "年度校准"), lambda: close(clients[1], 6, "停电检修")
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert sorted(len(r.json["cancelled_bookings"]) for r in responses) == [0, 1]
    session.expire_all()
    assert session.get(Booking, booking["id"]).status == "cancelled"
    trail = session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == "booking", AuditEvent.subject_id == booking["id"])
    ).all()
    assert [e.action for e in trail] == ["requested", "cancelled"]


@on_both_databases
def test_a_booking_racing_a_closure_never_holds_a_slot_inside_it(app, session, world):
    day = week_after_next(3)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        lambda: book(clients[0], world, day, 9, 11),
        lambda: clients[1].post(
            f"/api/v1/instruments/{world['instrument']['id']}/closures",
            json={"starts_at": at(day, 0), "ends_at": at(day, 23), "reason": "检修"},
            headers=world["owner"],
        ),
    )
    booked, closed = responses
    assert closed.status_code == 201
    # Either the booking came first (and the closure cancelled it) or after (and the rule refused it).
    assert (booked.status_code, closed.json["cancelled_bookings"]) in (
        (201, [booked.json["id"] if booked.status_code == 201 else None]),
        (422, []),
    )
    session.expire_all()
    assert session.exec(select(Booking).where(Booking.status.in_(("requested", "confirmed")))).all() == []
