"""The demo's trading: listings at a public price, a running and a finished auction (sold into a draft contract at
the winning price), a challenge with proposals and a university's price notice; loading twice changes nothing."""

from sqlmodel import select

from models import (
    AchievementTrading,
    AchievementValuation,
    Auction,
    Bid,
    Challenge,
    ChallengeProposal,
    Contract,
    PriceNotice,
)


def _snapshot(session):
    return {
        table.__name__: len(session.exec(select(table)).all())
        for table in (
            AchievementTrading,
            AchievementValuation,
            Auction,
            Bid,
            Challenge,
            ChallengeProposal,
            PriceNotice,
            Contract,
        )
    }


def test_the_demo_trades_in_every_way(runner, session, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    listed = session.exec(select(AchievementTrading).where(AchievementTrading.mode == "listed")).all()
    assert len(listed) >= 3 and all(row.asking_price for row in listed)
    running = session.exec(select(Auction).where(Auction.demo_key == "auction-running")).one()
    finished = session.exec(select(Auction).where(Auction.demo_key == "auction-finished")).one()
    seen = client.get(f"/api/v1/auctions/{running.id}", headers={"Accept-Language": "zh-CN"}).json
    assert seen["status"] == "open" and [b["bidder"] for b in seen["bids"]] == [
        "竞买人 1",
        "竞买人 2",
        "竞买人 3",
    ]
    assert finished.status == "sold" and finished.contract_id is not None
    contract = session.get(Contract, finished.contract_id)
    assert (
        contract.amount == 3_200_000
        and contract.status == "draft"
        and contract.party_a_org_id == finished.winner_org_id
    )
    challenge = session.exec(select(Challenge)).one()
    assert (
        len(
            session.exec(
                select(ChallengeProposal).where(ChallengeProposal.challenge_id == challenge.id)
            ).all()
        )
        == 2
    )
    notice = session.exec(select(PriceNotice)).one()
    assert notice.title in client.get("/notices").get_data(as_text=True)
    listed_page = client.get(
        f"/achievements/{listed[0].achievement_id}", headers={"Accept-Language": "zh-CN"}
    )
    assert "挂牌" in listed_page.get_data(as_text=True)
    valued = session.exec(select(AchievementValuation).order_by(AchievementValuation.id)).all()
    assert len(valued) == 4 and [v.published for v in valued] == [True, True, True, False]
    shown = client.get(f"/achievements/{valued[0].achievement_id}", headers={"Accept-Language": "zh-CN"})
    assert "科技成果评价" in shown.get_data(as_text=True) and "不是持证资产评估机构" in shown.get_data(
        as_text=True
    )
    hidden = client.get(f"/api/v1/achievements/{valued[3].achievement_id}/valuation")
    assert hidden.status_code == 404
    before = _snapshot(session)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    session.expire_all()
    assert _snapshot(session) == before
