"""Incubated enterprises (孵化企业) recorded by the centers that incubate them, and confirmed by the firm.

A center's record is a claim; the city's `incubated_enterprises` indicator counts it only once confirmed: by the
firm's users when it has an account here (an organization with the record's credit code), by the bureau when it
has none, or at once when the record comes from a signed incubation agreement between the center's organization
and the firm. One firm runs at most one incubation per center at a time (a partial unique index).
"""

from flask_babel import gettext as _
from sqlalchemy import false, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.deals import rules
from app.platform import audit
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import (
    is_bureau,
    managed_centers,
    manages,
    may_confirm_incubation,
    require_incubation_reader,
    require_login,
)
from app.platform.validation import parse
from models import (
    Achievement,
    Center,
    CenterMember,
    Contract,
    ContractKind,
    ContractStatus,
    Incubation,
    IncubationIn,
    IncubationStatus,
    Interest,
    Organization,
    OrgKind,
    User,
    is_valid_credit_code,
)
from models.common import utcnow


def _own_center(session: Session, user: User | None, center_id: int) -> Center:
    """A center the user's organization runs (`permissions.manages`); anyone else's looks missing."""
    require_login(user)
    center = session.get(Center, center_id)
    if center is None or not manages(user, center):
        raise NotFound(_("No such center."))
    return center


def incubation_centers(*, session: Session, user: User | None) -> list[Center]:
    """The centers the user may record an incubated enterprise for: those it runs that offer incubation."""
    return [center for center in managed_centers(session, user) if center.offers_incubation]


# A contract in one of these states was signed by both parties.
SIGNED_STATES = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)
CONFIRM_DECISIONS = ("confirm", "reject")
# How many registered firms the center's form offers to pick from.
FIRM_CHOICES_LIMIT = 200
FIRM_SEARCH_LIMIT = 20
# The notice each decision sends to the center that recorded the incubation.
DECISION_NOTICE = {"confirm": "incubation_confirmed", "reject": "incubation_rejected"}


def firm_org_id(session: Session, credit_code: str | None) -> int | None:
    """The organization registered here with the firm's credit code, if any: its users confirm the record."""
    if not credit_code:
        return None
    return session.exec(select(Organization.id).where(Organization.credit_code == credit_code)).first()


def create_incubation(*, session: Session, user: User, data: dict) -> Incubation:
    """Record an enterprise that the user's center incubates: confirmed at once when it comes from a signed
    incubation agreement with the firm, otherwise awaiting the firm (notified) or, without an account, the
    bureau. A firm the center already incubates is a 409."""
    incubation_in = parse(IncubationIn, data)
    center = _own_center(session, user, incubation_in.center_id)
    fields = {}
    if not center.offers_incubation:
        fields["center_id"] = _("This center does not offer incubation.")
    credit_code = incubation_in.credit_code.strip().upper() if incubation_in.credit_code else None
    if credit_code and not is_valid_credit_code(credit_code):
        fields["credit_code"] = _(
            "Not a valid unified social credit code (18 characters with a check character)."
        )
    if (
        incubation_in.achievement_id is not None
        and session.get(Achievement, incubation_in.achievement_id) is None
    ):
        fields["achievement_id"] = _("No such listing.")
    name = incubation_in.name
    if incubation_in.firm_org_id is not None:
        firm_org = session.get(Organization, incubation_in.firm_org_id)
        if firm_org is None or firm_org.kind != OrgKind.enterprise or firm_org.id == user.org_id:
            fields["firm_org_id"] = _("Not a registered enterprise.")
        elif credit_code and credit_code != firm_org.credit_code:
            fields["credit_code"] = _("Not the credit code of the enterprise chosen.")
        else:
            credit_code, name = firm_org.credit_code, name or firm_org.name
    if not name and "firm_org_id" not in fields:
        fields["name"] = _("Please enter the enterprise's name or choose a registered enterprise.")
    contract = None
    if incubation_in.contract_id is not None:
        contract = session.get(Contract, incubation_in.contract_id)
        if (
            contract is None
            or contract.kind != ContractKind.incubation
            or center.org_id not in (contract.party_a_org_id, contract.party_b_org_id)
        ):
            fields["contract_id"] = _("Not an incubation contract of this center.")
            contract = None
    if fields:
        raise Invalid(_("Some fields are not valid."), fields)
    if contract is not None and credit_code is None:
        # The agreement names the firm: its credit code is the one the center would otherwise type.
        other = session.get(Organization, _other_party(contract, center.org_id))
        credit_code = other.credit_code if other is not None else None
    if credit_code and _running(session, center.id, credit_code):
        raise _already_incubated()
    firm = firm_org_id(session, credit_code)
    values = {**incubation_in.model_dump(exclude={"firm_org_id"}), "credit_code": credit_code, "name": name}
    incubation = Incubation(**values, created_by=user.id)
    agreed = (
        contract is not None
        and firm is not None
        and contract.status in SIGNED_STATES
        and _other_party(contract, center.org_id) == firm
    )
    if agreed:
        incubation.confirmed_at = utcnow()
    session.add(incubation)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent identical record won the partial unique index (one running incubation per firm and center).
        session.rollback()
        raise _already_incubated() from None
    assert incubation.id is not None  # given by the flush
    audit.record(
        session,
        subject="incubation",
        subject_id=incubation.id,
        action="recorded",
        actor=user,
        to_state=incubation.status,
        center_id=incubation.center_id,
    )
    if agreed:
        audit.record(
            session,
            subject="incubation",
            subject_id=incubation.id,
            action="confirmed",
            actor=None,
            contract_id=contract.id if contract is not None else None,
        )
    elif firm is not None and firm != user.org_id:
        notify(
            session=session,
            org_id=firm,
            kind="incubation_to_confirm",
            subject_type="incubation",
            subject_id=incubation.id,
            text=f"{center.name}: {incubation.name}",
        )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _already_incubated() from None
    session.refresh(incubation)
    return incubation


def find_firms(*, session: Session, user: User | None, query: str) -> list[Organization]:
    """Registered enterprises whose name contains `query` or whose credit code starts with it, for a center's
    user to pick the incubated firm instead of retyping a name and code the platform already has."""
    query = query.strip()
    if user is None or user.org_id is None or len(query) < 2:
        return []
    return list(
        session.exec(
            select(Organization)
            .where(
                col(Organization.kind) == OrgKind.enterprise,
                col(Organization.id) != user.org_id,
                or_(
                    col(Organization.name).contains(query, autoescape=True),
                    col(Organization.credit_code).startswith(query.upper(), autoescape=True),
                ),
            )
            .order_by(col(Organization.name))
            .limit(FIRM_SEARCH_LIMIT)
        ).all()
    )


def firm_choices(*, session: Session, user: User | None) -> list[Organization]:
    """The registered organizations a center's user is offered first as the incubated firm: those its
    organization has dealt with (an interest either way, or a contract), at most FIRM_CHOICES_LIMIT; any other
    registered enterprise is found by name or credit code (`find_firms`)."""
    if user is None or user.org_id is None:
        return []
    org = user.org_id
    ids: set[int] = set()
    for a, b in session.exec(
        select(Interest.from_org_id, Interest.to_org_id).where(
            or_(col(Interest.from_org_id) == org, col(Interest.to_org_id) == org)
        )
    ).all():
        ids.update((a, b))
    for a, b in session.exec(
        select(Contract.party_a_org_id, Contract.party_b_org_id).where(
            or_(col(Contract.party_a_org_id) == org, col(Contract.party_b_org_id) == org)
        )
    ).all():
        ids.update((a, b))
    ids.discard(org)
    if not ids:
        return []
    return list(
        session.exec(
            select(Organization)
            .where(col(Organization.id).in_(ids))
            .order_by(col(Organization.name))
            .limit(FIRM_CHOICES_LIMIT)
        ).all()
    )


def _other_party(contract: Contract, org_id: int | None) -> int:
    return contract.party_b_org_id if contract.party_a_org_id == org_id else contract.party_a_org_id


def _running(session: Session, center_id: int | None, credit_code: str) -> bool:
    return (
        session.exec(
            select(Incubation.id).where(
                Incubation.center_id == center_id,
                Incubation.credit_code == credit_code,
                Incubation.status == IncubationStatus.incubating,
            )
        ).first()
        is not None
    )


def _already_incubated() -> Conflict:
    return Conflict(
        _("This center already incubates this enterprise (same credit code); end that incubation first."),
        {"credit_code": _("Already incubated by this center.")},
    )


def confirm_incubation(*, session: Session, user: User, incubation_id: int, decision: str) -> Incubation:
    """The firm (or, for a firm without an account here, the bureau) confirms or rejects a center's record, once.

    Confirmed, it counts in the indicators; rejected, it ends (exited) and never counts. Of two concurrent
    decisions one wins, the other is a 409."""
    require_login(user)
    incubation = session.get(Incubation, incubation_id)
    if incubation is None:
        raise NotFound(_("No such incubated enterprise."))
    firm = firm_org_id(session, incubation.credit_code)
    center = session.get(Center, incubation.center_id)
    if not may_confirm_incubation(user, firm):
        # Those who may read the record learn why they cannot confirm it; to anyone else it does not exist.
        readable = is_bureau(user) or (center is not None and manages(user, center))
        if not readable:
            raise NotFound(_("No such incubated enterprise."))
        raise Forbidden(
            _("Only the incubated enterprise confirms this (the bureau, when it has no account here).")
        )
    if decision not in CONFIRM_DECISIONS:
        raise Invalid(_("Some fields are not valid."), {"decision": _("Not one of the allowed values.")})
    if incubation.confirmed_at is not None or incubation.rejected_at is not None:
        raise _already_decided(incubation)
    now = utcnow()
    values: dict = (
        {"confirmed_at": now, "confirmed_by": user.id}
        if decision == "confirm"
        else {
            "rejected_at": now,
            "status": IncubationStatus.exited,
            "ended_on": incubation.ended_on or now.date(),
        }
    )
    # Only while undecided: of two requests at once, one decides, the other is told.
    changed = (
        session.connection()
        .execute(
            update(Incubation)
            .where(
                col(Incubation.id) == incubation.id,
                col(Incubation.confirmed_at).is_(None),
                col(Incubation.rejected_at).is_(None),
            )
            .values(**values)
        )
        .rowcount
    )
    if changed != 1:
        session.rollback()
        session.refresh(incubation)
        raise _already_decided(incubation)
    assert incubation.id is not None  # a stored incubation
    audit.record(
        session,
        subject="incubation",
        subject_id=incubation.id,
        action="confirmed" if decision == "confirm" else "rejected",
        actor=user,
        from_state=incubation.status,
        to_state=values.get("status", incubation.status),
    )
    if center is not None and center.org_id is not None:
        notify(
            session=session,
            org_id=center.org_id,
            kind=DECISION_NOTICE[decision],
            subject_type="incubation",
            subject_id=incubation.id,
            text=incubation.name,
        )
    session.commit()
    session.refresh(incubation)
    return incubation


def _already_decided(incubation: Incubation) -> Conflict:
    if incubation.confirmed_at is not None:
        return Conflict(_("This incubation has already been confirmed."), {"decision": ""})
    return Conflict(_("This incubation has already been rejected."), {"decision": ""})


def confirmers(*, session: Session, rows: list[Incubation]) -> dict[int, int | None]:
    """For each record, the organization whose users confirm it (None: the bureau does), for the page."""
    codes = {row.credit_code for row in rows if row.credit_code}
    orgs = (
        dict(
            session.exec(
                select(Organization.credit_code, Organization.id).where(
                    col(Organization.credit_code).in_(codes)
                )
            ).all()
        )
        if codes
        else {}
    )
    return {
        row.id: orgs.get(row.credit_code) if row.credit_code else None for row in rows if row.id is not None
    }


def transition_incubation(*, session: Session, user: User, incubation_id: int, to: str) -> Incubation:
    """End an incubation (the firm graduated or exited, see `rules.INCUBATION_ALLOWED`) and tell those who care,
    in the same transaction."""
    incubation = session.get(Incubation, incubation_id)
    if incubation is None:
        raise NotFound(_("No such incubated enterprise."))
    center = _own_center(session, user, incubation.center_id)
    if to not in rules.INCUBATION_TARGETS:
        raise Invalid(_("Some fields are not valid."), {"to": _("Not one of the allowed values.")})
    current = incubation.status
    try:
        rules.end_incubation(current=current, to=to, side=rules.INCUBATION_SIDE)
    except rules.IllegalTransition:
        raise _already_ended(incubation) from None
    # Only from the status the rule was asked about: of two requests at once, one ends it, the other is told.
    changed = (
        session.connection()
        .execute(
            update(Incubation)
            .where(col(Incubation.id) == incubation.id, col(Incubation.status) == current)
            .values(status=to, ended_on=utcnow().date())
        )
        .rowcount
    )
    if changed != 1:
        session.rollback()
        session.refresh(incubation)
        raise _already_ended(incubation)
    assert incubation.id is not None  # a stored incubation
    audit.record(
        session,
        subject="incubation",
        subject_id=incubation.id,
        action=IncubationStatus(to).value,
        actor=user,
        from_state=IncubationStatus.incubating,
        to_state=to,
    )
    _notify_ending(session, center, incubation, to, acting_org=user.org_id)
    session.commit()
    session.refresh(incubation)
    return incubation


def _already_ended(incubation: Incubation) -> Conflict:
    return Conflict(
        _("This incubation has already ended (%(status)s); allowed: none.", status=incubation.status.value),
        {"to": ""},
    )


def _notify_ending(
    session: Session, center: Center, incubation: Incubation, to: str, acting_org: int | None
) -> None:
    """The center's member units and the incubated firm, when it is registered here, learn of the ending; the
    acting organization knows already."""
    orgs = set(session.exec(select(CenterMember.org_id).where(CenterMember.center_id == center.id)).all())
    if incubation.credit_code:
        orgs.update(
            org_id
            for org_id in session.exec(
                select(Organization.id).where(Organization.credit_code == incubation.credit_code)
            ).all()
            if org_id is not None  # stored organizations: always
        )
    assert incubation.id is not None  # a stored incubation
    for org_id in sorted(orgs - {acting_org}):
        notify(
            session=session,
            org_id=org_id,
            kind=rules.INCUBATION_NOTICE[to],
            subject_type="incubation",
            subject_id=incubation.id,
            text=incubation.name,
        )


def list_incubations(*, session: Session, user: User, center_id: int | None = None) -> list[Incubation]:
    """The incubations the user may read (`permissions.may_list_incubations`): the bureau every center's; a user
    of an organization those of the centers it runs and those naming its organization as the incubated firm."""
    require_incubation_reader(user)
    stmt = select(Incubation)
    if not is_bureau(user):
        own = [center.id for center in managed_centers(session, user)]
        org = session.get(Organization, user.org_id)
        named = (
            col(Incubation.credit_code) == org.credit_code if org is not None and org.credit_code else false()
        )
        stmt = stmt.where(or_(col(Incubation.center_id).in_(own), named))
    if center_id is not None:
        stmt = stmt.where(Incubation.center_id == center_id)
    return list(
        session.exec(stmt.order_by(col(Incubation.started_on).desc(), col(Incubation.id).desc())).all()
    )


def incubation_to_public(incubation: Incubation) -> dict:
    return {
        "id": incubation.id,
        "center_id": incubation.center_id,
        "name": incubation.name,
        "credit_code": incubation.credit_code,
        "achievement_id": incubation.achievement_id,
        "contract_id": incubation.contract_id,
        "started_on": incubation.started_on.isoformat(),
        "status": incubation.status.value,
        "ended_on": incubation.ended_on.isoformat() if incubation.ended_on else None,
        "confirmed_at": incubation.confirmed_at.isoformat() if incubation.confirmed_at else None,
        "rejected_at": incubation.rejected_at.isoformat() if incubation.rejected_at else None,
    }
