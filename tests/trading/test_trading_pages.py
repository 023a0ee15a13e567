"""Trading in the browser (without one): the seller opens an auction from its form in Beijing time, a bidder
accepts the terms and bids through the page, the page's script and state endpoint keep it current under the strict
CSP, a refused bid keeps what was typed; a challenge's page takes a proposal and the poster selects it."""

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from models import Auction, Bid, ChallengeProposal, Contract
from tests.utils.factories import PASSWORD, create_need, create_user
from tests.utils.web import csrf_token

ZH = {"Accept-Language": "zh-CN"}


def test_an_auction_from_the_sell_page_to_a_bid_on_the_bidding_page(app, session, market, auth, client):
    auth.login(market.seller.email, PASSWORD)
    sell = f"/achievements/{market.achievement_id}/trading"
    token = csrf_token(client, sell)
    local = datetime.now(UTC) + timedelta(hours=8)  # the form speaks Beijing time
    response = client.post(
        f"/achievements/{market.achievement_id}/auction",
        data={
            "csrf_token": token,
            "start_price": "100000",
            "reserve_price": "120000",
            "increment": "10000",
            "starts_at": (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    auction = session.exec(select(Auction)).one()
    assert abs(auction.ends_at - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(minutes=2)
    auth.logout()

    auth.login(market.bidders[0].email, PASSWORD)
    page = client.get(f"/auctions/{auction.id}", headers=ZH)
    html = page.get_data(as_text=True)
    assert "拍卖规则" in html and "<script>" not in html and "js/auction.js" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    token = csrf_token(client, f"/auctions/{auction.id}")
    assert (
        client.post(
            f"/auctions/{auction.id}/join", data={"csrf_token": token, "accept_terms": "on"}
        ).status_code
        == 302
    )
    token = csrf_token(client, f"/auctions/{auction.id}")
    low = client.post(
        f"/auctions/{auction.id}/bids", data={"csrf_token": token, "amount": "90000"}, headers=ZH
    )
    assert low.status_code == 409 and "100000" in low.get_data(as_text=True)
    assert 'value="90000"' in low.get_data(as_text=True)  # what was typed stays
    ok = client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": token, "amount": "100000"})
    assert ok.status_code == 302
    state = client.get(f"/auctions/{auction.id}/state").json
    assert state["current_price"] == 100000 and state["minimum_bid"] == 110000 and len(state["bids"]) == 1
    assert client.get("/static/js/auction.js").status_code == 200


def test_a_bid_without_the_csrf_token_is_refused(app, session, market, auth, client, heads):
    auction_id = client.post(
        f"/api/v1/achievements/{market.achievement_id}/auction",
        json={
            "start_price": 100000,
            "reserve_price": 0,
            "increment": 1000,
            "starts_at": datetime.now(UTC).isoformat(),
            "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        headers=heads["seller"],
    ).json["id"]
    client.post(f"/api/v1/auctions/{auction_id}/bidders", json={"accept_terms": True}, headers=heads["b1"])
    auth.login(market.bidders[0].email, PASSWORD)
    assert client.post(f"/auctions/{auction_id}/bids", data={"amount": "100000"}).status_code == 400
    assert session.exec(select(Bid)).all() == []


def test_a_challenge_page_takes_a_proposal_and_the_poster_selects_it(app, session, auth, client):
    poster, team = create_user(session, "enterprise"), create_user(session, "institute")
    need = create_need(session, poster)
    auth.login(poster.email, PASSWORD)
    token = csrf_token(client, f"/challenges/new?need_id={need.id}")
    deadline = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    created = client.post(
        "/challenges",
        data={
            "csrf_token": token,
            "need_id": str(need.id),
            "goals": "焊接气孔率低于0.5%",
            "acceptance_criteria": "第三方检测报告",
            "reward": "900000",
            "deadline": deadline,
        },
    )
    assert created.status_code == 302
    challenge_path = created.headers["Location"]
    auth.logout()
    auth.login(team.email, PASSWORD)
    token = csrf_token(client, challenge_path)
    sent = client.post(
        f"{challenge_path}/proposals",
        data={"csrf_token": token, "plan": "三阶段完成工艺开发与验证。", "price": "700000", "months": "6"},
    )
    assert sent.status_code == 302
    auth.logout()
    auth.login(poster.email, PASSWORD)
    html = client.get(challenge_path, headers=ZH).get_data(as_text=True)
    assert "三阶段完成工艺开发与验证。" in html
    proposal = session.exec(select(ChallengeProposal)).one()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    chosen = client.post(
        f"{challenge_path}/selection", data={"csrf_token": token, "proposal_id": str(proposal.id)}
    )
    assert chosen.status_code == 302 and "/contracts/" in chosen.headers["Location"]
    assert session.exec(select(Contract)).one().amount == 700000
