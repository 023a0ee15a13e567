"""The rules of a listing, as pure functions: take the listing's state, the action and who acts, return the new
state, or raise. No session, no request: `app.market.services.listings` locks the row, asks these and persists
what they return.

A listing is a draft until published; a published listing is live until its expiry (the owner reconfirms to
extend it) or until its owner closes it with a reason; expiry is the system's, never a user's. A closed listing
comes back only as a draft its owner checks before publishing again.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from models import CloseReason, ListingStatus
from models.common import utcnow

OWNER = "owner"  # a user of the organization that posted the listing
SYSTEM = "system"  # the daily expiry job

NOT_CLOSED = frozenset({ListingStatus.draft, ListingStatus.published, ListingStatus.expired})


@dataclass(frozen=True)
class Action:
    """One row of the table: the statuses the action starts from, the status it leads to (None: the listing is
    removed), who may take it, and what the owner is told when the listing is in any other status."""

    sources: frozenset[ListingStatus]
    to: ListingStatus | None
    actor: str
    refusal: str = ""
    needs_reason: bool = False  # close: why (see CloseReason)
    refused_with_deals: bool = False  # delete: interests, contracts and the bureau's figures point at it


_PUBLISH_REFUSAL = _l("A closed listing must be reopened as a draft before it is published again.")

ACTIONS: dict[str, Action] = {
    # Publishing again, or reconfirming, restarts the listing's time to live.
    "publish": Action(NOT_CLOSED, ListingStatus.published, OWNER, _PUBLISH_REFUSAL),
    "reconfirm": Action(NOT_CLOSED, ListingStatus.published, OWNER, _PUBLISH_REFUSAL),
    "close": Action(
        NOT_CLOSED, ListingStatus.closed, OWNER, _l("This listing is already closed."), needs_reason=True
    ),
    "reopen": Action(
        frozenset({ListingStatus.closed}),
        ListingStatus.draft,
        OWNER,
        _l("Only a closed listing can be reopened."),
    ),
    "expire": Action(frozenset({ListingStatus.published}), ListingStatus.expired, SYSTEM),
    "delete": Action(frozenset(ListingStatus), None, OWNER, refused_with_deals=True),
}

# The actions that change a listing's status on its owner's request (delete removes it instead).
STATUS_ACTIONS = tuple(name for name, action in ACTIONS.items() if action.actor == OWNER and action.to)


class RuleError(Exception):
    """A refused action; the service turns it into a 4xx in the user's language."""


class UnknownAction(RuleError):
    pass


class WrongActor(RuleError):
    def __init__(self, required: str):
        super().__init__(f"only the {required} may do this")
        self.required = required


class IllegalAction(RuleError):
    def __init__(self, action: str, current: str, allowed: frozenset[ListingStatus], refusal: str):
        super().__init__(f"{action} is not allowed from {current}; only from {', '.join(sorted(allowed))}")
        self.action, self.current, self.allowed, self.refusal = action, current, allowed, refusal


class ReasonRequired(RuleError):
    """Closing needs one of the CloseReason values."""


class HasDeals(RuleError):
    """Deals refer to the listing: it may be closed, never deleted."""


class ContractChoiceRequired(RuleError):
    """Solved here, with several signed contracts: the owner names the one that solved it."""


class NotASolvingContract(RuleError):
    """The contract named is not one of the listing's signed contracts."""


@dataclass(frozen=True)
class ListingState:
    """The part of a listing that actions change."""

    status: ListingStatus
    published_at: datetime | None = None
    expires_at: datetime | None = None
    close_reason: CloseReason | None = None
    solved_contract_id: int | None = None


def is_live(listing, now=None) -> bool:
    """Published and not past its expiry: what the public sees."""
    now = now or utcnow()
    return listing.status == ListingStatus.published and (
        listing.expires_at is None or listing.expires_at > now
    )


def close_reason(reason) -> CloseReason:
    """The reason a listing is closed; ReasonRequired when it is missing or unknown."""
    try:
        return CloseReason(reason)
    except ValueError:
        raise ReasonRequired() from None


def check(
    status: ListingStatus, name: str | None, *, actor: str = OWNER, reason=None, has_deals: bool = False
) -> Action | None:
    """The action if `actor` may take it on a listing in `status`; raises otherwise. A reason is checked before
    the status, as the owner fills in the reason before pressing the button. No action (None) is no change."""
    if name is None:
        return None
    action = ACTIONS.get(name)
    if action is None:
        raise UnknownAction(name)
    if action.actor != actor:
        raise WrongActor(action.actor)
    if action.needs_reason:
        close_reason(reason)
    if status not in action.sources:
        raise IllegalAction(name, status, action.sources, action.refusal)
    if action.refused_with_deals and has_deals:
        raise HasDeals()
    return action


def solving_contract(reason, contract_id, signed: list[int]) -> int | None:
    """The contract a listing closed for `reason` names: only when solved here, the one chosen among the listing's
    `signed` contracts, or the only one there is. A form sends its contract choice whatever the reason, so for
    other reasons it is ignored."""
    if close_reason(reason) != CloseReason.solved_here:
        return None
    if contract_id is None or contract_id == "":
        if len(signed) > 1:
            raise ContractChoiceRequired()
        return signed[0] if signed else None
    try:
        chosen = int(contract_id) if not isinstance(contract_id, bool) else None
    except (TypeError, ValueError):
        chosen = None
    if chosen not in signed:
        raise NotASolvingContract()
    return chosen


def transition(
    state: ListingState,
    name: str,
    *,
    actor: str = OWNER,
    now: datetime,
    ttl: timedelta | None = None,
    reason=None,
    solved_contract_id: int | None = None,
) -> ListingState:
    """The listing's state after the action. Publishing stamps the first publication and a new expiry; closing
    records the reason and, when solved here, the contract; reopening forgets all three. `ttl`, how long a
    listing stays live, is needed only to publish."""
    action = check(state.status, name, actor=actor, reason=reason)
    if action is None or action.to is None:
        return state
    if action.to == ListingStatus.published:
        if ttl is None:
            raise TypeError("publishing needs the listing's time to live")
        return replace(state, status=action.to, published_at=state.published_at or now, expires_at=now + ttl)
    if action.to == ListingStatus.closed:
        return replace(
            state, status=action.to, close_reason=close_reason(reason), solved_contract_id=solved_contract_id
        )
    if action.to == ListingStatus.draft:
        return replace(state, status=action.to, close_reason=None, expires_at=None, solved_contract_id=None)
    return replace(state, status=action.to)
