"""The demo's open trading: achievements listed at a public price (挂牌), a running auction and a finished one
(sold, with the winner's draft contract made by the real closing path), an open challenge (揭榜挂帅) with two
proposals, a university's price notice (公示) with an answered objection, and valuations (科技成果评价) of four
achievements, three published with the listing.

Every record has a demo key; one that exists already is left alone, so loading twice changes nothing (bids are
append-only, so an auction's bids are written only with the auction itself)."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.trading.services import auctions
from indexing.sync import record_change
from models import (
    Achievement,
    AchievementTrading,
    AchievementValuation,
    Auction,
    AuctionBidder,
    Bid,
    Challenge,
    ChallengeProposal,
    ListingStatus,
    Need,
    Organization,
    OrgKind,
    PriceNotice,
    PriceNoticeObjection,
    TradingMode,
    User,
)
from models.common import utcnow


def _achievements(session: Session, kinds: tuple[str, ...]) -> list[Achievement]:
    """Published achievements of organizations of these kinds, in a stable order."""
    return list(
        session.exec(
            select(Achievement)
            .join(Organization, col(Organization.id) == Achievement.org_id)
            .where(Achievement.status == ListingStatus.published, col(Organization.kind).in_(kinds))
            .order_by(col(Achievement.id))
        ).all()
    )


def _user_of(session: Session, org_id: int) -> User:
    user = session.exec(select(User).where(User.org_id == org_id).order_by(col(User.id))).first()
    assert user is not None  # every demo organization has its account
    return user


def _orgs(session: Session, kind: str) -> list[Organization]:
    return list(
        session.exec(
            select(Organization).where(Organization.kind == kind).order_by(col(Organization.id))
        ).all()
    )


def _set_mode(session: Session, achievement: Achievement, mode: str, price: int | None) -> None:
    row = session.exec(
        select(AchievementTrading).where(AchievementTrading.achievement_id == achievement.id)
    ).first()
    if row is None:
        assert achievement.id is not None
        session.add(AchievementTrading(achievement_id=achievement.id, mode=mode, asking_price=price))


def _auction(
    session: Session,
    key: str,
    achievement: Achievement,
    bidders: list[Organization],
    *,
    starts: datetime,
    ends: datetime,
    prices: list[int],
    reserve: int,
) -> Auction | None:
    """An auction with its bidders and bids (in turn), unless its key exists."""
    if session.exec(select(Auction).where(Auction.demo_key == key)).first() is not None:
        return None
    assert achievement.id is not None
    seller = _user_of(session, achievement.org_id)
    auction = Auction(
        achievement_id=achievement.id,
        seller_org_id=achievement.org_id,
        start_price=prices[0],
        reserve_price=reserve,
        increment=50_000,
        starts_at=starts,
        ends_at=ends,
        current_price=prices[-1],
        bid_count=len(prices),
        version=len(prices) + 1,
        created_by=seller.id,
        created_at=starts - timedelta(days=1),
        demo_key=key,
    )
    session.add(auction)
    session.flush()
    assert auction.id is not None
    for org in bidders:
        user = _user_of(session, org.id or 0)
        assert org.id is not None and user.id is not None
        session.add(
            AuctionBidder(
                auction_id=auction.id,
                org_id=org.id,
                user_id=user.id,
                terms_sha256=auctions.terms_sha256(),
                accepted_at=starts,
            )
        )
    step = (min(ends, utcnow()) - starts) / (len(prices) + 1)
    for n, price in enumerate(prices):
        org = bidders[n % len(bidders)]
        user = _user_of(session, org.id or 0)
        assert org.id is not None and user.id is not None
        session.add(
            Bid(
                auction_id=auction.id,
                org_id=org.id,
                user_id=user.id,
                amount=price,
                created_at=starts + step * (n + 1),
            )
        )
    _set_mode(session, achievement, TradingMode.auction, None)
    session.flush()
    return auction


# The assessments of the demo's valuations: (trl, ip type, ip status, claims, years left, family, market,
# application, note, published).
VALUATIONS = (
    (7, "invention_patent", "granted", 12, 14, 2, "validated", "pilot", "已在两家企业完成中试验证。", True),
    (6, "invention_patent", "pending", 9, 20, 0, "unexplored", "pilot", "发明专利已进入实质审查。", True),
    (8, "software_copyright", "granted", 0, 45, 0, "selling", "production", "已有三家用户付费使用。", True),
    (5, "utility_patent", "granted", 6, 7, 0, "validated", "lab", "", False),
)


def _valuations(session: Session, achievements: list[Achievement], now: datetime) -> None:
    """An assessment on each achievement, unless its key exists."""
    for n, (achievement, values) in enumerate(zip(achievements, VALUATIONS, strict=False)):
        key = f"valuation-{n + 1}"
        if session.exec(select(AchievementValuation).where(AchievementValuation.demo_key == key)).first():
            continue
        if session.exec(
            select(AchievementValuation).where(AchievementValuation.achievement_id == achievement.id)
        ).first():
            continue
        trl, ip_type, status, claims, years, family, market, application, note, published = values
        assert achievement.id is not None
        session.add(
            AchievementValuation(
                achievement_id=achievement.id,
                trl=trl,
                ip_type=ip_type,
                ip_status=status,
                claims=claims,
                remaining_years=years,
                family_size=family,
                market_readiness=market,
                application_readiness=application,
                note=note,
                published=published,
                updated_by=_user_of(session, achievement.org_id).id,
                updated_at=now - timedelta(days=n + 1),
                created_at=now - timedelta(days=n + 1),
                demo_key=key,
            )
        )


def load_trading(*, session: Session, now: datetime | None = None) -> dict[str, int]:
    """The demo's trading records (call in an app context: closing the finished auction drafts its contract)."""
    now = now or utcnow()
    sellers = _achievements(session, (OrgKind.university, OrgKind.institute, OrgKind.center))
    enterprises = _orgs(session, OrgKind.enterprise)
    if len(sellers) < 6 or len(enterprises) < 4:
        return {"trading": 0}
    listed, running, finished = sellers[0:3], sellers[3], sellers[4]
    for n, achievement in enumerate(listed):
        _set_mode(session, achievement, TradingMode.listed, achievement.price or 600_000 + 100_000 * n)
    _auction(
        session,
        "auction-running",
        running,
        enterprises[0:3],
        starts=now - timedelta(days=1),
        ends=now + timedelta(days=2),
        prices=[800_000, 850_000, 950_000],
        reserve=1_200_000,
    )
    done = _auction(
        session,
        "auction-finished",
        finished,
        enterprises[1:4],
        starts=now - timedelta(days=10),
        ends=now - timedelta(days=3),
        prices=[1_600_000, 1_800_000, 2_400_000, 3_200_000],
        reserve=2_000_000,
    )
    session.commit()
    if done is not None:
        auctions.close(session=session, auction=done, now=now)
    universities = [
        a for a in _achievements(session, (OrgKind.university,)) if a.id not in {x.id for x in sellers[:5]}
    ]
    if universities:
        noticed = universities[0]
        if session.exec(select(PriceNotice).where(PriceNotice.demo_key == "price-notice-1")).first() is None:
            assert noticed.id is not None
            notice = PriceNotice(
                achievement_id=noticed.id,
                seller_org_id=noticed.org_id,
                title=noticed.title,
                price=noticed.price or 900_000,
                opened_at=now - timedelta(days=3),
                ends_at=now + timedelta(days=12),
                created_by=_user_of(session, noticed.org_id).id,
                demo_key="price-notice-1",
            )
            session.add(notice)
            session.flush()
            assert notice.id is not None
            session.add(
                PriceNoticeObjection(
                    notice_id=notice.id,
                    name="王先生",
                    contact="wang@example.cn",
                    text="拟交易价格是否经过评估？请说明定价依据。",
                    created_at=now - timedelta(days=2),
                    answer="该价格经第三方评估机构评估，评估报告已备案，定价依据充分。",
                    answered_at=now - timedelta(days=1),
                )
            )
    need = session.exec(
        select(Need)
        .join(Organization, col(Organization.id) == Need.org_id)
        .where(Need.status == ListingStatus.published, Organization.kind == OrgKind.enterprise)
        .order_by(col(Need.id))
    ).first()
    teams = _orgs(session, OrgKind.center)[:1] + _orgs(session, OrgKind.university)[:1]
    if need is not None and need.id is not None and len(teams) == 2:
        if session.exec(select(Challenge).where(Challenge.demo_key == "challenge-1")).first() is None:
            challenge = Challenge(
                need_id=need.id,
                poster_org_id=need.org_id,
                title=need.title,
                goals="在现有产线上实现目标指标，形成可复制的工艺包，并完成小批量验证。",
                acceptance_criteria="第三方检测机构出具的检测报告达到目标指标；连续三批次稳定；形成工艺文件。",
                reward=need.budget_max or 1_500_000,
                deadline=(now + timedelta(days=40)).date(),
                created_by=_user_of(session, need.org_id).id,
                created_at=now - timedelta(days=5),
                demo_key="challenge-1",
            )
            session.add(challenge)
            session.flush()
            record_change(session, "need", need.id)  # its search document now carries the challenge
            assert challenge.id is not None
            plans = (
                ("依托中心中试线，分三阶段完成工艺开发、样件验证和小批量试制。", 1_200_000, 8, 86),
                ("由学院团队牵头，联合企业工程师开展机理研究和工艺优化，一年内交付。", 980_000, 12, None),
            )
            for org, (plan, price, months, score) in zip(teams, plans, strict=True):
                user = _user_of(session, org.id or 0)
                assert org.id is not None and user.id is not None
                session.add(
                    ChallengeProposal(
                        challenge_id=challenge.id,
                        org_id=org.id,
                        user_id=user.id,
                        plan=plan,
                        price=price,
                        months=months,
                        score=score,
                        created_at=now - timedelta(days=2),
                    )
                )
    _valuations(session, [*listed, finished], now)
    session.commit()
    return {
        "valuations": len(session.exec(select(AchievementValuation.id)).all()),
        "auctions": len(session.exec(select(Auction.id)).all()),
        "challenges": len(session.exec(select(Challenge.id)).all()),
        "price_notices": len(session.exec(select(PriceNotice.id)).all()),
    }
