"""The rules of open trading, as pure functions: an auction's phases, what a bid must reach, the 延时 extension,
who wins at the end; whether a sale by agreement needs a price notice and whether it has cleared. No session, no
Flask: the services load, ask these, and persist what they return.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import AuctionStatus, ContractKind, CooperationMode, OrgKind, TradingMode

# A bid this close to the end moves the end this far (延时): nobody can win by sniping the last second.
EXTENSION_WINDOW = timedelta(minutes=5)
EXTENSION = timedelta(minutes=5)
# Sellers whose sale by agreement (协议定价) must be published first (促进科技成果转化法: state-funded units).
NOTICE_SELLERS = frozenset({OrgKind.university, OrgKind.institute})
# Who may answer a challenge (揭榜): the providers of technology.
CHALLENGE_TEAMS = frozenset({OrgKind.center, OrgKind.university, OrgKind.institute})


class RuleError(Exception):
    """A refusal; the service turns it into a message in the user's language."""


class NotRunning(RuleError):
    def __init__(self, phase: str):
        super().__init__(phase)
        self.phase = phase


class BidTooLow(RuleError):
    def __init__(self, minimum: int):
        super().__init__(minimum)
        self.minimum = minimum


@dataclass(frozen=True)
class AuctionState:
    status: str
    starts_at: datetime
    ends_at: datetime
    start_price: int
    increment: int
    current_price: int | None


def phase(state: AuctionState, now: datetime) -> str:
    """scheduled (before the start), running, ended (past the end, not yet closed), sold or unsold."""
    if state.status != AuctionStatus.open:
        return state.status
    if now < state.starts_at:
        return "scheduled"
    if now >= state.ends_at:
        return "ended"
    return "running"


def minimum_bid(state: AuctionState) -> int:
    """The lowest acceptable bid: the start price first, then the current price plus the increment."""
    if state.current_price is None:
        return state.start_price
    return state.current_price + state.increment


def accept_bid(state: AuctionState, amount: int, now: datetime) -> datetime:
    """Judge a bid; return the end time after it (moved by `EXTENSION` when the bid came in the last minutes)."""
    current = phase(state, now)
    if current != "running":
        raise NotRunning(current)
    if amount < minimum_bid(state):
        raise BidTooLow(minimum_bid(state))
    if state.ends_at - now <= EXTENSION_WINDOW:
        return state.ends_at + EXTENSION
    return state.ends_at


def outcome(*, highest: int | None, reserve_price: int) -> str:
    """sold when the highest bid reaches the reserve, otherwise unsold."""
    if highest is not None and highest >= reserve_price:
        return AuctionStatus.sold
    return AuctionStatus.unsold


# An auction runs for at most this long and starts within a year: a lot nobody can bid on for years is a mistake.
LONGEST_AUCTION = timedelta(days=90)
FURTHEST_START = timedelta(days=365)


def valid_schedule(starts_at: datetime, ends_at: datetime, now: datetime) -> dict[str, str]:
    """Field codes of a schedule's faults: the end must follow the start, lie in the future, and come within
    `LONGEST_AUCTION` of a start within `FURTHEST_START`."""
    faults = {}
    if ends_at <= starts_at:
        faults["ends_at"] = "before_start"
    elif ends_at <= now:
        faults["ends_at"] = "past"
    elif ends_at - starts_at > LONGEST_AUCTION or starts_at > now + FURTHEST_START:
        faults["ends_at"] = "too_long"
    return faults


def contract_kind(cooperation_modes: list[str]) -> str:
    """An achievement's sale is a transfer (转让) when it offers one and a license (许可) otherwise."""
    if CooperationMode.transfer in cooperation_modes and CooperationMode.license not in cooperation_modes:
        return ContractKind.transfer
    if CooperationMode.license in cooperation_modes:
        return ContractKind.license
    return ContractKind.transfer


def needs_price_notice(*, seller_kind: str, mode: str, contract_kind: str) -> bool:
    """A university or institute selling (transfer or license) by agreement must publish the price first."""
    return (
        seller_kind in NOTICE_SELLERS
        and mode == TradingMode.negotiated
        and contract_kind in (ContractKind.transfer, ContractKind.license)
    )


def notice_state(*, ends_at: datetime | None, upheld: int, unanswered: int, now: datetime) -> str:
    """none (no notice), running, blocked (an objection upheld), pending (closed, objections unanswered), cleared."""
    if ends_at is None:
        return "none"
    if upheld:
        return "blocked"
    if now < ends_at:
        return "running"
    if unanswered:
        return "pending"
    return "cleared"
