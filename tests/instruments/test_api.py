"""Instruments and bookings through the API: post one, read its calendar, book it, decide, record usage; the
rules refuse with a 422 that names them; two bookings of one slot give one 201 and one 409 on both databases."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from models import Booking, Contract, ContractText, Interest, Organization, SizeClass
from tests.conftest import BACKENDS
from tests.instruments.helpers import at, post_instrument, week_after_next
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer, concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def world(client, university, enterprise):
    instrument = post_instrument(client, university)
    return {
        "instrument": instrument,
        "owner": bearer(client, university.email, PASSWORD),
        "booker": bearer(client, enterprise.email, PASSWORD),
    }


def book(client, world, day, start, end, **extra):
    body = {
        "starts_at": at(day, start),
        "ends_at": at(day, end),
        "work": "轮毂轴承疲劳试验 2 组",
        "samples": 2,
    }
    return client.post(
        f"/api/v1/instruments/{world['instrument']['id']}/bookings",
        json={**body, **extra},
        headers=world["booker"],
    )


def test_instrument_is_a_listing_kind_of_the_api(client, world):
    instrument_id = world["instrument"]["id"]
    got = client.get(f"/api/v1/instruments/{instrument_id}")
    assert got.status_code == 200
    assert got.json["type"] == "instrument" and got.json["standards"] == ["GB/T 3075-2021", "GB/T 15248-2008"]
    listed = client.get("/api/v1/instruments").json
    assert [item["id"] for item in listed["items"]] == [instrument_id]
    changed = client.patch(
        f"/api/v1/instruments/{instrument_id}", json={"price": 450}, headers=world["owner"]
    )
    assert changed.status_code == 200 and changed.json["price"] == 450
    refused = client.patch(f"/api/v1/instruments/{instrument_id}", json={"price": 1}, headers=world["booker"])
    assert refused.status_code in (403, 404)


def test_an_enterprise_cannot_post_an_instrument(client, world):
    response = client.post(
        "/api/v1/instruments",
        json={"title": "光谱仪", "description": "x", "category": "analysis"},
        headers=world["booker"],
    )
    assert response.status_code == 403


def test_availability_follows_opening_hours_and_bookings(client, world):
    day = week_after_next(0)
    instrument_id = world["instrument"]["id"]
    calendar = client.get(f"/api/v1/instruments/{instrument_id}/availability?from={day}&to={day}")
    assert calendar.status_code == 200
    assert calendar.json == {
        "free": [{"starts_at": at(day, 8, 30), "ends_at": at(day, 17, 30)}],
        "busy": [],
    }
    assert book(client, world, day, 10, 12).status_code == 201
    calendar = client.get(f"/api/v1/instruments/{instrument_id}/availability?from={day}&to={day}").json
    assert calendar["free"] == [
        {"starts_at": at(day, 8, 30), "ends_at": at(day, 10)},
        {"starts_at": at(day, 12), "ends_at": at(day, 17, 30)},
    ]
    assert [(b["starts_at"], b["ends_at"]) for b in calendar["busy"]] == [(at(day, 10), at(day, 12))]
    assert calendar["free"][0]["starts_at"].endswith("+08:00")


def test_availability_honours_the_lead_time_and_closures(client, world):
    instrument_id = world["instrument"]["id"]
    today = datetime.now().date()
    calendar = client.get(f"/api/v1/instruments/{instrument_id}/availability?from={today}&to={today}").json
    assert calendar["free"] == []  # nothing today: the lead time is 24 hours
    day = week_after_next(1)
    closed = client.post(
        f"/api/v1/instruments/{instrument_id}/closures",
        json={"starts_at": at(day, 8), "ends_at": at(day, 13), "reason": "年度计量校准"},
        headers=world["owner"],
    )
    assert closed.status_code == 201
    calendar = client.get(f"/api/v1/instruments/{instrument_id}/availability?from={day}&to={day}").json
    assert calendar["free"] == [{"starts_at": at(day, 13), "ends_at": at(day, 17, 30)}]
    assert calendar["busy"][0]["kind"] == "closure"
    refused = book(client, world, day, 9, 11)
    assert refused.status_code == 422 and refused.json["error"]["fields"]["rule"] == "closed_period"


def test_bad_windows_are_422(client, world):
    instrument_id = world["instrument"]["id"]
    assert client.get(f"/api/v1/instruments/{instrument_id}/availability?from=2026-13-01").status_code == 422
    assert (
        client.get(
            f"/api/v1/instruments/{instrument_id}/availability?from=2026-01-10&to=2026-01-01"
        ).status_code
        == 422
    )
    assert (
        client.get(
            f"/api/v1/instruments/{instrument_id}/availability?from=2026-01-01&to=2026-06-01"
        ).status_code
        == 422
    )


@pytest.mark.parametrize(
    ("start", "end", "rule"),
    [(7, 9, "opening_hours"), (17, 19, "opening_hours"), (10, 10.5, "min_slot")],
)
def test_a_slot_that_breaks_a_rule_is_422_naming_it(client, world, start, end, rule):
    day = week_after_next(2)
    body = {
        "starts_at": at(day, int(start), int(start % 1 * 60)),
        "ends_at": at(day, int(end), int(end % 1 * 60)),
        "work": "试验",
    }
    response = client.post(
        f"/api/v1/instruments/{world['instrument']['id']}/bookings", json=body, headers=world["booker"]
    )
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"]["rule"] == rule


def test_the_lead_time_is_a_rule(client, world):
    soon = datetime.now().astimezone() + timedelta(hours=2)
    body = {"starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=1)).isoformat(), "work": "试验"}
    response = client.post(
        f"/api/v1/instruments/{world['instrument']['id']}/bookings",
        json=body,
        headers={**world["booker"], "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"]["rule"] == "lead_time"
    assert "lead time" in response.json["error"]["message"]


def test_the_owner_cannot_book_its_own_instrument(client, world):
    day = week_after_next(0)
    body = {"starts_at": at(day, 9), "ends_at": at(day, 10), "work": "试验"}
    response = client.post(
        f"/api/v1/instruments/{world['instrument']['id']}/bookings", json=body, headers=world["owner"]
    )
    assert response.status_code == 403


def test_request_confirm_contract_usage_path(client, session, world):
    day = week_after_next(0)
    created = book(client, world, day, 9, 17, sme=True)
    assert created.status_code == 201, created.json
    booking = created.json
    assert booking["status"] == "requested" and booking["price_category"] == "sme"
    assert booking["amount"] == 8 * 300 and booking["subsidy_amount"] == 8 * 300 * 30 // 100
    owner_queue = client.get("/api/v1/bookings?role=owner", headers=world["owner"]).json["items"]
    assert [b["id"] for b in owner_queue] == [booking["id"]]
    assert "confirmed" in owner_queue[0]["allowed"]
    mine = client.get("/api/v1/bookings?role=mine", headers=world["booker"]).json["items"]
    assert [b["id"] for b in mine] == [booking["id"]] and "confirmed" not in mine[0]["allowed"]
    # The booker cannot confirm its own request.
    refused = client.post(
        f"/api/v1/bookings/{booking['id']}/transition", json={"to": "confirmed"}, headers=world["booker"]
    )
    assert refused.status_code == 403
    confirmed = client.post(
        f"/api/v1/bookings/{booking['id']}/transition",
        json={"to": "confirmed", "note": "请提前半小时到场"},
        headers=world["owner"],
    )
    assert confirmed.status_code == 200, confirmed.json
    contract_id = confirmed.json["contract_id"]
    contract = session.get(Contract, contract_id)
    assert contract.kind == "technical_service" and contract.amount == 2400 and contract.status == "draft"
    assert contract.party_a_org_id == booking["org_id"] and contract.party_b_org_id == booking["owner_org_id"]
    assert (
        session.exec(select(ContractText).where(ContractText.contract_id == contract_id)).first() is not None
    )
    seen = client.get(f"/api/v1/contracts/{contract_id}", headers=world["booker"])
    assert seen.status_code == 200 and seen.json["kind"] == "technical_service"
    # Completing before the slot has ended is refused; once it has, usage is recorded.
    early = client.post(
        f"/api/v1/bookings/{booking['id']}/transition", json={"to": "completed"}, headers=world["owner"]
    )
    assert early.status_code == 422
    row = session.get(Booking, booking["id"])
    row.starts_at -= timedelta(days=30)
    row.ends_at -= timedelta(days=30)
    session.add(row)
    session.commit()
    done = client.post(
        f"/api/v1/bookings/{booking['id']}/transition",
        json={"to": "completed", "used_hours": 7.5, "used_samples": 2},
        headers=world["owner"],
    )
    assert done.status_code == 200 and done.json["used_hours"] == 7.5 and done.json["status"] == "completed"
    import io

    report = client.post(
        f"/api/v1/bookings/{booking['id']}/report",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% test report\n"), "report.pdf")},
        headers=world["owner"],
        content_type="multipart/form-data",
    )
    assert report.status_code == 200, report.json
    assert report.json["report_name"] == "report.pdf"
    downloaded = client.get(report.json["report_url"], headers=world["booker"])
    assert downloaded.status_code == 200 and downloaded.data.startswith(b"%PDF")


def test_declining_needs_a_reason_and_frees_the_slot(client, world):
    day = week_after_next(3)
    booking = book(client, world, day, 9, 11).json
    path = f"/api/v1/bookings/{booking['id']}/transition"
    assert client.post(path, json={"to": "declined"}, headers=world["owner"]).status_code == 422
    declined = client.post(path, json={"to": "declined", "note": "设备检修"}, headers=world["owner"])
    assert declined.status_code == 200 and declined.json["note"] == "设备检修"
    assert book(client, world, day, 9, 11).status_code == 201


def test_cancellation_deadline(client, session, world):
    day = week_after_next(4)
    booking = book(client, world, day, 9, 11).json
    row = session.get(Booking, booking["id"])
    row.starts_at = datetime.now().astimezone() + timedelta(hours=5)
    row.ends_at = row.starts_at + timedelta(hours=2)
    session.add(row)
    session.commit()
    late = client.post(
        f"/api/v1/bookings/{booking['id']}/transition", json={"to": "cancelled"}, headers=world["booker"]
    )
    assert late.status_code == 422 and late.json["error"]["fields"]["rule"] == "cancellation_deadline"
    # The owner may still cancel until the slot starts.
    by_owner = client.post(
        f"/api/v1/bookings/{booking['id']}/transition",
        json={"to": "cancelled", "note": "设备故障"},
        headers=world["owner"],
    )
    assert by_owner.status_code == 200 and by_owner.json["status"] == "cancelled"


def test_an_instant_instrument_confirms_at_once(client, university, world):
    instant = post_instrument(
        client, university, title="台式扫描电镜", approval_required=False, category="analysis"
    )
    day = week_after_next(1)
    body = {"starts_at": at(day, 14), "ends_at": at(day, 15), "work": "断口形貌观察"}
    created = client.post(f"/api/v1/instruments/{instant['id']}/bookings", json=body, headers=world["booker"])
    assert created.status_code == 201
    assert created.json["status"] == "confirmed" and created.json["contract_id"] is not None


def test_others_cannot_see_a_booking(client, session, world):
    from tests.utils.factories import create_user

    day = week_after_next(0)
    booking = book(client, world, day, 9, 10).json
    stranger = create_user(session, "enterprise")
    headers = bearer(client, stranger.email, PASSWORD)
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).status_code == 404
    assert (
        client.post(
            f"/api/v1/bookings/{booking['id']}/transition", json={"to": "cancelled"}, headers=headers
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/bookings/{booking['id']}").status_code == 401


@on_both_databases
def test_two_bookings_of_one_slot_give_one_201_and_one_409(app, session, world):
    day = week_after_next(2)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(*(lambda c=c: book(c, world, day, 9, 12) for c in clients))
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json["error"]["message"]
    session.expire_all()
    assert len(session.exec(select(Booking)).all()) == 1


@on_both_databases
def test_two_overlapping_bookings_give_one(app, session, world):
    day = week_after_next(2)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        lambda: book(clients[0], world, day, 9, 12), lambda: book(clients[1], world, day, 11, 14)
    )
    assert sorted(r.status_code for r in responses) == [201, 409]


@on_both_databases
def test_two_confirmations_at_once_make_one_contract(app, session, world):
    day = week_after_next(3)
    booking = book(app.test_client(), world, day, 9, 12).json
    clients = [app.test_client() for _ in range(2)]
    path = f"/api/v1/bookings/{booking['id']}/transition"
    responses = concurrently(
        *(lambda c=c: c.post(path, json={"to": "confirmed"}, headers=world["owner"]) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    session.expire_all()
    assert len(session.exec(select(Contract)).all()) == 1
    assert len(session.exec(select(Interest)).all()) == 1


@on_both_databases
def test_a_cancel_racing_a_confirm_leaves_one_consistent_state(app, session, world):
    day = week_after_next(3)
    booking = book(app.test_client(), world, day, 13, 15).json
    path = f"/api/v1/bookings/{booking['id']}/transition"
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        lambda: clients[0].post(path, json={"to": "confirmed"}, headers=world["owner"]),
        lambda: clients[1].post(path, json={"to": "cancelled"}, headers=world["booker"]),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes in ([200, 200], [200, 409])
    session.expire_all()
    row = session.get(Booking, booking["id"])
    contracts = session.exec(select(Contract)).all()
    assert (row.contract_id is not None) == (len(contracts) == 1)


@on_both_databases
def test_two_report_uploads_at_once_keep_one(app, session, world):
    import io

    day = week_after_next(0)
    booking = book(app.test_client(), world, day, 9, 10).json
    app.test_client().post(
        f"/api/v1/bookings/{booking['id']}/transition", json={"to": "confirmed"}, headers=world["owner"]
    )
    row = session.get(Booking, booking["id"])
    row.starts_at -= timedelta(days=30)
    row.ends_at -= timedelta(days=30)
    session.add(row)
    session.commit()
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, n=n: c.post(
                f"/api/v1/bookings/{booking['id']}/report",
                data={"file": (io.BytesIO(b"%PDF-1.4\n% report " + n.encode() + b"\n"), f"{n}.pdf")},
                headers=world["owner"],
                content_type="multipart/form-data",
            )
            for c, n in zip(clients, ("a", "b"), strict=True)
        )
    )
    assert all(r.status_code in (200, 409) for r in responses) and any(
        r.status_code == 200 for r in responses
    )
    session.expire_all()
    assert session.get(Booking, booking["id"]).report_name in ("a.pdf", "b.pdf")


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgresql_refuses_overlapping_live_bookings_whatever_path_writes(app, session, world, enterprise):
    """The exclusion constraint: a write that bypasses the service still cannot overlap a live booking; a
    declined or cancelled one no longer holds its slot."""
    from sqlalchemy.exc import IntegrityError

    from app.instruments.rules import LOCAL

    day = week_after_next(1)
    start = datetime.fromisoformat(at(day, 9)).astimezone(LOCAL)

    def row(offset_hours: int, status: str = "requested") -> Booking:
        return Booking(
            instrument_id=world["instrument"]["id"],
            org_id=enterprise.org_id,
            user_id=enterprise.id,
            starts_at=start + timedelta(hours=offset_hours),
            ends_at=start + timedelta(hours=offset_hours + 2),
            work="x",
            status=status,
        )

    session.add(row(0))
    session.commit()
    session.add(row(1))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(row(1, "cancelled"))
    session.add(row(2))  # touching [9,11) and [11,13): no overlap
    session.commit()


def test_the_bookings_interest_shows_in_the_deal_lists(client, world):
    """The interest a confirmed booking opens (its contract hangs on it) reads like any other in both boxes."""
    day = week_after_next(0)
    booking = book(client, world, day, 9, 10).json
    client.post(
        f"/api/v1/bookings/{booking['id']}/transition", json={"to": "confirmed"}, headers=world["owner"]
    )
    inbox = client.get("/api/v1/interests?box=in", headers=world["owner"])
    assert inbox.status_code == 200, inbox.json
    assert [item["target_type"] for item in inbox.json["items"]] == ["instrument"]
    outbox = client.get("/api/v1/interests?box=out", headers=world["booker"])
    assert outbox.status_code == 200 and outbox.json["items"][0]["target_title"] == "电液伺服疲劳试验机"


def test_a_recorded_size_class_decides_the_sme_price(client, session, world, enterprise):
    """A booker whose size class is on record pays by it: a large firm ticking "SME" pays the list price, a
    small one pays the SME price without ticking anything."""
    org = session.get(Organization, enterprise.org_id)
    org.size_class = SizeClass.large
    session.add(org)
    session.commit()
    large = book(client, world, week_after_next(0), 9, 10, sme=True)
    assert large.status_code == 201, large.json
    assert large.json["price_category"] == "enterprise" and large.json["amount"] == 400
    org.size_class = SizeClass.small
    session.add(org)
    session.commit()
    small = book(client, world, week_after_next(1), 9, 10, sme=False)
    assert small.status_code == 201, small.json
    assert small.json["price_category"] == "sme" and small.json["amount"] == 300
