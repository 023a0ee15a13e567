"""A center's governance (seed 3(2)2) and its members' contributions (seed 5(2)).

A center is a legal person with a decision body (决策机构: 理事会 or 董事会) and a technical expert committee
(技术专家委员会); its member units join by shares (入股) or a membership fee (会员费). The center's own users and
the bureau keep both lists; every entry is a row of the center's append-only history. Who sits where is public
on the center's profile; how much each member put in is for the center's own users and the bureau only
(`permissions.may_see_contribution_amounts`).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight.services.access import commit_unique, get_center, log
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.permissions import (
    may_manage_governance,
    may_see_center_records,
    may_see_contribution_amounts,
)
from app.platform.validation import parse
from models import (
    Center,
    CenterContribution,
    CenterFounder,
    CenterGovernanceMember,
    CenterMember,
    CenterStatus,
    ContributionIn,
    GovernanceMemberIn,
    Organization,
    User,
)


def _visible_center(session: Session, user: User | None, center_id: int) -> Center:
    """The center when the user may see it: a filed center is public, one in the procedure is for the bureau and
    its own side (like its profile); anyone else is told it does not exist."""
    center = get_center(session, center_id)
    if center.status != CenterStatus.filed and not may_see_center_records(user, center):
        raise NotFound(_("No such innovation center."))
    return center


def _managed_center(session: Session, user: User | None, center_id: int) -> Center:
    center = _visible_center(session, user, center_id)
    if not may_manage_governance(user, center):
        raise Forbidden(_("Only the center's own users and the bureau may keep its governance."))
    return center


# --- governance ------------------------------------------------------------------------------------------------------


def governance(*, session: Session, user: User | None, center_id: int) -> list[CenterGovernanceMember]:
    """The decision body, then the expert committee; within each, current seats first, by term start."""
    center = _visible_center(session, user, center_id)
    return members_of(session, center)


def members_of(session: Session, center: Center) -> list[CenterGovernanceMember]:
    return list(
        session.exec(
            select(CenterGovernanceMember)
            .where(CenterGovernanceMember.center_id == center.id)
            .order_by(
                col(CenterGovernanceMember.body),
                col(CenterGovernanceMember.term_start).desc(),
                col(CenterGovernanceMember.id),
            )
        ).all()
    )


def add_governance_member(
    *, session: Session, user: User | None, center_id: int, data: dict
) -> CenterGovernanceMember:
    """Seat a member on the decision body or the expert committee for a term; the same person on the same body
    from the same day is recorded once: a second request, concurrent or not, is a 409."""
    center = _managed_center(session, user, center_id)
    member_in = parse(GovernanceMemberIn, data)
    if member_in.term_end is not None and member_in.term_end < member_in.term_start:
        raise Invalid(_("Some fields are not valid."), {"term_end": _("The end is before the start.")})
    assert user is not None and center.id is not None  # _managed_center let only a manager through
    duplicate = _("%(name)s already sits on this body from that day.", name=member_in.name)
    if session.exec(
        select(CenterGovernanceMember.id).where(
            CenterGovernanceMember.center_id == center.id,
            CenterGovernanceMember.body == member_in.body,
            CenterGovernanceMember.name == member_in.name,
            CenterGovernanceMember.term_start == member_in.term_start,
        )
    ).first():
        raise Conflict(duplicate, {"name": duplicate})
    center_id = center.id
    member = CenterGovernanceMember(center_id=center_id, created_by=user.id, **member_in.model_dump())

    def write() -> None:
        session.add(member)
        session.flush()
        log(
            session,
            center_id=center_id,
            event_type="governance_member_added",
            actor=user,
            data={
                "member_id": member.id,
                "body": member_in.body.value,
                "name": member_in.name,
                "role": member_in.role,
                "affiliation": member_in.affiliation,
                "term_start": member_in.term_start.isoformat(),
                "term_end": member_in.term_end.isoformat() if member_in.term_end else None,
            },
        )

    commit_unique(session, duplicate, write)
    session.refresh(member)
    return member


# --- contributions ---------------------------------------------------------------------------------------------------


@dataclass
class ContributionRow:
    contribution: CenterContribution
    org_name: str
    amount: int | None  # None when the reader may not see amounts


def contributions(*, session: Session, user: User | None, center_id: int) -> list[ContributionRow]:
    """The members' contributions, newest first; the amounts only for the center's users and the bureau."""
    center = _visible_center(session, user, center_id)
    return contributions_of(session, center, show_amounts=may_see_contribution_amounts(user, center))


def contributions_of(session: Session, center: Center, *, show_amounts: bool) -> list[ContributionRow]:
    rows = session.exec(
        select(CenterContribution, Organization.name)
        .join(Organization, col(Organization.id) == CenterContribution.org_id)
        .where(CenterContribution.center_id == center.id)
        .order_by(col(CenterContribution.contributed_on).desc(), col(CenterContribution.id).desc())
    ).all()
    return [ContributionRow(row, name, row.amount if show_amounts else None) for row, name in rows]


def contributors(session: Session, center: Center) -> list[Organization]:
    """The organizations that may contribute: the lead unit, the member units and the registered founders."""
    ids = {center.lead_org_id} if center.lead_org_id else set()
    ids |= set(session.exec(select(CenterMember.org_id).where(CenterMember.center_id == center.id)).all())
    ids |= {
        org_id
        for org_id in session.exec(
            select(CenterFounder.org_id).where(CenterFounder.center_id == center.id)
        ).all()
        if org_id is not None
    }
    if not ids:
        return []
    return list(
        session.exec(
            select(Organization).where(col(Organization.id).in_(ids)).order_by(Organization.name)
        ).all()
    )


def record_contribution(
    *, session: Session, user: User | None, center_id: int, data: dict
) -> CenterContribution:
    """A member unit's shares or membership fee, in 元; one of a kind per member and day: a form sent twice, or two
    concurrent requests, record it once and the second is a 409."""
    center = _managed_center(session, user, center_id)
    contribution_in = parse(ContributionIn, data)
    assert user is not None and center.id is not None  # _managed_center let only a manager through
    if contribution_in.org_id not in {o.id for o in contributors(session, center)}:
        raise Invalid(
            _("Some fields are not valid."),
            {"org_id": _("Not a member unit of this center.")},
        )
    duplicate = _("This member's contribution of that kind on that day is already recorded.")
    if session.exec(
        select(CenterContribution.id).where(
            CenterContribution.center_id == center.id,
            CenterContribution.org_id == contribution_in.org_id,
            CenterContribution.kind == contribution_in.kind,
            CenterContribution.contributed_on == contribution_in.contributed_on,
        )
    ).first():
        raise Conflict(duplicate, {"contributed_on": duplicate})
    center_id = center.id
    contribution = CenterContribution(center_id=center_id, created_by=user.id, **contribution_in.model_dump())

    def write() -> None:
        session.add(contribution)
        session.flush()
        log(
            session,
            center_id=center_id,
            event_type="contribution_recorded",
            actor=user,
            data={
                "contribution_id": contribution.id,
                "org_id": contribution_in.org_id,
                "kind": contribution_in.kind.value,
                "amount": contribution_in.amount,
                "contributed_on": contribution_in.contributed_on.isoformat(),
            },
        )

    commit_unique(session, duplicate, write)
    session.refresh(contribution)
    return contribution
