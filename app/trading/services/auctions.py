"""Auctions (拍卖) of achievements: the seller opens one, verified organizations that accepted its terms (and the
NDA of a confidential lot) bid, and at the end the highest bid at or above the hidden reserve wins a draft contract.

Every accepted bid moves the auction's `current_price` by a compare-and-set on its `version`, then appends its row
to `bid` (unique per amount, append-only): two bids at once are judged one after the other, and the loser is
judged again against the price that beat it (409 with that price when it no longer reaches the minimum). Closing
is the same compare-and-set, so a last-second bid and the close cannot both win.
"""

import hashlib
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.services import organizations
from app.deals.services.interests import PLATFORM_NDA, PLATFORM_NDA_VERSION
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from app.trading import rules
from app.trading.services import deal_links, modes
from app.trading.services.sellers import own_achievement
from models import (
    Achievement,
    Auction,
    AuctionBidder,
    AuctionIn,
    AuctionStatus,
    Bid,
    BidIn,
    Organization,
    TradingMode,
    User,
)
from models.common import utcnow

# How often a bid that lost a compare-and-set is judged again on fresh state before giving up.
BID_ATTEMPTS = 8

AUCTION_TERMS_VERSION = "auction-2026-1"
AUCTION_TERMS = """拍卖规则（平台文本）

一、竞买人须为经平台核验的单位，接受本规则后方可出价；出价一经提交不可撤回、不可修改。
二、首次出价不得低于起拍价，此后每次出价须不低于当前价加加价幅度。
三、拍卖结束前五分钟内有出价的，结束时间自动延长五分钟（延时）。
四、拍卖结束时，最高出价达到保留价的，该出价人为买受人，平台按成交价生成技术合同草稿，双方应在合同中约定付款与交付；未达到保留价的，标的流拍。
五、出价记录保存于平台，不可更改；竞买人名称对其他竞买人隐去，对出让方及主管部门可见。"""


class BidRefused(Conflict):
    """A bid too low or beaten: the 409 carries the price to beat."""

    def __init__(self, message: str, current_price: int | None, minimum: int):
        super().__init__(message, {"amount": message})
        self.current_price = current_price
        self.minimum = minimum


def terms_sha256() -> str:
    return hashlib.sha256(AUCTION_TERMS.encode()).hexdigest()


def nda_sha256() -> str:
    return hashlib.sha256(PLATFORM_NDA.encode()).hexdigest()


def _state(auction: Auction) -> rules.AuctionState:
    return rules.AuctionState(
        status=auction.status,
        starts_at=auction.starts_at,
        ends_at=auction.ends_at,
        start_price=auction.start_price,
        increment=auction.increment,
        current_price=auction.current_price,
    )


def phase(auction: Auction, now: datetime | None = None) -> str:
    return rules.phase(_state(auction), now or utcnow())


def minimum_bid(auction: Auction) -> int:
    return rules.minimum_bid(_state(auction))


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise Invalid(_("Some fields are not valid."), {field: _("Give the time with its UTC offset.")})
    try:
        return value.astimezone(UTC)
    except OverflowError:  # the year 9999 a little before UTC, or the year 1 a little after
        raise Invalid(_("Some fields are not valid."), {field: _("This date is out of range.")}) from None


# --- opening -------------------------------------------------------------------------------------------------------


def create_auction(*, session: Session, user: User | None, achievement_id: int, data: dict) -> Auction:
    """Open an auction of the seller's published achievement; its trading mode becomes 拍卖."""
    achievement = own_achievement(session, user, achievement_id)
    assert user is not None and achievement.id is not None  # own_achievement required both
    auction_in = parse(AuctionIn, data)
    starts_at, ends_at = _aware(auction_in.starts_at, "starts_at"), _aware(auction_in.ends_at, "ends_at")
    faults = rules.valid_schedule(starts_at, ends_at, utcnow())
    if faults:
        message = {
            "before_start": _("The end must come after the start."),
            "past": _("The end must lie in the future."),
            "too_long": _("An auction starts within a year and runs for at most 90 days."),
        }[faults["ends_at"]]
        raise Invalid(_("Some fields are not valid."), {"ends_at": message})
    auction = Auction(
        achievement_id=achievement.id,
        seller_org_id=achievement.org_id,
        start_price=auction_in.start_price,
        reserve_price=auction_in.reserve_price,
        increment=auction_in.increment,
        starts_at=starts_at,
        ends_at=ends_at,
        confidential=auction_in.confidential,
        created_by=user.id,
    )
    session.add(auction)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("This achievement is already being auctioned.")) from None
    assert auction.id is not None  # given by the flush
    modes.store(session, achievement, TradingMode.auction, None, user)
    audit.record(
        session,
        subject="auction",
        subject_id=auction.id,
        action="opened",
        actor=user,
        to_state=AuctionStatus.open,
        achievement_id=achievement.id,
        start_price=auction.start_price,
        increment=auction.increment,
        ends_at=auction.ends_at.isoformat(),
    )
    session.commit()
    session.refresh(auction)
    return auction


# --- reading -------------------------------------------------------------------------------------------------------


def get_auction(*, session: Session, auction_id: int) -> Auction:
    """The auction, closed first when its end has passed (closing on read: no cron is needed for a winner)."""
    auction = session.get(Auction, auction_id)
    if auction is None:
        raise NotFound(_("No such auction."))
    if phase(auction) == "ended":
        close(session=session, auction=auction)
        session.refresh(auction)
    return auction


def auction_of(session: Session, achievement_id: int) -> Auction | None:
    """The achievement's newest auction, if any."""
    return session.exec(
        select(Auction).where(Auction.achievement_id == achievement_id).order_by(col(Auction.id).desc())
    ).first()


def bids_of(session: Session, auction_id: int) -> list[Bid]:
    """Oldest first (ids follow the order in which the compare-and-set accepted them)."""
    return list(session.exec(select(Bid).where(Bid.auction_id == auction_id).order_by(col(Bid.id))).all())


def bidders_of(session: Session, auction_id: int) -> list[AuctionBidder]:
    return list(
        session.exec(
            select(AuctionBidder)
            .where(AuctionBidder.auction_id == auction_id)
            .order_by(col(AuctionBidder.id))
        ).all()
    )


def sees_names(user: User | None, auction: Auction) -> bool:
    """The seller and the bureau see who bid; bidders see each other only as 竞买人 N."""
    return permissions.is_bureau(user) or permissions.acts_for(user, auction.seller_org_id)


def is_bidder(session: Session, user: User | None, auction: Auction) -> bool:
    if user is None or user.org_id is None:
        return False
    return (
        session.exec(
            select(AuctionBidder.id).where(
                AuctionBidder.auction_id == auction.id, AuctionBidder.org_id == user.org_id
            )
        ).first()
        is not None
    )


def view(*, session: Session, user: User | None, auction: Auction) -> dict:
    """The auction as a reader may see it: bids oldest first, bidders masked unless the reader is the seller or
    the bureau (a bidder sees its own name); the reserve only to the seller and the bureau."""
    assert auction.id is not None  # a stored auction
    position = {row.org_id: n for n, row in enumerate(bidders_of(session, auction.id), start=1)}
    names = sees_names(user, auction)
    org_names: dict[int, str] = {}

    def name_of(org_id: int) -> str:
        if org_id not in org_names:
            org = session.get(Organization, org_id)
            org_names[org_id] = org.name if org is not None else ""
        return org_names[org_id]

    def bidder(org_id: int) -> str:
        if names or (user is not None and user.org_id == org_id):
            return name_of(org_id)
        return _("Bidder %(n)s", n=position.get(org_id, 0))

    bids = [
        {"amount": row.amount, "at": row.created_at.isoformat(), "bidder": bidder(row.org_id)}
        for row in bids_of(session, auction.id)
    ]
    party = names or (user is not None and user.org_id == auction.winner_org_id)
    return {
        "id": auction.id,
        "achievement_id": auction.achievement_id,
        "status": auction.status,
        "phase": phase(auction),
        "current_price": auction.current_price,
        "minimum_bid": minimum_bid(auction) if auction.status == AuctionStatus.open else None,
        "start_price": auction.start_price,
        "increment": auction.increment,
        "starts_at": auction.starts_at.isoformat(),
        "ends_at": auction.ends_at.isoformat(),
        "confidential": auction.confidential,
        "reserve_price": auction.reserve_price if names else None,
        "bid_count": auction.bid_count,
        "bids": bids,
        "registered": is_bidder(session, user, auction),
        "winner": (name_of(auction.winner_org_id) if auction.winner_org_id is not None and party else None),
        "contract_id": auction.contract_id if party else None,
    }


# --- joining and bidding -------------------------------------------------------------------------------------------


def join(*, session: Session, user: User | None, auction_id: int, terms: bool, nda: bool) -> AuctionBidder:
    """Register the user's organization as a bidder: verified, not the seller, terms (and NDA) accepted.
    Joining twice answers the first registration."""
    user = permissions.require_member(user)
    auction = get_auction(session=session, auction_id=auction_id)
    if auction.seller_org_id == user.org_id:
        raise Forbidden(_("The seller cannot bid in its own auction."))
    if not organizations.is_verified(session.get(Organization, user.org_id)):
        raise Forbidden(_("Only organizations verified by the bureau may bid."))
    if auction.status != AuctionStatus.open:
        raise Conflict(_("This auction has ended."))
    fields = {}
    if not terms:
        fields["terms"] = _("Accept the auction's terms to bid.")
    if auction.confidential and not nda:
        fields["nda"] = _("This lot is confidential: accept the NDA to bid.")
    if fields:
        raise Invalid(_("Some fields are not valid."), fields)
    existing = session.exec(
        select(AuctionBidder).where(
            AuctionBidder.auction_id == auction.id, AuctionBidder.org_id == user.org_id
        )
    ).first()
    if existing is not None:
        return existing
    assert auction.id is not None and user.org_id is not None and user.id is not None  # stored rows
    row = AuctionBidder(
        auction_id=auction.id,
        org_id=user.org_id,
        user_id=user.id,
        terms_sha256=terms_sha256(),
        nda_sha256=nda_sha256() if auction.confidential else None,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same organization joined at the same moment: one registration stands
        session.rollback()
        joined = session.exec(
            select(AuctionBidder).where(
                AuctionBidder.auction_id == auction_id, AuctionBidder.org_id == user.org_id
            )
        ).one()
        return joined
    audit.record(
        session,
        subject="auction",
        subject_id=auction.id,
        action="bidder_registered",
        actor=user,
        terms_version=AUCTION_TERMS_VERSION,
        nda_version=PLATFORM_NDA_VERSION if auction.confidential else None,
    )
    session.commit()
    session.refresh(row)
    return row


def _refusal(exc: rules.RuleError, auction: Auction) -> Exception:
    if isinstance(exc, rules.BidTooLow):
        if auction.current_price is None:
            message = _(
                "The first bid must be at least the start price, %(minimum)s yuan.", minimum=exc.minimum
            )
        else:
            message = _(
                "The current price is %(price)s yuan; a bid must be at least %(minimum)s yuan.",
                price=auction.current_price,
                minimum=exc.minimum,
            )
        return BidRefused(message, auction.current_price, exc.minimum)
    assert isinstance(exc, rules.NotRunning)
    if exc.phase == "scheduled":
        return Conflict(_("Bidding opens at %(time)s.", time=auction.starts_at.isoformat(timespec="minutes")))
    return Conflict(_("This auction has ended."))


def place_bid(*, session: Session, user: User | None, auction_id: int, data: dict) -> Bid:
    """One bid by a registered bidder; append-only, judged against the freshest price (see module doc)."""
    user = permissions.require_member(user)
    amount = parse(BidIn, data).amount
    auction = get_auction(session=session, auction_id=auction_id)
    if auction.seller_org_id == user.org_id:
        raise Forbidden(_("The seller cannot bid in its own auction."))
    if not is_bidder(session, user, auction):
        raise Forbidden(_("Accept the auction's terms before bidding."))
    assert auction.id is not None and user.org_id is not None and user.id is not None  # stored rows
    for _attempt in range(BID_ATTEMPTS):
        now = utcnow()
        try:
            ends_at = rules.accept_bid(_state(auction), amount, now)
        except rules.RuleError as exc:
            if phase(auction, now) == "ended":
                close(session=session, auction=auction)
            raise _refusal(exc, auction) from None
        previous_org = _leader(session, auction)
        result = session.execute(
            update(Auction)
            .where(
                col(Auction.id) == auction.id,
                col(Auction.version) == auction.version,
                col(Auction.status) == AuctionStatus.open,
            )
            .values(
                current_price=amount,
                bid_count=auction.bid_count + 1,
                ends_at=ends_at,
                version=auction.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
            session.rollback()
            session.refresh(auction)
            continue
        bid = Bid(auction_id=auction.id, org_id=user.org_id, user_id=user.id, amount=amount, created_at=now)
        session.add(bid)
        try:
            session.flush()
        except IntegrityError:  # cannot happen behind the compare-and-set; the constraint is the last word
            session.rollback()
            session.refresh(auction)
            raise _refusal(rules.BidTooLow(minimum_bid(auction)), auction) from None
        audit.record(
            session,
            subject="auction",
            subject_id=auction.id,
            action="bid",
            actor=user,
            amount=amount,
            extended_to=ends_at.isoformat() if ends_at != auction.ends_at else None,
        )
        title = _title(session, auction)
        if previous_org is not None and previous_org != user.org_id:
            notify(
                session=session,
                org_id=previous_org,
                kind="auction_outbid",
                subject_type="auction",
                subject_id=auction.id,
                text=title,
                detail=str(amount),
            )
        session.commit()
        session.refresh(bid)
        session.refresh(auction)
        return bid
    raise Conflict(_("Too many bids at once; please try again."))


def _leader(session: Session, auction: Auction) -> int | None:
    if auction.current_price is None:
        return None
    return session.exec(
        select(Bid.org_id).where(Bid.auction_id == auction.id, Bid.amount == auction.current_price)
    ).first()


def _title(session: Session, auction: Auction) -> str:
    achievement = session.get(Achievement, auction.achievement_id)
    return achievement.title if achievement is not None else ""


# --- closing -------------------------------------------------------------------------------------------------------


def close(*, session: Session, auction: Auction, now: datetime | None = None) -> bool:
    """Close an auction whose end has passed: sold to the highest bid at or above the reserve (with a draft
    contract at that price between seller and winner), otherwise unsold. True when this call closed it."""
    now = now or utcnow()
    if rules.phase(_state(auction), now) != "ended":
        return False
    assert auction.id is not None  # a stored auction
    status = rules.outcome(highest=auction.current_price, reserve_price=auction.reserve_price)
    winner = _leader(session, auction) if status == AuctionStatus.sold else None
    result = session.execute(
        update(Auction)
        .where(
            col(Auction.id) == auction.id,
            col(Auction.version) == auction.version,
            col(Auction.status) == AuctionStatus.open,
        )
        .values(status=status, winner_org_id=winner, closed_at=now, version=auction.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # another request closed it, or a bid came first
        session.rollback()
        return False
    audit.record(
        session,
        subject="auction",
        subject_id=auction.id,
        action=status,
        actor=None,
        from_state=AuctionStatus.open,
        to_state=status,
        amount=auction.current_price if winner else None,
        winner_org_id=winner,
    )
    title = _title(session, auction)
    notify(
        session=session,
        org_id=auction.seller_org_id,
        kind=f"auction_{status}",
        subject_type="auction",
        subject_id=auction.id,
        text=title,
    )
    if winner is None:
        session.commit()
        return True
    notify(
        session=session,
        org_id=winner,
        kind="auction_won",
        subject_type="auction",
        subject_id=auction.id,
        text=title,
        detail=str(auction.current_price),
    )
    assert auction.current_price is not None  # sold: there is a highest bid
    contract = _draft_contract(session, auction, winner, auction.current_price)
    session.execute(
        update(Auction)
        .where(col(Auction.id) == auction.id)
        .values(contract_id=contract.id)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return True


def _draft_contract(session: Session, auction: Auction, winner_org: int, price: int):
    """The winner's accepted interest in the achievement and a draft contract at the winning price (a transfer or
    a license, as the achievement offers), created on the seller's behalf."""
    achievement = session.get(Achievement, auction.achievement_id)
    assert achievement is not None and achievement.id is not None  # an auction's achievement is never deleted
    interest = deal_links.accepted_interest(
        session,
        from_org=winner_org,
        target_type="achievement",
        target_id=achievement.id,
        to_org=auction.seller_org_id,
        message=_("Won at auction for %(price)s yuan.", price=price),
    )
    return deal_links.draft_contract(
        session,
        creator=deal_links.member_of(session, auction.seller_org_id, auction.created_by),
        interest=interest,
        kind=rules.contract_kind([str(m) for m in achievement.cooperation_modes]),
        title=achievement.title,
        amount=price,
        field=achievement.industry,
    )


def close_due(*, session: Session, now: datetime | None = None) -> int:
    """Close every auction whose end has passed (`flask trading close-auctions`); returns how many closed."""
    now = now or utcnow()
    due = session.exec(
        select(Auction.id).where(Auction.status == AuctionStatus.open, col(Auction.ends_at) <= now)
    ).all()
    closed = 0
    for auction_id in due:
        auction = session.get(Auction, auction_id)
        if auction is not None:
            session.refresh(auction)
            closed += close(session=session, auction=auction, now=now)
    return closed


def list_auctions(*, session: Session, running_only: bool = False) -> list[Auction]:
    """Auctions newest first (the open ones when asked)."""
    stmt = select(Auction)
    if running_only:
        stmt = stmt.where(Auction.status == AuctionStatus.open)
    return list(session.exec(stmt.order_by(col(Auction.ends_at).desc(), col(Auction.id).desc())).all())
