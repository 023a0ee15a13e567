"""The rules of the deal workflows, as pure functions: take the current state, the acting side and the target,
return the new state and the audit entry, or raise. No session, no Flask: the services persist what these return.

Sides: "a" is the client (委托方, buyer, licensee), "b" the provider; None is anyone else (the bureau reads only).
"""

from dataclasses import dataclass, replace

from models import (
    ContractKind,
    ContractStatus,
    IncubationStatus,
    InterestStatus,
    MilestoneKind,
    MilestoneStatus,
)

# Contract status -> the statuses a party may move it to. Signing needs both parties (see `transition_contract`).
# Starting the work (in_progress) is a courtesy, not a gate: a signed contract whose milestones are done may be
# confirmed completed straight away, as an API client following the contract's milestones would expect.
ALLOWED: dict[str, tuple[str, ...]] = {
    ContractStatus.draft: (ContractStatus.signed, ContractStatus.terminated),
    ContractStatus.signed: (ContractStatus.in_progress, ContractStatus.completed, ContractStatus.terminated),
    ContractStatus.in_progress: (ContractStatus.completed, ContractStatus.terminated),
    ContractStatus.completed: (),
    ContractStatus.terminated: (),
}

# The parties' roles by contract kind, as the contract text, pages, PDFs and exports name them: (side a, side b).
# Side "a" is the one that pays or receives the technology (委托方, 受让方, 被许可方, 入孵企业); "b" provides it.
ROLES: dict[str, tuple[str, str]] = {
    ContractKind.commissioned_development: ("client", "developer"),
    ContractKind.cooperative_development: ("partner", "partner"),
    ContractKind.transfer: ("transferee", "transferor"),
    ContractKind.license: ("licensee", "licensor"),
    ContractKind.technical_service: ("client", "service_provider"),
    ContractKind.technical_consulting: ("client", "consultant"),
    ContractKind.incubation: ("incubatee", "incubator"),
}


def roles(kind: str) -> dict[str, str]:
    """The role codes of sides "a" and "b" in a contract of this kind (labels: `app.deals.labels.PARTY_ROLES`)."""
    a, b = ROLES[kind]
    return {"a": a, "b": b}


# Milestones are of two kinds. A deliverable (交付 → 验收): the provider (b) delivers, the client (a) accepts it.
# A payment (付款 → 确认收款): the paying side (a) pays, the receiving side (b) confirms it received the money.
# Each table: kind -> status -> the statuses it may move to; and target status -> the side that takes the step.
MILESTONE_ALLOWED: dict[str, dict[str, tuple[str, ...]]] = {
    MilestoneKind.deliverable: {
        MilestoneStatus.pending: (MilestoneStatus.delivered,),
        MilestoneStatus.delivered: (MilestoneStatus.accepted,),
        MilestoneStatus.accepted: (),
    },
    MilestoneKind.payment: {
        MilestoneStatus.pending: (MilestoneStatus.paid,),
        MilestoneStatus.paid: (MilestoneStatus.received,),
        MilestoneStatus.received: (),
    },
}
MILESTONE_SIDE: dict[str, dict[str, str]] = {
    MilestoneKind.deliverable: {MilestoneStatus.delivered: "b", MilestoneStatus.accepted: "a"},
    MilestoneKind.payment: {MilestoneStatus.paid: "a", MilestoneStatus.received: "b"},
}
# The status that ends a milestone of each kind: the next milestone may move only after it, and the contract is
# complete only when every milestone has reached it.
MILESTONE_DONE: dict[str, str] = {
    MilestoneKind.deliverable: MilestoneStatus.accepted,
    MilestoneKind.payment: MilestoneStatus.received,
}
# Every status some milestone step leads to: anything else is not a step at all.
MILESTONE_TARGETS = tuple(
    dict.fromkeys(to for table in MILESTONE_ALLOWED.values() for targets in table.values() for to in targets)
)
# Work on milestones happens under a signed contract, not in a draft or after its end.
MILESTONE_CONTRACT_STATES = (ContractStatus.signed, ContractStatus.in_progress)


def milestone_done(kind: str, status: str) -> bool:
    """Whether a milestone of this kind in this status is finished (accepted, or its payment received)."""
    return MILESTONE_DONE[kind] == status


INTEREST_ALLOWED: dict[str, tuple[str, ...]] = {
    InterestStatus.pending: (InterestStatus.accepted, InterestStatus.declined, InterestStatus.withdrawn),
    InterestStatus.accepted: (),
    InterestStatus.declined: (),
    InterestStatus.withdrawn: (),
}
# The target's owner decides; the interested side may only take its interest back while it is pending.
INTEREST_SIDE: dict[str, str] = {
    InterestStatus.accepted: "to",
    InterestStatus.declined: "to",
    InterestStatus.withdrawn: "from",
}

# An incubation ends once: the firm graduates (毕业) or exits (退出). Only the incubating center ends it
# (side "center"); the ending is news to the center's member units and to the firm if it is registered.
INCUBATION_ALLOWED: dict[str, tuple[str, ...]] = {
    IncubationStatus.incubating: (IncubationStatus.graduated, IncubationStatus.exited),
    IncubationStatus.graduated: (),
    IncubationStatus.exited: (),
}
INCUBATION_SIDE = "center"
# Every status some step leads to: anything else is not a step at all.
INCUBATION_TARGETS = tuple(dict.fromkeys(to for targets in INCUBATION_ALLOWED.values() for to in targets))
# The notice each ending sends (a kind of app.platform.notifications).
INCUBATION_NOTICE: dict[str, str] = {
    IncubationStatus.graduated: "incubation_graduated",
    IncubationStatus.exited: "incubation_exited",
}


class RuleError(Exception):
    """A refused step; the service turns it into a 4xx in the user's language."""


class IllegalTransition(RuleError):
    def __init__(self, current: str, target: str, allowed: tuple[str, ...]):
        super().__init__(f"{current} -> {target} is not allowed; allowed: {', '.join(allowed) or 'none'}")
        self.current, self.target, self.allowed = current, target, allowed


class WrongSide(RuleError):
    def __init__(self, required: str | None):
        super().__init__(f"only side {required or 'a or b'} may do this")
        self.required = required


class AlreadySigned(RuleError):
    pass


class ReasonRequired(RuleError):
    pass


class AlreadyConfirmed(RuleError):
    """This side has already confirmed completion; the other side has not yet."""


class MilestonesOpen(RuleError):
    """Completion while milestones are unfinished: names them, in order."""

    def __init__(self, titles: tuple[str, ...]):
        super().__init__(f"milestones not finished: {', '.join(titles)}")
        self.titles = titles


class EarlierMilestoneOpen(RuleError):
    """Milestones run in order: this one waits for the earlier one named."""

    def __init__(self, title: str):
        super().__init__(f"the earlier milestone {title!r} is not finished")
        self.title = title


class ContractNotActive(RuleError):
    def __init__(self, status: str):
        super().__init__(f"milestones change only under a signed contract, not {status}")
        self.status = status


@dataclass(frozen=True)
class AuditEntry:
    action: str
    from_status: str | None
    to_status: str
    note: str = ""
    milestone_id: int | None = None


@dataclass(frozen=True)
class ContractState:
    status: str
    signed_by_a: bool
    signed_by_b: bool
    # Completion needs both parties: each side's confirmation is kept until the other's arrives.
    completed_by_a: bool = False
    completed_by_b: bool = False


@dataclass(frozen=True)
class ContractOutcome:
    state: ContractState
    entry: AuditEntry


def transition_contract(
    state: ContractState, *, side: str | None, to: str, note: str = "", open_milestones: tuple[str, ...] = ()
) -> ContractOutcome:
    """One party's step on a contract. "signed" records that side's signature; the contract is signed once both
    have signed. "completed" records that side's confirmation, once every milestone is finished (`open_milestones`
    names the unfinished ones, in order); the contract is completed once both have confirmed. "terminated" needs
    a reason."""
    if side not in ("a", "b"):
        raise WrongSide(None)
    allowed = ALLOWED.get(state.status, ())
    if to not in allowed:
        raise IllegalTransition(state.status, to, allowed)
    if to == ContractStatus.signed:
        if state.signed_by_a if side == "a" else state.signed_by_b:
            raise AlreadySigned(side)
        signed_a, signed_b = state.signed_by_a or side == "a", state.signed_by_b or side == "b"
        status = ContractStatus.signed if signed_a and signed_b else ContractStatus.draft
        new = replace(state, status=status, signed_by_a=signed_a, signed_by_b=signed_b)
        return ContractOutcome(new, AuditEntry(f"signed_by_{side}", state.status, status, note.strip()))
    if to == ContractStatus.completed:
        if state.completed_by_a if side == "a" else state.completed_by_b:
            raise AlreadyConfirmed(side)
        if open_milestones:
            raise MilestonesOpen(tuple(open_milestones))
        done_a, done_b = state.completed_by_a or side == "a", state.completed_by_b or side == "b"
        reached: str = ContractStatus.completed if done_a and done_b else state.status
        new = replace(state, status=reached, completed_by_a=done_a, completed_by_b=done_b)
        return ContractOutcome(new, AuditEntry(f"completed_by_{side}", state.status, reached, note.strip()))
    if to == ContractStatus.terminated and not note.strip():
        raise ReasonRequired()
    new = replace(state, status=to)
    return ContractOutcome(new, AuditEntry("transition", state.status, to, note.strip()))


def transition_milestone(
    *,
    contract_status: str,
    milestone_id: int,
    kind: str = MilestoneKind.deliverable,
    current: str,
    side: str | None,
    to: str,
    earlier_open: str | None = None,
) -> AuditEntry:
    """One step of a milestone. A deliverable: pending → delivered (provider, b) → accepted (client, a). A payment:
    pending → paid (the paying side, a) → received (the receiving side, b). Milestones run in order: while an
    earlier one is unfinished (`earlier_open` is its title), this one does not move."""
    if side not in ("a", "b"):
        raise WrongSide(None)
    if contract_status not in MILESTONE_CONTRACT_STATES:
        raise ContractNotActive(contract_status)
    allowed = MILESTONE_ALLOWED[kind].get(current, ())
    if to not in allowed:
        raise IllegalTransition(current, to, allowed)
    if MILESTONE_SIDE[kind][to] != side:
        raise WrongSide(MILESTONE_SIDE[kind][to])
    if earlier_open is not None:
        raise EarlierMilestoneOpen(earlier_open)
    return AuditEntry("milestone", current, to, "", milestone_id)


def milestone_steps(*, kind: str, current: str, side: str | None) -> list[str]:
    """The steps this side may take on a milestone now, ignoring order and the contract's status (for buttons)."""
    return [to for to in MILESTONE_ALLOWED[kind].get(current, ()) if MILESTONE_SIDE[kind][to] == side]


def first_open(milestones: list[tuple[str, str, str]]) -> str | None:
    """The title of the first unfinished milestone among (kind, status, title) rows in position order."""
    return next((title for kind, status, title in milestones if not milestone_done(kind, status)), None)


def decide_interest(*, current: str, to: str, side: str | None) -> str:
    """Accept or decline (the target's owner, side "to") or withdraw (the interested side, "from") a pending
    interest; returns the new status."""
    required = INTEREST_SIDE.get(to)
    if required is not None and side != required:
        raise WrongSide(required)
    allowed = INTEREST_ALLOWED.get(current, ())
    if to not in allowed:
        raise IllegalTransition(current, to, allowed)
    return to


def end_incubation(*, current: str, to: str, side: str | None) -> str:
    """The incubating center ends an incubation that is still running; returns the new status."""
    if side != INCUBATION_SIDE:
        raise WrongSide(INCUBATION_SIDE)
    allowed = INCUBATION_ALLOWED.get(current, ())
    if to not in allowed:
        raise IllegalTransition(current, to, allowed)
    return to
