"""Auctions through the API: opening, joining, bidding (minimum, 409 with the price, 延时), masking, closing into
a draft contract or unsold, and 20 bids at once leaving a strictly increasing history on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from app.trading.services import auctions
from models import AuditEvent, Bid, Contract, Notification
from tests.conftest import BACKENDS
from tests.trading.conftest import auction_body, end_now, join, open_auction
from tests.utils.web import concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def test_only_the_seller_opens_an_auction_of_a_published_achievement(client, heads, market):
    path = f"/api/v1/achievements/{market.achievement_id}/auction"
    assert client.post(path, json=auction_body(), headers=heads["b1"]).status_code == 403
    assert client.post(path, json=auction_body()).status_code == 401
    created = client.post(path, json=auction_body(), headers=heads["seller"])
    assert created.status_code == 201
    assert created.json["status"] == "open" and created.json["reserve_price"] == 150_000
    again = client.post(path, json=auction_body(), headers=heads["seller"])
    assert again.status_code == 409
    assert (
        client.get(f"/api/v1/auctions/{created.json['id']}", headers=heads["b1"]).json["reserve_price"]
        is None
    )


def test_a_schedule_without_offset_or_ending_in_the_past_is_refused_with_a_message(client, heads, market):
    path = f"/api/v1/achievements/{market.achievement_id}/auction"
    naive = {**auction_body(), "ends_at": "2030-01-01T10:00:00"}
    response = client.post(path, json=naive, headers={**heads["seller"], "Accept-Language": "zh-CN"})
    assert response.status_code == 422 and "+08:00" in response.json["error"]["fields"]["ends_at"]
    far = {**auction_body(), "ends_at": "9999-12-31T23:30:00-05:00"}
    assert client.post(path, json=far, headers=heads["seller"]).status_code == 422
    endless = auction_body(minutes=60 * 24 * 200)
    response = client.post(path, json=endless, headers=heads["seller"])
    assert response.status_code == 422 and "ends_at" in response.json["error"]["fields"]
    too_rich = client.post(path, json=auction_body(start=3_000_000_000), headers=heads["seller"])
    assert too_rich.status_code == 422 and "start_price" in too_rich.json["error"]["fields"]
    past = auction_body(minutes=-30)
    past["starts_at"] = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    response = client.post(path, json=past, headers=heads["seller"])
    assert response.status_code == 422 and "ends_at" in response.json["error"]["fields"]


def test_bidders_are_verified_and_accept_the_terms_first(client, heads, market):
    auction_id = open_auction(client, heads, market)
    bids = f"/api/v1/auctions/{auction_id}/bids"
    assert client.post(bids, json={"amount": 100_000}, headers=heads["b1"]).status_code == 403
    joining = f"/api/v1/auctions/{auction_id}/bidders"
    assert client.post(joining, json={"accept_terms": False}, headers=heads["b1"]).status_code == 422
    assert client.post(joining, json={"accept_terms": True}, headers=heads["unverified"]).status_code == 403
    assert client.post(joining, json={"accept_terms": True}, headers=heads["seller"]).status_code == 403
    assert client.post(joining, json={"accept_terms": True}, headers=heads["b1"]).status_code == 201
    assert client.post(bids, json={"amount": 100_000}, headers=heads["b1"]).status_code == 201


def test_a_confidential_lot_asks_for_the_nda_too(client, heads, market):
    auction_id = open_auction(client, heads, market, confidential=True)
    joining = f"/api/v1/auctions/{auction_id}/bidders"
    refused = client.post(joining, json={"accept_terms": True}, headers=heads["b1"])
    assert refused.status_code == 422 and "nda" in refused.json["error"]["fields"]
    accepted = client.post(joining, json={"accept_terms": True, "accept_nda": True}, headers=heads["b1"])
    assert accepted.status_code == 201 and accepted.json["nda_sha256"]


def test_bids_climb_by_the_increment_and_a_low_one_gets_409_with_the_price(client, heads, market):
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1", "b2")
    bids = f"/api/v1/auctions/{auction_id}/bids"
    low = client.post(bids, json={"amount": 90_000}, headers=heads["b1"])
    assert low.status_code == 409 and low.json["minimum_bid"] == 100_000 and low.json["current_price"] is None
    assert client.post(bids, json={"amount": 100_000}, headers=heads["b1"]).status_code == 201
    beaten = client.post(bids, json={"amount": 105_000}, headers={**heads["b2"], "Accept-Language": "zh-CN"})
    assert beaten.status_code == 409
    assert beaten.json["current_price"] == 100_000 and beaten.json["minimum_bid"] == 110_000
    assert "100000" in beaten.json["error"]["message"]
    assert client.post(bids, json={"amount": 110_000}, headers=heads["b2"]).status_code == 201


def test_bidders_are_masked_to_each_other_and_named_to_the_seller_and_the_bureau(
    client, heads, market, session
):
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1", "b2", "b3")
    bids = f"/api/v1/auctions/{auction_id}/bids"
    for name, amount in (("b1", 100_000), ("b3", 110_000), ("b1", 130_000)):
        assert client.post(bids, json={"amount": amount}, headers=heads[name]).status_code == 201
    path = f"/api/v1/auctions/{auction_id}"
    seen_by_b2 = client.get(path, headers={**heads["b2"], "Accept-Language": "zh-CN"}).json
    assert [b["amount"] for b in seen_by_b2["bids"]] == [100_000, 110_000, 130_000]
    assert [b["bidder"] for b in seen_by_b2["bids"]] == ["竞买人 1", "竞买人 3", "竞买人 1"]
    assert seen_by_b2["current_price"] == 130_000
    first_org = market.bidders[0].org_id
    from models import Organization

    name = session.get(Organization, first_org).name
    assert client.get(path, headers=heads["seller"]).json["bids"][0]["bidder"] == name
    assert client.get(path, headers=heads["bureau"]).json["bids"][0]["bidder"] == name
    assert client.get(path, headers=heads["b1"]).json["bids"][0]["bidder"] == name
    assert name not in str(client.get(path).json)  # a visitor sees no names either


def test_a_bid_in_the_last_five_minutes_extends_the_end_by_five(client, heads, market):
    auction_id = open_auction(client, heads, market, minutes=3)
    join(client, heads, auction_id, "b1")
    before = datetime.fromisoformat(client.get(f"/api/v1/auctions/{auction_id}").json["ends_at"])
    response = client.post(
        f"/api/v1/auctions/{auction_id}/bids", json={"amount": 100_000}, headers=heads["b1"]
    )
    assert response.status_code == 201
    after = datetime.fromisoformat(response.json["ends_at"])
    assert after - before == timedelta(minutes=5)


def test_the_highest_bid_at_the_reserve_wins_a_draft_contract_at_its_price(client, heads, market, session):
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1", "b2")
    bids = f"/api/v1/auctions/{auction_id}/bids"
    for name, amount in (("b1", 100_000), ("b2", 150_000), ("b1", 160_000)):
        assert client.post(bids, json={"amount": amount}, headers=heads[name]).status_code == 201
    end_now(session, auction_id)
    late = client.post(bids, json={"amount": 200_000}, headers=heads["b2"])
    assert late.status_code == 409
    seen = client.get(f"/api/v1/auctions/{auction_id}", headers=heads["b1"]).json
    assert seen["status"] == "sold" and seen["contract_id"]
    contract = session.get(Contract, seen["contract_id"])
    assert contract.amount == 160_000 and contract.kind == "transfer" and contract.status == "draft"
    assert contract.party_a_org_id == market.bidders[0].org_id
    assert contract.party_b_org_id == market.seller.org_id
    assert client.get(f"/api/v1/contracts/{contract.id}", headers=heads["b1"]).status_code == 200
    assert client.get(f"/api/v1/auctions/{auction_id}", headers=heads["b2"]).json["contract_id"] is None
    actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "auction", AuditEvent.subject_id == auction_id
        )
    ).all()
    assert actions.count("bid") == 3 and actions[-1] == "sold"
    kinds = session.exec(select(Notification.kind)).all()
    assert "auction_won" in kinds and "auction_outbid" in kinds and "auction_sold" in kinds


def test_below_the_reserve_the_lot_closes_unsold_without_a_contract(client, heads, market, session, runner):
    auction_id = open_auction(client, heads, market, reserve=500_000)
    join(client, heads, auction_id, "b1")
    client.post(f"/api/v1/auctions/{auction_id}/bids", json={"amount": 100_000}, headers=heads["b1"])
    end_now(session, auction_id)
    result = runner.invoke(args=["trading", "close-auctions"])
    assert result.exit_code == 0 and "1" in result.output
    seen = client.get(f"/api/v1/auctions/{auction_id}", headers=heads["seller"]).json
    assert seen["status"] == "unsold" and seen["contract_id"] is None and seen["winner"] is None
    assert session.exec(select(Contract)).all() == []


@on_both_databases
def test_bids_cannot_be_changed_or_deleted_in_the_database(client, heads, market, session):
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1")
    client.post(f"/api/v1/auctions/{auction_id}/bids", json={"amount": 100_000}, headers=heads["b1"])
    for statement in ("UPDATE bid SET amount = 1", "DELETE FROM bid"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    assert [b.amount for b in session.exec(select(Bid)).all()] == [100_000]


@on_both_databases
def test_twenty_bids_at_once_leave_a_strictly_increasing_history(app, heads, market, session):
    client = app.test_client()
    auction_id = open_auction(client, heads, market, increment=1_000)
    join(client, heads, auction_id, "b1", "b2", "b3")
    names = ["b1", "b2", "b3"]
    # Twenty bids, several at one price: at most one per price may stand.
    amounts = [100_000 + 1_000 * (i // 2) for i in range(20)]
    clients = [app.test_client() for _ in amounts]
    responses = concurrently(
        *(
            lambda c=c, a=a, i=i: c.post(
                f"/api/v1/auctions/{auction_id}/bids", json={"amount": a}, headers=heads[names[i % 3]]
            )
            for i, (c, a) in enumerate(zip(clients, amounts, strict=True))
        )
    )
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, codes
    assert all("current_price" in r.json for r in responses if r.status_code == 409)
    history = [b["amount"] for b in client.get(f"/api/v1/auctions/{auction_id}").json["bids"]]
    assert len(history) == codes.count(201) >= 1
    assert all(a < b for a, b in zip(history, history[1:], strict=False))
    assert len(set(history)) == len(history)
    session.expire_all()
    assert auctions.get_auction(session=session, auction_id=auction_id).current_price == history[-1]


@on_both_databases
def test_two_bids_at_one_price_at_once_one_accepted_one_409(app, heads, market):
    client = app.test_client()
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1", "b2")
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, n=n: c.post(
                f"/api/v1/auctions/{auction_id}/bids", json={"amount": 100_000}, headers=heads[n]
            )
            for c, n in zip(clients, ("b1", "b2"), strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json["current_price"] == 100_000


@on_both_databases
def test_two_reads_after_the_end_close_the_lot_once_with_one_contract(app, heads, market, session):
    client = app.test_client()
    auction_id = open_auction(client, heads, market)
    join(client, heads, auction_id, "b1")
    client.post(f"/api/v1/auctions/{auction_id}/bids", json={"amount": 200_000}, headers=heads["b1"])
    end_now(session, auction_id)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(*(lambda c=c: c.get(f"/api/v1/auctions/{auction_id}") for c in clients))
    assert [r.status_code for r in responses] == [200, 200]
    session.expire_all()
    assert len(session.exec(select(Contract)).all()) == 1
    closes = session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == "auction", AuditEvent.action == "sold")
    ).all()
    assert len(closes) == 1
