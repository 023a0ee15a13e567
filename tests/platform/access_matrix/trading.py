"""Access matrix of open trading: the seller (the center's organization here) sets its achievement's mode and opens
auctions; anyone reads auctions, price notices and challenges; bidders must be verified (the matrix's organizations
are not, so every bid is refused); the need's organization (the enterprise) and the bureau post challenges, read
proposals, score and select; teams (the center) propose; the bureau answers price-notice objections."""

from datetime import UTC, datetime, timedelta

from app.trading.services import auctions, challenges, price_notices, valuations
from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import create_achievement, create_need, create_user, in_app

NOW = datetime.now(UTC)
AUCTION = {
    "start_price": 100000,
    "reserve_price": 150000,
    "increment": 10000,
    "starts_at": (NOW - timedelta(minutes=1)).isoformat(),
    "ends_at": (NOW + timedelta(days=2)).isoformat(),
}
AUCTION_FORM = {
    "start_price": "100000",
    "reserve_price": "150000",
    "increment": "10000",
    "starts_at": (NOW + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
    "ends_at": (NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
}
CHALLENGE = {"goals": "气孔率降到0.5%以下", "acceptance_criteria": "第三方检测报告", "reward": 800000}
PROPOSAL = {"plan": "激光-电弧复合焊接工艺方案，三个月内完成样件。", "price": 600000, "months": 6}
VALUATION = {
    "trl": 6,
    "ip_type": "invention_patent",
    "ip_status": "granted",
    "claims": 8,
    "remaining_years": 12,
    "market_readiness": "validated",
    "application_readiness": "pilot",
}
VALUATION_FORM = {k: str(v) for k, v in VALUATION.items()}
OBJECTION = {"name": "张三", "contact": "zhang@example.cn", "text": "价格明显低于市场水平。"}


def build(session, users) -> dict[str, int | str]:
    enterprise, center = users["enterprise"], users["center"]
    university = create_user(session, "university")
    team = create_user(session, "institute")
    sold = create_achievement(session, center)
    for_api = create_achievement(session, center)
    for_page = create_achievement(session, center)
    priced = create_achievement(session, university)
    need = create_need(session, enterprise)
    valued = {name: create_achievement(session, center) for name in ("private", "public", "api", "page")}
    deadline = (NOW + timedelta(days=30)).date().isoformat()
    with in_app(session):
        auction = auctions.create_auction(session=session, user=center, achievement_id=sold.id, data=AUCTION)
        notice = price_notices.open_notice(
            session=session, user=university, achievement_id=priced.id, data={"price": 500000}
        )
        objection_api = price_notices.raise_objection(session=session, notice_id=notice.id, data=OBJECTION)
        objection_page = price_notices.raise_objection(session=session, notice_id=notice.id, data=OBJECTION)
        for name, published in (("private", False), ("public", True)):
            valuations.save_valuation(
                session=session,
                user=center,
                achievement_id=valued[name].id,
                data={**VALUATION, "published": published},
            )
        made = {}
        for name in ("open_api", "open_page", "score", "select_api", "select_page"):
            challenge = challenges.create_challenge(
                session=session, user=enterprise, data={**CHALLENGE, "need_id": need.id, "deadline": deadline}
            )
            made[name] = challenge.id
            if name.startswith(("score", "select")):
                proposal = challenges.submit_proposal(
                    session=session, user=team, challenge_id=challenge.id, data=PROPOSAL
                )
                made[f"{name}_proposal"] = proposal.id
    return {
        "t_sold": sold.id,
        "t_for_api": for_api.id,
        "t_for_page": for_page.id,
        "t_priced": priced.id,
        "t_need": need.id,
        "t_deadline": deadline,
        "t_auction": auction.id,
        "t_notice": notice.id,
        "t_objection_api": objection_api.id,
        "t_objection_page": objection_page.id,
        **{f"t_ch_{k}": v for k, v in made.items()},
        **{f"t_val_{k}": v.id for k, v in valued.items()},
    }


SELLER = {"center": 200}
POSTER = {"enterprise": 200, "bureau": 200}

CASES = [
    # trading mode and opening an auction: the seller only
    Case(
        "PUT",
        "/api/v1/achievements/{t_sold}/trading",
        only({"center": 409}, visitor=401),  # being auctioned: the mode waits for the end
        body={"mode": "negotiated"},
    ),
    Case(
        "PUT",
        "/api/v1/achievements/{t_for_page}/trading",
        only(SELLER, visitor=401),
        body={"mode": "listed", "asking_price": 900000},
    ),
    Case(
        "POST", "/api/v1/achievements/{t_for_api}/auction", only({"center": 201}, visitor=401), body=AUCTION
    ),
    Case("GET", "/achievements/{t_for_page}/trading", only(SELLER, visitor=302)),
    Case(
        "POST",
        "/achievements/{t_for_page}/trading",
        only({"center": 302}, visitor=302),
        body={"mode": "negotiated"},
    ),
    Case("POST", "/achievements/{t_for_page}/auction", only({"center": 302}, visitor=302), body=AUCTION_FORM),
    # valuation guidance: the seller and the bureau always, others once published; the seller saves
    Case(
        "GET",
        "/api/v1/achievements/{t_val_private}/valuation",
        only({"center": 200, "bureau": 200}, visitor=404, others=404),
    ),
    Case("GET", "/api/v1/achievements/{t_val_public}/valuation", everyone(200)),
    Case("PUT", "/api/v1/achievements/{t_val_api}/valuation", only(SELLER, visitor=401), body=VALUATION),
    Case(
        "GET",
        "/achievements/{t_val_private}/valuation",
        only({"center": 200, "bureau": 200}, visitor=404, others=404),
    ),
    Case(
        "POST",
        "/achievements/{t_val_page}/valuation",
        # others: refused, and the page they would see again is not theirs either
        only({"center": 302, "bureau": 403}, visitor=302, others=404),
        body=VALUATION_FORM,
    ),
    # auctions: public reading; bidders must be verified (none of the matrix's organizations is)
    Case("GET", "/api/v1/auctions/{t_auction}", everyone(200)),
    Case("GET", "/auctions", everyone(200)),
    Case("GET", "/auctions/{t_auction}", everyone(200)),
    Case("GET", "/auctions/{t_auction}/state", everyone(200)),
    Case("POST", "/api/v1/auctions/{t_auction}/bidders", only({}, visitor=401), body={"accept_terms": True}),
    Case("POST", "/api/v1/auctions/{t_auction}/bids", only({}, visitor=401), body={"amount": 100000}),
    Case("POST", "/auctions/{t_auction}/join", only({}, visitor=302), body={"accept_terms": "on"}),
    Case("POST", "/auctions/{t_auction}/bids", only({}, visitor=302), body={"amount": "100000"}),
    # price notices: the university sells; anyone objects; the bureau answers
    Case(
        "POST", "/api/v1/achievements/{t_priced}/price-notice", only({}, visitor=401), body={"price": 500000}
    ),
    Case("POST", "/achievements/{t_priced}/price-notice", only({}, visitor=302), body={"price": "500000"}),
    Case("GET", "/api/v1/price-notices", everyone(200)),
    Case("POST", "/api/v1/price-notices/{t_notice}/objections", everyone(201), body=OBJECTION),
    Case("POST", "/price-notices/{t_notice}/objections", everyone(302), body=OBJECTION),
    Case(
        "POST",
        "/api/v1/price-objections/{t_objection_api}/answer",
        only({"bureau": 200}, visitor=401),
        body={"answer": "经核实，价格经评估确定。", "upheld": False},
    ),
    Case(
        "POST",
        "/price-objections/{t_objection_page}/answer",
        only({"bureau": 302}, visitor=302),
        body={"answer": "经核实，价格经评估确定。"},
    ),
    # challenges: public reading; the need's organization and the bureau post, read, score, select; teams propose
    Case("GET", "/api/v1/challenges", everyone(200)),
    Case("GET", "/api/v1/challenges/{t_ch_open_api}", everyone(200)),
    Case("GET", "/challenges", everyone(200)),
    Case("GET", "/challenges/{t_ch_open_page}", everyone(200)),
    Case(
        "GET",
        "/challenges/new",
        only({"enterprise": 200, "center": 200, "bureau": 200, "expert": 200}, visitor=302),
    ),
    Case(
        "POST",
        "/api/v1/challenges",
        only({"enterprise": 201, "bureau": 201}, visitor=401),
        body={**CHALLENGE, "need_id": "{t_need}", "deadline": "{t_deadline}"},
    ),
    Case(
        "POST",
        "/challenges",
        only({"enterprise": 302, "bureau": 302}, visitor=302),
        body={**{k: str(v) for k, v in CHALLENGE.items()}, "need_id": "{t_need}", "deadline": "{t_deadline}"},
    ),
    Case(
        "POST",
        "/api/v1/challenges/{t_ch_open_api}/proposals",
        only({"center": 201}, visitor=401),
        body=PROPOSAL,
    ),
    Case(
        "POST",
        "/challenges/{t_ch_open_page}/proposals",
        only({"center": 302}, visitor=302),
        body={k: str(v) for k, v in PROPOSAL.items()},
    ),
    Case("GET", "/api/v1/challenges/{t_ch_score}/proposals", only(POSTER, visitor=401)),
    Case(
        "PUT",
        "/api/v1/challenges/{t_ch_score}/proposals/{t_ch_score_proposal}/score",
        only(POSTER, visitor=401),
        body={"score": 85},
    ),
    Case(
        "POST",
        "/challenges/{t_ch_score}/proposals/{t_ch_score_proposal}/score",
        only({"enterprise": 302, "bureau": 302}, visitor=302),
        body={"score": "85"},
    ),
    Case(
        "POST",
        "/api/v1/challenges/{t_ch_select_api}/selection",
        only({"enterprise": 201, "bureau": 201}, visitor=401),
        body={"proposal_id": "{t_ch_select_api_proposal}"},
    ),
    Case(
        "POST",
        "/challenges/{t_ch_select_page}/selection",
        only({"enterprise": 302, "bureau": 302}, visitor=302),
        body={"proposal_id": "{t_ch_select_page_proposal}"},
    ),
]

PAIRS = [
    Pair("GET /achievements/{t_val_private}/valuation", "GET /api/v1/achievements/{t_val_private}/valuation"),
    Pair("POST /achievements/{t_val_page}/valuation", "PUT /api/v1/achievements/{t_val_api}/valuation"),
    Pair("GET /auctions/{t_auction}", "GET /api/v1/auctions/{t_auction}"),
    Pair("GET /challenges/{t_ch_open_page}", "GET /api/v1/challenges/{t_ch_open_api}"),
    Pair("POST /auctions/{t_auction}/bids", "POST /api/v1/auctions/{t_auction}/bids"),
    Pair("POST /challenges/{t_ch_open_page}/proposals", "POST /api/v1/challenges/{t_ch_open_api}/proposals"),
]
