"""Open trading: an achievement's trading mode (协议定价, 挂牌, 拍卖), auctions and their append-only bids, the
price notice (公示) a university or institute runs before selling by agreement, and open challenges (揭榜挂帅)
with their proposals.

Bids are append-only (migration triggers refuse UPDATE and DELETE) and unique per (auction, amount): two bids at
one price cannot both be accepted, whatever the application does.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, utcnow

# Yuan. 20亿元 is far above any technology auction, and every amount here may become a contract's amount, which
# the contract table keeps in a 32-bit integer (PostgreSQL's integer stops at 2^31 - 1).
MONEY_MAX = 2_000_000_000


class TradingMode(StrEnum):
    negotiated = "negotiated"  # 协议定价
    listed = "listed"  # 挂牌
    auction = "auction"  # 拍卖


class AuctionStatus(StrEnum):
    open = "open"  # scheduled or running: bids are taken between starts_at and ends_at
    sold = "sold"
    unsold = "unsold"


class ChallengeStatus(StrEnum):
    open = "open"
    selected = "selected"
    closed = "closed"


# --- trading mode ------------------------------------------------------------------------------------------------


class TradingModeIn(SQLModel):
    mode: TradingMode
    asking_price: int | None = Field(default=None, ge=1, le=MONEY_MAX)


class AchievementTrading(SQLModel, table=True):
    """How an achievement is sold; an achievement without a row is sold by agreement (协议定价)."""

    __tablename__ = "achievement_trading"
    __table_args__ = (
        CheckConstraint("mode IN ('negotiated', 'listed', 'auction')", name="ck_achievement_trading_mode"),
        CheckConstraint("mode <> 'listed' OR asking_price IS NOT NULL", name="ck_achievement_trading_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", unique=True)
    mode: str = Field(max_length=16)
    asking_price: int | None = None
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


# --- auctions ----------------------------------------------------------------------------------------------------


class AuctionIn(SQLModel):
    start_price: int = Field(ge=1, le=MONEY_MAX)
    reserve_price: int = Field(ge=0, le=MONEY_MAX)
    increment: int = Field(ge=1, le=MONEY_MAX)
    starts_at: datetime
    ends_at: datetime
    confidential: bool = False


class BidIn(SQLModel):
    amount: int = Field(ge=1, le=MONEY_MAX)


class Auction(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('open', 'sold', 'unsold')", name="ck_auction_status"),
        CheckConstraint("start_price > 0 AND increment > 0 AND reserve_price >= 0", name="ck_auction_prices"),
        CheckConstraint("ends_at > starts_at", name="ck_auction_times"),
        # One open auction per achievement.
        Index(
            "uq_auction_open",
            "achievement_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", index=True)
    seller_org_id: int = Field(foreign_key="organization.id", index=True)
    status: str = Field(default=AuctionStatus.open.value, max_length=16, index=True)
    start_price: int
    reserve_price: int
    increment: int
    starts_at: datetime
    ends_at: datetime
    confidential: bool = False
    # The highest accepted bid (None before the first); moved only by a compare-and-set on `version`.
    current_price: int | None = None
    bid_count: int = 0
    version: int = 1
    winner_org_id: int | None = Field(default=None, foreign_key="organization.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    closed_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class AuctionBidder(SQLModel, table=True):
    """An organization admitted to bid: it accepted the auction's terms (and the NDA of a confidential lot)."""

    __tablename__ = "auction_bidder"
    __table_args__ = (UniqueConstraint("auction_id", "org_id", name="uq_auction_bidder"),)

    id: int | None = Field(default=None, primary_key=True)
    auction_id: int = Field(foreign_key="auction.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    user_id: int = Field(foreign_key="user.id")
    terms_sha256: str = Field(max_length=64)
    nda_sha256: str | None = Field(default=None, max_length=64)
    accepted_at: datetime = Field(default_factory=utcnow)


class Bid(SQLModel, table=True):
    """One accepted bid; never changed or deleted (triggers), and no two at one price in one auction."""

    __table_args__ = (
        UniqueConstraint("auction_id", "amount", name="uq_bid_amount"),
        CheckConstraint("amount > 0", name="ck_bid_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    auction_id: int = Field(foreign_key="auction.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    user_id: int = Field(foreign_key="user.id")
    amount: int
    created_at: datetime = Field(default_factory=utcnow)


# --- price notice (公示) -----------------------------------------------------------------------------------------


class PriceNoticeIn(SQLModel):
    price: int = Field(ge=1, le=MONEY_MAX)
    days: int = Field(default=15, ge=15, le=60)


class PriceNoticeAnswerIn(SQLModel):
    answer: str = Field(min_length=2, max_length=5000)
    upheld: bool = False


class PriceNotice(SQLModel, table=True):
    """The public notice of an achievement's name and intended price before a sale by agreement."""

    __tablename__ = "price_notice"
    # The n-th notice of an achievement: two opened at once compute one number, and one of them fails here.
    __table_args__ = (UniqueConstraint("achievement_id", "round", name="uq_price_notice_round"),)

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", index=True)
    round: int = 1
    seller_org_id: int = Field(foreign_key="organization.id")
    title: str = Field(max_length=200)
    price: int
    opened_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime
    created_by: int | None = Field(default=None, foreign_key="user.id")
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class PriceNoticeObjection(SQLModel, table=True):
    """An objection to a price notice (same fields as a center notice's); an upheld one blocks the sale."""

    __tablename__ = "price_notice_objection"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="price_notice.id", index=True)
    name: str = Field(max_length=60)
    contact: str = Field(max_length=120)
    text: str = Field(max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
    answer: str | None = Field(default=None, max_length=5000)
    answered_at: datetime | None = None
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    upheld: bool = False


# --- open challenges (揭榜挂帅) ----------------------------------------------------------------------------------


class ChallengeIn(SQLModel):
    need_id: int = Field(ge=1, le=ID_MAX)
    goals: str = Field(min_length=5, max_length=5000)
    acceptance_criteria: str = Field(min_length=5, max_length=5000)
    reward: int = Field(ge=1, le=MONEY_MAX)
    deadline: date


class ProposalIn(SQLModel):
    plan: str = Field(min_length=10, max_length=10000)
    price: int = Field(ge=1, le=MONEY_MAX)
    months: int = Field(ge=1, le=120)


class ScoreProposalIn(SQLModel):
    score: int = Field(ge=0, le=100)


class SelectionIn(SQLModel):
    proposal_id: int = Field(ge=1, le=ID_MAX)


class Challenge(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('open', 'selected', 'closed')", name="ck_challenge_status"),
        CheckConstraint("reward > 0", name="ck_challenge_reward"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    poster_org_id: int = Field(foreign_key="organization.id", index=True)
    title: str = Field(max_length=200)
    goals: str = Field(sa_column=Column(Text, nullable=False))
    acceptance_criteria: str = Field(sa_column=Column(Text, nullable=False))
    reward: int
    deadline: date
    status: str = Field(default=ChallengeStatus.open.value, max_length=16, index=True)
    selected_proposal_id: int | None = None
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    version: int = 1
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class ChallengeProposal(SQLModel, table=True):
    __tablename__ = "challenge_proposal"
    __table_args__ = (UniqueConstraint("challenge_id", "org_id", name="uq_challenge_proposal_org"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    user_id: int = Field(foreign_key="user.id")
    plan: str = Field(sa_column=Column(Text, nullable=False))
    price: int
    months: int
    score: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
