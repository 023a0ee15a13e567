"""The rules of the deal workflows, as pure functions: take the current state, the acting side and the target,
return the new state and the audit entry, or raise. No session, no Flask: the services persist what these return.

Sides: "a" is the client (委托方, buyer, licensee), "b" the provider; None is anyone else (the bureau reads only).
"""

from dataclasses import dataclass

from models import ContractKind, ContractStatus, IncubationStatus, InterestStatus, MilestoneStatus

# Contract status -> the statuses a party may move it to. Signing needs both parties (see `transition_contract`).
ALLOWED: dict[str, tuple[str, ...]] = {
    ContractStatus.draft: (ContractStatus.signed, ContractStatus.terminated),
    ContractStatus.signed: (ContractStatus.in_progress, ContractStatus.terminated),
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


MILESTONE_ALLOWED: dict[str, tuple[str, ...]] = {
    MilestoneStatus.pending: (MilestoneStatus.delivered,),
    MilestoneStatus.delivered: (MilestoneStatus.accepted,),
    MilestoneStatus.accepted: (MilestoneStatus.paid,),
    MilestoneStatus.paid: (),
}
# The provider delivers; the client accepts the delivery and records its payment.
MILESTONE_SIDE: dict[str, str] = {
    MilestoneStatus.delivered: "b",
    MilestoneStatus.accepted: "a",
    MilestoneStatus.paid: "a",
}
# Work on milestones happens under a signed contract, not in a draft or after its end.
MILESTONE_CONTRACT_STATES = (ContractStatus.signed, ContractStatus.in_progress)

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


@dataclass(frozen=True)
class ContractOutcome:
    state: ContractState
    entry: AuditEntry


def transition_contract(
    state: ContractState, *, side: str | None, to: str, note: str = ""
) -> ContractOutcome:
    """One party's step on a contract. "signed" records that side's signature; the contract is signed once both
    have signed. "terminated" needs a reason."""
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
        new = ContractState(status, signed_a, signed_b)
        return ContractOutcome(new, AuditEntry(f"signed_by_{side}", state.status, status, note.strip()))
    if to == ContractStatus.terminated and not note.strip():
        raise ReasonRequired()
    new = ContractState(to, state.signed_by_a, state.signed_by_b)
    return ContractOutcome(new, AuditEntry("transition", state.status, to, note.strip()))


def transition_milestone(
    *, contract_status: str, milestone_id: int, current: str, side: str | None, to: str
) -> AuditEntry:
    """One step of a milestone: pending → delivered (provider) → accepted (client) → paid (client)."""
    if side not in ("a", "b"):
        raise WrongSide(None)
    if contract_status not in MILESTONE_CONTRACT_STATES:
        raise ContractNotActive(contract_status)
    allowed = MILESTONE_ALLOWED.get(current, ())
    if to not in allowed:
        raise IllegalTransition(current, to, allowed)
    if MILESTONE_SIDE[to] != side:
        raise WrongSide(MILESTONE_SIDE[to])
    return AuditEntry("milestone", current, to, "", milestone_id)


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
