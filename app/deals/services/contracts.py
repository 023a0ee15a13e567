"""Technology contracts (技术合同): created from an accepted interest, signed by both parties, carried out
milestone by milestone, every change appended to an audit trail that nothing edits.

The rules live in `deal_rules` (pure); this module loads, asks the rules, and writes the new state together with
its audit row in one transaction. Each write updates only the contract `version` it read, so concurrent changes
of one contract are serialised: the loser re-reads and is judged again against the new state.
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.accounts.services import organizations
from app.deals import rules as deal_rules
from app.deals import signing
from app.deals.services import contract_texts, interests, registration
from app.deals.services.contract_access import bump as _bump
from app.deals.services.contract_access import event as _event
from app.deals.services.contract_access import get_contract, side_of
from app.deals.services.contract_access import with_retries as _with_retries
from app.deals.services.interests import contract_side, get_interest, record_feedback
from app.market.services import listings
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import is_bureau
from app.platform.taxonomy import is_industry
from app.platform.validation import parse
from models import (
    AuditEvent,
    CloseReason,
    Contract,
    ContractIn,
    ContractStatus,
    FeedbackLabel,
    Interest,
    InterestStatus,
    ListingStatus,
    Milestone,
    Need,
    Organization,
    User,
)
from models.common import utcnow

ALLOWED = deal_rules.ALLOWED
# A signing date declared at creation may lie this many days back at most (an offline signature shortly before);
# older contracts signed offline need the bureau's confirmation, so one party cannot move a past year's figures.
SIGNED_ON_WINDOW_DAYS = 30


def signed_on_allowed(signed_on: date, today: date | None = None) -> bool:
    """Whether a declared signing date is today or within the last `SIGNED_ON_WINDOW_DAYS` days."""
    today = today or utcnow().date()
    return today - timedelta(days=SIGNED_ON_WINDOW_DAYS) <= signed_on <= today


def list_contracts(*, session: Session, user: User) -> list[Contract]:
    """The contracts of the user's organization (all of them for the bureau), newest first."""
    if user is None:
        raise Forbidden(_("Please log in first."))
    stmt = select(Contract)
    if not is_bureau(user):
        if user.org_id is None:
            return []
        stmt = stmt.where(
            or_(col(Contract.party_a_org_id) == user.org_id, col(Contract.party_b_org_id) == user.org_id)
        )
    return list(session.exec(stmt.order_by(col(Contract.created_at).desc(), col(Contract.id).desc())).all())


def milestones_of(*, session: Session, contract_id: int) -> list[Milestone]:
    return list(
        session.exec(
            select(Milestone)
            .where(col(Milestone.contract_id) == contract_id)
            .order_by(col(Milestone.position))
        ).all()
    )


def _notify_parties(session: Session, contract: Contract, kind: str, except_org: int | None = None) -> None:
    assert contract.id is not None  # a stored contract
    for org_id in (contract.party_a_org_id, contract.party_b_org_id):
        if org_id != except_org:
            notify(
                session=session,
                org_id=org_id,
                kind=kind,
                subject_type="contract",
                subject_id=contract.id,
                text=contract.title,
            )


def create_contract(*, session: Session, user: User, data: dict) -> Contract:
    """A draft contract between the two parties of an accepted interest, with its milestones."""
    contract_in = parse(ContractIn, data)
    interest = get_interest(session=session, user=user, interest_id=contract_in.interest_id)
    if interests.side_of(user, interest) is None:
        raise Forbidden(_("Only the two organizations of this interest can create a contract."))
    if interest.status != InterestStatus.accepted:
        raise Conflict(_("A contract can be created once the interest has been accepted."))
    fields = {}
    if contract_in.technology_amount > contract_in.amount:
        fields["technology_amount"] = _("The technology amount cannot exceed the contract amount.")
    if contract_in.signed_on is not None and not signed_on_allowed(contract_in.signed_on):
        fields["signed_on"] = _(
            "The signing date can only be today or within the last %(days)s days.", days=SIGNED_ON_WINDOW_DAYS
        )
    if contract_in.signed_on and contract_in.ends_on and contract_in.ends_on < contract_in.signed_on:
        fields["ends_on"] = _("The end date is before the signing date.")
    if sum(m.amount for m in contract_in.milestones) > contract_in.amount:
        fields["milestones"] = _("The milestones add up to more than the contract amount.")
    if not is_industry(contract_in.field):
        fields["field"] = _("Unknown industry.")
    if fields:
        raise Invalid(_("Some fields are not valid."), fields)
    parties = contract_side(interest)
    values = contract_in.model_dump(exclude={"milestones", "interest_id"})
    assert interest.id is not None  # a stored interest
    contract = Contract(
        **values,
        interest_id=interest.id,
        party_a_org_id=parties["a"],
        party_b_org_id=parties["b"],
        created_by=user.id,
    )
    session.add(contract)
    session.flush()
    assert contract.id is not None  # given by the flush
    for position, milestone in enumerate(contract_in.milestones, start=1):
        session.add(Milestone(contract_id=contract.id, position=position, **milestone.model_dump()))
    session.flush()
    contract_texts.first_version(session, contract, user)
    _event(session, contract, user, deal_rules.AuditEntry("created", None, ContractStatus.draft))
    _notify_parties(session, contract, "contract_created", except_org=user.org_id)
    session.commit()
    session.refresh(contract)
    return contract


def _refusal(exc: deal_rules.RuleError, current: str) -> Exception:
    """A rule's refusal as a 4xx in the user's language; an illegal step names the allowed ones."""
    if isinstance(exc, deal_rules.IllegalTransition):
        allowed = ", ".join(exc.allowed) or _("none")
        return Conflict(
            _(
                "The status is %(status)s; it cannot become %(target)s. Allowed: %(allowed)s.",
                status=exc.current,
                target=exc.target,
                allowed=allowed,
            ),
            {"to": ", ".join(exc.allowed)},
        )
    if isinstance(exc, deal_rules.AlreadySigned):
        return Conflict(_("Your organization has already signed; the other party has not yet."))
    if isinstance(exc, deal_rules.ReasonRequired):
        return Invalid(_("Some fields are not valid."), {"note": _("This field is required.")})
    if isinstance(exc, deal_rules.AlreadyConfirmed):
        return Conflict(
            _("Your organization has already confirmed completion; awaiting the other party's confirmation.")
        )
    if isinstance(exc, deal_rules.MilestonesOpen):
        return Conflict(
            _(
                "The contract can be completed once every milestone is finished. Still open: %(titles)s.",
                titles="、".join(exc.titles),
            )
        )
    if isinstance(exc, deal_rules.EarlierMilestoneOpen):
        return Conflict(
            _(
                "Milestones are carried out in order: first finish the earlier milestone “%(title)s”.",
                title=exc.title,
            )
        )
    if isinstance(exc, deal_rules.ContractNotActive):
        return Conflict(_("Not possible while the contract is %(status)s.", status=current))
    if isinstance(exc, deal_rules.WrongSide) and exc.required:
        return Forbidden(_("Only party %(side)s of the contract can do this.", side=exc.required.upper()))
    return Forbidden(_("Only the parties of the contract can change it."))


def transition_contract(
    *,
    session: Session,
    user: User,
    contract_id: int,
    to: str,
    note: str = "",
    text_sha256: str | None = None,
    credential: str | None = None,
    method: str | None = None,
    address: str = "",
) -> Contract:
    """Sign, start, complete or terminate a contract, as one of its parties.

    Signing names the SHA-256 of the current text (`text_sha256`) and proves the signer with `credential` by the
    `signing` method (None: the config's); the signature row is written with the contract's change, after the
    hash was compared with the text stored now (see `contract_texts`)."""
    proof: dict[str, signing.SignatureRecord] = {}

    def attempt(contract: Contract):
        side = side_of(user, contract)
        state = deal_rules.ContractState(
            contract.status,
            contract.signed_by_a_at is not None,
            contract.signed_by_b_at is not None,
            completed_by_a=contract.completed_by_a_at is not None,
            completed_by_b=contract.completed_by_b_at is not None,
        )
        try:
            outcome = deal_rules.transition_contract(
                state, side=side, to=to, note=note or "", open_milestones=_open_milestones(session, contract)
            )
        except deal_rules.RuleError as exc:
            raise _refusal(exc, contract.status) from None
        values: dict[str, object] = {"status": outcome.state.status}
        if to == ContractStatus.completed:
            values["completed_by_a_at" if side == "a" else "completed_by_b_at"] = utcnow()
        if to == ContractStatus.signed:
            org = session.get(Organization, user.org_id)
            if not organizations.can_sign_contracts(org):
                raise Forbidden(
                    _("Your organization may not sign contracts until the bureau has verified it.")
                )
            from app.trading.services import price_notices  # trading builds on deals, not the other way

            price_notices.require_cleared(session, contract)
            text = contract_texts.signable(session=session, contract=contract, text_sha256=text_sha256)
            if "record" not in proof:  # the credential is checked once, not on every retry
                proof["record"] = signing.signer(method).sign(
                    session=session,
                    user=user,
                    credential=credential,
                    text_sha256=text.sha256,
                    address=address,
                )
            values["signed_by_a_at" if side == "a" else "signed_by_b_at"] = proof["record"].signed_at
            if outcome.state.status == ContractStatus.signed and contract.signed_on is None:
                values["signed_on"] = utcnow().date()
        if to == ContractStatus.terminated:
            values["terminated_reason"] = outcome.entry.note
        if not _bump(session, contract, **values):
            return None
        if to == ContractStatus.signed:
            assert side is not None  # the rules let only a party sign
            contract_texts.add_signature(session, contract, text, side, proof["record"])
        _event(session, contract, user, outcome.entry)
        if outcome.state.status == ContractStatus.signed and contract.status != ContractStatus.signed:
            interest = session.get(Interest, contract.interest_id)
            assert interest is not None  # a contract's interest is never deleted
            record_feedback(session=session, interest=interest, label=FeedbackLabel.contracted)
            _notify_parties(session, contract, "contract_signed")
        elif outcome.state.status == ContractStatus.completed and contract.status != ContractStatus.completed:
            _notify_parties(session, contract, "contract_transition", except_org=user.org_id)
            _ask_need_owner_to_close(session, contract)
        else:
            _notify_parties(session, contract, "contract_transition", except_org=user.org_id)
        return contract

    return _with_retries(session, user, contract_id, attempt)


def _open_milestones(session: Session, contract: Contract) -> tuple[str, ...]:
    """The titles of the contract's unfinished milestones, in order (completion waits for them)."""
    assert contract.id is not None  # a stored contract
    return tuple(
        m.title
        for m in milestones_of(session=session, contract_id=contract.id)
        if not deal_rules.milestone_done(m.kind, m.status)
    )


def _earlier_open(milestones: list[Milestone], milestone: Milestone) -> str | None:
    """The title of the first unfinished milestone before this one (milestones run in order)."""
    return deal_rules.first_open(
        [(m.kind, m.status, m.title) for m in milestones if m.position < milestone.position]
    )


def transition_milestone(
    *, session: Session, user: User, contract_id: int, milestone_id: int, to: str
) -> Milestone:
    """One step of one milestone of a signed contract: a deliverable is delivered (provider) and accepted
    (client); a payment is paid (client) and its receipt confirmed (provider). In order of position."""

    def attempt(contract: Contract):
        milestone = session.get(Milestone, milestone_id)
        if milestone is None or milestone.contract_id != contract.id:
            raise NotFound(_("No such milestone."))
        session.refresh(milestone)
        assert milestone.id is not None and contract.id is not None  # stored rows
        siblings = milestones_of(session=session, contract_id=contract.id)
        for sibling in siblings:
            session.refresh(sibling)
        try:
            entry = deal_rules.transition_milestone(
                contract_status=contract.status,
                milestone_id=milestone.id,
                kind=milestone.kind,
                current=milestone.status,
                side=side_of(user, contract),
                to=to,
                earlier_open=_earlier_open(siblings, milestone),
            )
        except deal_rules.RuleError as exc:
            raise _refusal(exc, contract.status) from None
        # The contract's version guards the milestone too: a milestone cannot move while the contract ends.
        if not _bump(session, contract):
            return None
        session.connection().execute(
            update(Milestone).where(col(Milestone.id) == milestone.id).values(status=to, updated_at=utcnow())
        )
        _event(session, contract, user, entry)
        # The notice names the milestone and what it became: "合同《X》的里程碑「样机交付」：已交付".
        notify(
            session=session,
            org_ids=[o for o in (contract.party_a_org_id, contract.party_b_org_id) if o != user.org_id],
            kind="milestone_changed",
            subject_type="contract",
            subject_id=contract.id,
            text=contract.title,
            state=to,
            detail=milestone.title,
        )
        return milestone

    milestone = _with_retries(session, user, contract_id, attempt)
    session.refresh(milestone)
    return milestone


def need_of(session: Session, contract: Contract) -> Need | None:
    """The need the contract's interest concerns, as its target or the need it went through (`via`)."""
    interest = session.get(Interest, contract.interest_id)
    if interest is None:
        return None
    if interest.target_type == "need":
        return session.get(Need, interest.target_id)
    if interest.via_type == "need" and interest.via_id is not None:
        return session.get(Need, interest.via_id)
    return None


def _ask_need_owner_to_close(session: Session, contract: Contract) -> None:
    """A completed contract solved the need it came from: its owner is asked to close it as solved here."""
    need = need_of(session, contract)
    if need is None or need.status == ListingStatus.closed:
        return
    assert contract.id is not None  # a stored contract
    notify(
        session=session,
        org_id=need.org_id,
        kind="contract_completed_need",
        subject_type="contract",
        subject_id=contract.id,
        text=need.title,
    )


def need_to_close(*, session: Session, user: User | None, contract: Contract) -> Need | None:
    """The need this user may now close as solved by this contract: the contract is completed, the user's
    organization posted the need, and the need is not closed yet (for the page's button)."""
    if contract.status != ContractStatus.completed:
        return None
    need = need_of(session, contract)
    if need is None or need.status == ListingStatus.closed or not permissions.owns(user, need):
        return None
    return need


def close_need_as_solved(*, session: Session, user: User, contract_id: int) -> Need:
    """Close the need a completed contract came from as solved on this platform, linking the contract. Only the
    need's owner; the listing's own rules and audit row apply (`listings.set_status`)."""
    contract = get_contract(session=session, user=user, contract_id=contract_id)
    need = need_of(session, contract)
    if need is None:
        raise Conflict(_("This contract did not come from a technical need."))
    if not permissions.owns(user, need):
        raise Forbidden(_("Only the organization that posted the need may close it."))
    if contract.status != ContractStatus.completed:
        raise Conflict(
            _("The need can be closed as solved here once both parties have completed the contract.")
        )
    assert need.id is not None and contract.id is not None  # stored rows
    closed = listings.set_status(
        session=session,
        kind="need",
        listing_id=need.id,
        user=user,
        action="close",
        reason=CloseReason.solved_here,
        contract_id=contract.id,
    )
    assert isinstance(closed, Need)
    return closed


def set_registration_number(*, session: Session, user: User, contract_id: int, number: str) -> Contract:
    """Record the registration number (登记编号) given by the technology contract registration office: the
    older one-box step, now the registration's `registered` status (see `registration.record_number`)."""
    registration.record_number(session=session, user=user, contract_id=contract_id, number=number)
    return get_contract(session=session, user=user, contract_id=contract_id)


def contract_audit(*, session: Session, user: User, contract_id: int) -> list[AuditEvent]:
    """Every change of the contract and its milestones, oldest first."""
    contract = get_contract(session=session, user=user, contract_id=contract_id)
    assert contract.id is not None  # a stored contract
    return audit.history(session, "contract", contract.id)


def event_to_public(*, session: Session, event: AuditEvent) -> dict:
    who = session.get(User, event.actor_id) if event.actor_id else None
    return {
        "id": event.id,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "note": event.data.get("note", ""),
        "milestone_id": event.data.get("milestone_id"),
        "at": event.occurred_at.isoformat(),
        "user": who.name if who else None,
    }


def completion(contract: Contract) -> dict[str, bool]:
    """Which sides have confirmed completion."""
    return {"a": contract.completed_by_a_at is not None, "b": contract.completed_by_b_at is not None}


def allowed_for(user: User | None, contract: Contract) -> list[str]:
    """The statuses this user may move the contract to now (for buttons): a side that already signed, or
    already confirmed completion, waits for the other."""
    side = side_of(user, contract)
    if side is None:
        return []
    done: dict[str, object] = {
        ContractStatus.signed: contract.signed_by_a_at if side == "a" else contract.signed_by_b_at,
        ContractStatus.completed: completion(contract)[side],
    }
    return [ContractStatus(s).value for s in ALLOWED[contract.status] if not done.get(s)]


def milestone_allowed_for(
    user: User | None, contract: Contract, milestone: Milestone, earlier_open: str | None = None
) -> list[str]:
    """The steps this user may take on the milestone now: its side's, under a signed contract, in order."""
    side = side_of(user, contract)
    if (
        side is None
        or contract.status not in deal_rules.MILESTONE_CONTRACT_STATES
        or earlier_open is not None
    ):
        return []
    return deal_rules.milestone_steps(kind=milestone.kind, current=milestone.status, side=side)


def milestones_to_public(*, session: Session, user: User | None, contract: Contract) -> list[dict]:
    """The milestones in order, each with the steps the user may take now and, while an earlier one is open,
    the title it waits for."""
    assert contract.id is not None  # a stored contract
    rows = milestones_of(session=session, contract_id=contract.id)
    out = []
    for m in rows:
        waiting = _earlier_open(rows, m)
        out.append(
            {
                "id": m.id,
                "position": m.position,
                "title": m.title,
                "kind": m.kind,
                "due_on": m.due_on.isoformat(),
                "amount": m.amount,
                "status": m.status.value,
                "done": deal_rules.milestone_done(m.kind, m.status),
                "waits_for": waiting,
                "allowed": milestone_allowed_for(user, contract, m, waiting),
            }
        )
    return out


def contract_to_public(*, session: Session, user: User, contract: Contract) -> dict:
    """The contract as the API shows it to a party or the bureau."""
    orgs = {
        o.id: o
        for o in session.exec(
            select(Organization).where(
                col(Organization.id).in_([contract.party_a_org_id, contract.party_b_org_id])
            )
        ).all()
    }
    assert contract.id is not None  # a stored contract
    return {
        "id": contract.id,
        "interest_id": contract.interest_id,
        "kind": contract.kind.value,
        "title": contract.title,
        "status": contract.status.value,
        "amount": contract.amount,
        "technology_amount": contract.technology_amount,
        "currency": contract.currency,
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else None,
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
        "field": contract.field,
        "ip_type": contract.ip_type.value if contract.ip_type else None,
        "registration_number": contract.registration_number,
        "registration": registration.registration_to_public(session=session, user=user, contract=contract),
        "party_a": {
            "id": contract.party_a_org_id,
            "name": orgs[contract.party_a_org_id].name,
            "signed_at": contract.signed_by_a_at.isoformat() if contract.signed_by_a_at else None,
        },
        "party_b": {
            "id": contract.party_b_org_id,
            "name": orgs[contract.party_b_org_id].name,
            "signed_at": contract.signed_by_b_at.isoformat() if contract.signed_by_b_at else None,
        },
        "terminated_reason": contract.terminated_reason,
        "side": side_of(user, contract),
        "allowed": allowed_for(user, contract),
        "roles": deal_rules.roles(contract.kind),
        "completion": completion(contract),
        "milestones": milestones_to_public(session=session, user=user, contract=contract),
        "created_at": contract.created_at.isoformat(),
        "updated_at": contract.updated_at.isoformat(),
        **contract_texts.to_public(session, contract),
    }
