"""Open trading in the JSON API: an achievement's trading mode, auctions and their bids, price notices, open
challenges (揭榜挂帅) with their proposals and selection."""

from datetime import date, datetime

from flask import jsonify, request
from pydantic import BaseModel, Field

from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_user, json_body, token_required
from app.db import get_session
from app.trading.services import auctions, challenges, modes, price_notices, valuations
from app.trading.services.challenge_reviews import ask_experts, expert_means
from app.web import limits
from models import (
    AuctionIn,
    BidIn,
    ChallengeIn,
    ObjectionIn,
    PanelIn,
    PriceNoticeAnswerIn,
    PriceNoticeIn,
    ProposalIn,
    ScoreProposalIn,
    SelectionIn,
    TradingModeIn,
    ValuationIn,
)

ID = "<int(max=2147483647):{}>"

# --- shapes ------------------------------------------------------------------------------------------------------


class BidView(BaseModel):
    amount: int
    at: datetime
    bidder: str = Field(
        description="the bidder's name to the seller, the bureau and itself; 竞买人 N to others"
    )


class AuctionView(BaseModel):
    id: int
    achievement_id: int
    status: str = Field(description="open, sold or unsold")
    phase: str = Field(description="scheduled, running, ended, sold or unsold")
    current_price: int | None
    minimum_bid: int | None
    start_price: int
    increment: int
    starts_at: datetime
    ends_at: datetime
    confidential: bool
    reserve_price: int | None = Field(description="only to the seller and the bureau")
    bid_count: int
    bids: list[BidView] = Field(description="oldest first")
    registered: bool = Field(description="the caller's organization accepted the terms and may bid")
    winner: str | None
    contract_id: int | None


class JoinIn(BaseModel):
    accept_terms: bool
    accept_nda: bool = False


class Joined(BaseModel):
    auction_id: int
    terms_sha256: str
    nda_sha256: str | None
    accepted_at: datetime


class BidCreated(BaseModel):
    amount: int
    at: datetime
    current_price: int
    ends_at: datetime


class ModeView(BaseModel):
    achievement_id: int
    mode: str
    asking_price: int | None


class NoticeView(BaseModel):
    id: int
    achievement_id: int
    title: str
    price: int
    opened_at: datetime
    ends_at: datetime
    state: str = Field(
        description="running, pending (objections unanswered), blocked (one upheld) or cleared"
    )


class NoticeList(BaseModel):
    items: list[NoticeView]


class ObjectionView(BaseModel):
    id: int
    notice_id: int
    created_at: datetime
    answer: str | None
    upheld: bool


class ChallengeView(BaseModel):
    id: int
    need_id: int
    poster_org_id: int
    title: str
    goals: str
    acceptance_criteria: str
    reward: int
    deadline: date
    status: str
    selected_proposal_id: int | None
    contract_id: int | None
    created_at: datetime


class ChallengeList(BaseModel):
    items: list[ChallengeView]


class ProposalView(BaseModel):
    id: int
    challenge_id: int
    org_id: int
    plan: str
    price: int
    months: int
    score: int | None
    expert_score: float | None = None  # the mean of the bureau's experts' weighted scores, when asked
    created_at: datetime


class ExpertPanelView(BaseModel):
    experts: list[int]


class ProposalList(BaseModel):
    items: list[ProposalView]


def _auction(auction) -> dict:
    return auctions.view(session=get_session(), user=api_user(), auction=auction)


def _notice(notice) -> dict:
    return {
        "id": notice.id,
        "achievement_id": notice.achievement_id,
        "title": notice.title,
        "price": notice.price,
        "opened_at": notice.opened_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "state": price_notices.state_of(get_session(), notice),
    }


def _dump(model: type[BaseModel], row) -> dict:
    return model.model_validate(row, from_attributes=True).model_dump(mode="json")


# --- trading mode ------------------------------------------------------------------------------------------------


@bp.put("/achievements/" + ID.format("achievement_id") + "/trading")
@documented(json=TradingModeIn, responses={200: ModeView})
@limits.writes
@token_required
def set_trading_mode(achievement_id: int):
    """The seller sells by agreement (negotiated) or lists at a public asking price (listed)."""
    row = modes.set_mode(
        session=get_session(), user=api_user(), achievement_id=achievement_id, data=json_body()
    )
    return jsonify(achievement_id=row.achievement_id, mode=row.mode, asking_price=row.asking_price)


# --- auctions ----------------------------------------------------------------------------------------------------


@bp.post("/achievements/" + ID.format("achievement_id") + "/auction")
@documented(json=AuctionIn, responses={201: AuctionView})
@limits.writes
@token_required
def create_auction(achievement_id: int):
    """Auction a published achievement of the caller's organization: amounts in yuan, times ISO 8601 with offset;
    the reserve stays hidden from bidders."""
    auction = auctions.create_auction(
        session=get_session(), user=api_user(), achievement_id=achievement_id, data=json_body()
    )
    return jsonify(_auction(auction)), 201


@bp.get("/auctions/" + ID.format("auction_id"))
@documented(responses={200: AuctionView}, bearer="optional")
def get_auction(auction_id: int):
    """An auction with its bids, oldest first; a lot past its end is closed by this read."""
    return jsonify(_auction(auctions.get_auction(session=get_session(), auction_id=auction_id)))


@bp.post("/auctions/" + ID.format("auction_id") + "/bidders")
@documented(json=JoinIn, responses={201: Joined})
@limits.writes
@token_required
def join_auction(auction_id: int):
    """A verified organization accepts the auction's terms (and, for a confidential lot, the NDA) to bid."""
    data = json_body()
    row = auctions.join(
        session=get_session(),
        user=api_user(),
        auction_id=auction_id,
        terms=data.get("accept_terms") is True,
        nda=data.get("accept_nda") is True,
    )
    return jsonify(
        auction_id=row.auction_id,
        terms_sha256=row.terms_sha256,
        nda_sha256=row.nda_sha256,
        accepted_at=row.accepted_at.isoformat(),
    ), 201


@bp.post("/auctions/" + ID.format("auction_id") + "/bids")
@documented(json=BidIn, responses={201: BidCreated}, errors=(409,))
@limits.writes
@token_required
def place_bid(auction_id: int):
    """Bid: at least the start price first, then the current price plus the increment; a bid in the last five
    minutes moves the end five minutes on. Too low or beaten: 409 with `current_price` and `minimum_bid`."""
    session = get_session()
    try:
        bid = auctions.place_bid(session=session, user=api_user(), auction_id=auction_id, data=json_body())
    except auctions.BidRefused as exc:
        return jsonify(
            error={"code": exc.code, "message": exc.message, "fields": exc.fields},
            current_price=exc.current_price,
            minimum_bid=exc.minimum,
        ), 409
    auction = auctions.get_auction(session=session, auction_id=auction_id)
    return jsonify(
        amount=bid.amount,
        at=bid.created_at.isoformat(),
        current_price=auction.current_price,
        ends_at=auction.ends_at.isoformat(),
    ), 201


# --- price notices -----------------------------------------------------------------------------------------------


@bp.post("/achievements/" + ID.format("achievement_id") + "/price-notice")
@documented(json=PriceNoticeIn, responses={201: NoticeView})
@limits.writes
@token_required
def open_price_notice(achievement_id: int):
    """A university or institute publishes the achievement's name and intended price (公示) before selling by
    agreement; its contract can be signed once the notice has closed without an upheld objection."""
    notice = price_notices.open_notice(
        session=get_session(), user=api_user(), achievement_id=achievement_id, data=json_body()
    )
    return jsonify(_notice(notice)), 201


@bp.get("/price-notices")
@documented(responses={200: NoticeList})
def list_price_notices():
    """Price notices running now."""
    return jsonify(items=[_notice(n) for n in price_notices.on_notice(session=get_session())])


@bp.post("/price-notices/" + ID.format("notice_id") + "/objections")
@documented(json=ObjectionIn, responses={201: ObjectionView})
@limits.objection_by_address
def object_to_price(notice_id: int):
    """Anyone may object while the notice runs."""
    row = price_notices.raise_objection(session=get_session(), notice_id=notice_id, data=json_body())
    return jsonify(_dump(ObjectionView, row)), 201


@bp.post("/price-objections/" + ID.format("objection_id") + "/answer")
@documented(json=PriceNoticeAnswerIn, responses={200: ObjectionView})
@limits.writes
@token_required
def answer_price_objection(objection_id: int):
    """The bureau answers an objection once; `upheld` stops the sale."""
    row = price_notices.answer_objection(
        session=get_session(), user=api_user(), objection_id=objection_id, data=json_body()
    )
    return jsonify(_dump(ObjectionView, row))


# --- challenges --------------------------------------------------------------------------------------------------


@bp.get("/challenges")
@documented(responses={200: ChallengeList})
def list_challenges():
    """Open challenges (揭榜挂帅), newest first; `status=all` lists the selected ones too."""
    rows = challenges.list_challenges(session=get_session(), open_only=request.args.get("status") != "all")
    return jsonify(items=[_dump(ChallengeView, row) for row in rows])


@bp.post("/challenges")
@documented(json=ChallengeIn, responses={201: ChallengeView})
@limits.writes
@token_required
def create_challenge():
    """Post a challenge from a need of the caller's organization (the bureau: from any published need)."""
    row = challenges.create_challenge(session=get_session(), user=api_user(), data=json_body())
    return jsonify(_dump(ChallengeView, row)), 201


@bp.get("/challenges/" + ID.format("challenge_id"))
@documented(responses={200: ChallengeView})
def get_challenge(challenge_id: int):
    """One challenge."""
    return jsonify(
        _dump(ChallengeView, challenges.get_challenge(session=get_session(), challenge_id=challenge_id))
    )


@bp.post("/challenges/" + ID.format("challenge_id") + "/proposals")
@documented(json=ProposalIn, responses={201: ProposalView})
@limits.writes
@token_required
def submit_proposal(challenge_id: int):
    """A center, university or institute answers the challenge, once; confidential to the poster."""
    row = challenges.submit_proposal(
        session=get_session(), user=api_user(), challenge_id=challenge_id, data=json_body()
    )
    return jsonify(_dump(ProposalView, row)), 201


@bp.get("/challenges/" + ID.format("challenge_id") + "/proposals")
@documented(responses={200: ProposalList})
@token_required
def list_proposals(challenge_id: int):
    """Every proposal to the poster and the bureau; a team sees its own."""
    session, user = get_session(), api_user()
    rows = challenges.proposals_of(session=session, user=user, challenge_id=challenge_id)
    challenge = challenges.get_challenge(session=session, challenge_id=challenge_id)
    means = expert_means(session, challenge_id) if challenges.is_poster(user, challenge) else {}
    return jsonify(items=[{**_dump(ProposalView, row), "expert_score": means.get(row.id)} for row in rows])


@bp.post("/challenges/" + ID.format("challenge_id") + "/experts")
@documented(json=PanelIn, responses={200: ExpertPanelView})
@limits.writes
@token_required
def ask_challenge_experts(challenge_id: int):
    """The poster asks the bureau's experts to score the proposals (those to come too); an expert of a proposing
    organization is left off its proposal. The experts score through /api/v1/bureau/assignments."""
    panel = ask_experts(session=get_session(), user=api_user(), challenge_id=challenge_id, data=json_body())
    return jsonify(experts=panel)


@bp.put("/challenges/" + ID.format("challenge_id") + "/proposals/" + ID.format("proposal_id") + "/score")
@documented(json=ScoreProposalIn, responses={200: ProposalView})
@limits.writes
@token_required
def score_proposal(challenge_id: int, proposal_id: int):
    """The poster scores a proposal from 0 to 100."""
    row = challenges.score_proposal(
        session=get_session(),
        user=api_user(),
        challenge_id=challenge_id,
        proposal_id=proposal_id,
        data=json_body(),
    )
    return jsonify(_dump(ProposalView, row))


@bp.post("/challenges/" + ID.format("challenge_id") + "/selection")
@documented(json=SelectionIn, responses={201: ChallengeView})
@limits.writes
@token_required
def select_proposal(challenge_id: int):
    """The poster selects one proposal; a commissioned-development contract at its price is drafted."""
    row = challenges.select_proposal(
        session=get_session(), user=api_user(), challenge_id=challenge_id, data=json_body()
    )
    return jsonify(_dump(ChallengeView, row)), 201


# --- valuation guidance (科技成果评价) ------------------------------------------------------------------------------


class AssessmentView(BaseModel):
    trl: int
    ip_type: str
    ip_status: str
    claims: int
    remaining_years: int
    family_size: int
    market_readiness: str = Field(description="unexplored, validated or selling")
    application_readiness: str = Field(description="lab, pilot or production")
    note: str
    published: bool
    version: int = Field(description="send it back with the next PUT")
    updated_at: datetime


class SuggestedRange(BaseModel):
    low: int | None = Field(description="yuan; null when there are no comparables")
    high: int | None
    basis: str = Field(
        description="median (3+ comparables), band (1-2: the middle of their amount band) or none"
    )
    spread: float | None
    factors: dict[str, float] = Field(description="trl, ip, market, application")


class ComparableGroup(BaseModel):
    kind: str | None = Field(description="contract kind; null for kinds merged because each had fewer than 3")
    kinds: list[str] | None = None
    count: int
    years: list[int]
    min: int
    median: int
    max: int


class Comparables(BaseModel):
    count: int
    years: list[int] | None = Field(default=None, description="only with 3 or more deals")
    median_band: list[int | None] | None = Field(
        description="[low, high) in yuan; high null for the top band"
    )
    groups: list[ComparableGroup] = Field(description="empty with fewer than 3 deals: no amount is shown")
    unshown: int = Field(description="deals counted but in no group")


class ValuationReason(BaseModel):
    code: str
    text: str


class ValuationView(BaseModel):
    achievement_id: int
    assessment: AssessmentView | None
    suggested_range: SuggestedRange | None
    reasons: list[ValuationReason]
    comparables: Comparables
    disclaimer: str


@bp.get("/achievements/" + ID.format("achievement_id") + "/valuation")
@documented(responses={200: ValuationView}, bearer="optional")
def get_valuation(achievement_id: int):
    """The valuation guidance: to the seller and the bureau always, to others once published (404 otherwise).
    Comparable deals appear only as aggregates; it is a reference opinion, not a licensed appraisal."""
    return jsonify(
        valuations.get_valuation(session=get_session(), user=api_user(), achievement_id=achievement_id)
    )


@bp.put("/achievements/" + ID.format("achievement_id") + "/valuation")
@documented(json=ValuationIn, responses={200: ValuationView})
@limits.writes
@token_required
def save_valuation(achievement_id: int):
    """The seller saves the assessment; after the first save, send the `version` read (409 when stale)."""
    session, user = get_session(), api_user()
    valuations.save_valuation(session=session, user=user, achievement_id=achievement_id, data=json_body())
    return jsonify(valuations.get_valuation(session=session, user=user, achievement_id=achievement_id))
