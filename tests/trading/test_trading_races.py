"""The remaining trading writes tried with two requests at once: opening an auction, joining one, setting a
trading mode. Each ends in one consistent state and answers the loser with a clear 4xx, never a 500."""

import pytest
from sqlmodel import select

from models import AchievementTrading, Auction, AuctionBidder
from tests.conftest import BACKENDS
from tests.trading.conftest import auction_body, open_auction
from tests.utils.web import concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def test_two_auctions_of_one_achievement_at_once_open_one(app, session, heads, market):
    clients = [app.test_client() for _ in range(2)]
    path = f"/api/v1/achievements/{market.achievement_id}/auction"
    responses = concurrently(
        *(lambda c=c: c.post(path, json=auction_body(), headers=heads["seller"]) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    assert len(session.exec(select(Auction)).all()) == 1
    assert session.exec(select(AchievementTrading)).one().mode == "auction"


def test_one_bidder_joining_twice_at_once_is_registered_once(app, session, heads, market):
    auction_id = open_auction(app.test_client(), heads, market)
    clients = [app.test_client() for _ in range(2)]
    path = f"/api/v1/auctions/{auction_id}/bidders"
    responses = concurrently(
        *(lambda c=c: c.post(path, json={"accept_terms": True}, headers=heads["b1"]) for c in clients)
    )
    assert [r.status_code for r in responses] == [201, 201]
    session.expire_all()
    assert len(session.exec(select(AuctionBidder)).all()) == 1


def test_two_mode_changes_at_once_leave_one_mode(app, session, heads, market):
    clients = [app.test_client() for _ in range(2)]
    path = f"/api/v1/achievements/{market.achievement_id}/trading"
    bodies = ({"mode": "listed", "asking_price": 900_000}, {"mode": "negotiated"})
    responses = concurrently(
        *(
            lambda c=c, b=b: c.put(path, json=b, headers=heads["seller"])
            for c, b in zip(clients, bodies, strict=True)
        )
    )
    assert all(r.status_code == 200 for r in responses)
    session.expire_all()
    row = session.exec(select(AchievementTrading)).one()
    assert (row.mode, row.asking_price) in (("listed", 900_000), ("negotiated", None))
