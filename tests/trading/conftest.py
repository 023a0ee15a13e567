"""A market for the trading tests: a university selling an achievement, three verified enterprises to bid, an
unverified one, and the bureau; with a bearer token for each."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from models import Auction, User
from tests.utils.factories import PASSWORD, create_achievement, create_role_user, create_user, verify_org
from tests.utils.web import bearer


@dataclass
class Market:
    seller: User
    bidders: list[User]
    unverified: User
    bureau: User
    achievement_id: int


@pytest.fixture
def market(session) -> Market:
    seller = create_user(session, "university")
    verify_org(session, seller)
    bidders = []
    for _ in range(3):
        user = create_user(session, "enterprise")
        verify_org(session, user)
        bidders.append(user)
    achievement = create_achievement(session, seller, cooperation_modes=["transfer"])
    return Market(
        seller=seller,
        bidders=bidders,
        unverified=create_user(session, "enterprise"),
        bureau=create_role_user(session, "bureau"),
        achievement_id=achievement.id,
    )


@pytest.fixture
def heads(client, market) -> dict:
    """Bearer headers by name: seller, b1, b2, b3, unverified, bureau."""
    users = {
        "seller": market.seller,
        "b1": market.bidders[0],
        "b2": market.bidders[1],
        "b3": market.bidders[2],
        "unverified": market.unverified,
        "bureau": market.bureau,
    }
    return {name: bearer(client, user.email, PASSWORD) for name, user in users.items()}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def auction_body(*, minutes: float = 60, start=100_000, reserve=150_000, increment=10_000, **extra) -> dict:
    now = datetime.now(UTC)
    return {
        "start_price": start,
        "reserve_price": reserve,
        "increment": increment,
        "starts_at": iso(now - timedelta(minutes=1)),
        "ends_at": iso(now + timedelta(minutes=minutes)),
        **extra,
    }


def open_auction(client, heads, market, **body) -> int:
    response = client.post(
        f"/api/v1/achievements/{market.achievement_id}/auction",
        json=auction_body(**body),
        headers=heads["seller"],
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def join(client, heads, auction_id: int, *names: str) -> None:
    for name in names:
        response = client.post(
            f"/api/v1/auctions/{auction_id}/bidders", json={"accept_terms": True}, headers=heads[name]
        )
        assert response.status_code == 201, response.json


def end_now(session, auction_id: int) -> None:
    """Move the auction's end into the past, as the clock would."""
    session.execute(
        update(Auction)
        .where(Auction.id == auction_id)
        .values(
            ends_at=datetime.now(UTC) - timedelta(seconds=1), starts_at=datetime.now(UTC) - timedelta(hours=2)
        )
    )
    session.commit()
