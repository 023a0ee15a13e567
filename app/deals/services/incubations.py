"""Incubated enterprises (孵化企业) recorded by the centers that incubate them."""

from flask_babel import gettext as _
from sqlalchemy import false, or_, update
from sqlmodel import Session, col, select

from app.deals import rules
from app.platform import audit
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import (
    is_bureau,
    managed_centers,
    manages,
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
    Incubation,
    IncubationIn,
    IncubationStatus,
    Organization,
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


def create_incubation(*, session: Session, user: User, data: dict) -> Incubation:
    """Record an enterprise that the user's center incubates."""
    incubation_in = parse(IncubationIn, data)
    center = _own_center(session, user, incubation_in.center_id)
    fields = {}
    if not center.offers_incubation:
        fields["center_id"] = _("This center does not offer incubation.")
    if incubation_in.credit_code and not is_valid_credit_code(incubation_in.credit_code.strip().upper()):
        fields["credit_code"] = _(
            "Not a valid unified social credit code (18 characters with a check character)."
        )
    if (
        incubation_in.achievement_id is not None
        and session.get(Achievement, incubation_in.achievement_id) is None
    ):
        fields["achievement_id"] = _("No such listing.")
    if incubation_in.contract_id is not None:
        contract = session.get(Contract, incubation_in.contract_id)
        if (
            contract is None
            or contract.kind != ContractKind.incubation
            or center.org_id not in (contract.party_a_org_id, contract.party_b_org_id)
        ):
            fields["contract_id"] = _("Not an incubation contract of this center.")
    if fields:
        raise Invalid(_("Some fields are not valid."), fields)
    values = incubation_in.model_dump()
    if values["credit_code"]:
        values["credit_code"] = values["credit_code"].strip().upper()
    incubation = Incubation(**values, created_by=user.id)
    session.add(incubation)
    session.flush()
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
    session.commit()
    session.refresh(incubation)
    return incubation


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
    }
