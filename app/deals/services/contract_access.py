"""What every contract service shares: loading a contract for a user (a party or the bureau; anyone else finds
nothing), its sides, the compare-and-set write on the contract's `version`, retrying an attempt on fresh state,
and the audit row of a step. `contracts`, `contract_texts` and the signing step build on it, so none of them
imports another for these.
"""

from flask_babel import gettext as _
from sqlmodel import Session

from app.deals import rules as deal_rules
from app.platform import audit, permissions
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, NotFound
from models import Contract, User
from models.common import utcnow

RETRIES = 3


def sides(contract: Contract) -> dict[str, int]:
    """ "a" (the client) and "b" (the provider)."""
    return {"a": contract.party_a_org_id, "b": contract.party_b_org_id}


def side_of(user: User | None, contract: Contract) -> str | None:
    """ "a", "b" or None (see `permissions.side_of`)."""
    return permissions.side_of(user, sides(contract))


def get_contract(*, session: Session, user: User | None, contract_id: int) -> Contract:
    """The contract if this user is a party or the bureau; otherwise it does not exist."""
    contract = session.get(Contract, contract_id)
    if contract is None or not permissions.may_see_deal(user, sides(contract)):
        raise NotFound(_("No such contract."))
    return contract


def event(session: Session, contract: Contract, user: User | None, entry: deal_rules.AuditEntry) -> None:
    assert contract.id is not None  # a stored contract
    audit.record(
        session,
        subject="contract",
        subject_id=contract.id,
        action=entry.action,
        actor=user,
        from_state=entry.from_status,
        to_state=entry.to_status,
        note=entry.note or None,
        milestone_id=entry.milestone_id,
    )


def bump(session: Session, contract: Contract, **values) -> bool:
    """Write `values` if the contract is still at the version we read; False if someone else changed it."""
    assert contract.id is not None  # a stored contract
    return versioned_update(
        session, Contract, contract.id, version=contract.version, values={"updated_at": utcnow(), **values}
    )


def with_retries(session: Session, user: User, contract_id: int, attempt):
    """Run `attempt(contract)` on fresh state until its compare-and-set wins; rule refusals propagate."""
    for _try in range(RETRIES):
        contract = get_contract(session=session, user=user, contract_id=contract_id)
        session.refresh(contract)
        result = attempt(contract)
        if result is not None:
            session.commit()
            session.refresh(contract)
            return result
        session.rollback()
    raise Conflict(_("The contract was changed at the same time; please reload and try again."))
