"""Public profiles of organizations and innovation centers, with contacts only for those entitled to them.

Anyone may read what an organization says about itself and its live listings. Contact details (person, phone,
email) are for the organization itself, the bureau, and organizations that share an accepted interest with it:
once an owner accepts, both sides are meant to talk, and not before.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlmodel import Session, and_, col, or_, select

from app.market.services.index_documents import IndexedRow
from app.market.services.listings import get_listing
from app.oversight.services import fund, governance
from app.platform import permissions
from app.platform.errors import NotFound
from app.platform.permissions import is_bureau
from models import (
    LISTING_KINDS,
    POSTED_KINDS,
    Achievement,
    Center,
    CenterLevel,
    CenterMember,
    CenterStatus,
    Instrument,
    ListingStatus,
    Organization,
    Service,
    User,
)
from models.common import utcnow
from models.deals import Interest, InterestStatus

LISTINGS_SHOWN = 12


@dataclass(frozen=True)
class Contacts:
    name: str | None
    phone: str | None
    email: str | None


@dataclass
class OrganizationProfile:
    org: Organization
    listings: dict[str, list] = field(default_factory=dict)  # kind → live listings, newest first
    centers: list[Center] = field(default_factory=list)  # public centers it runs or belongs to
    contacts: Contacts | None = None


@dataclass
class CenterProfile:
    center: Center
    org: Organization | None  # None until filing makes the center a legal person (see `Center.org_id`)
    lead_org: Organization | None
    members: list[Organization]
    listings: dict[str, list]  # "achievement" / "service" → live listings attached to the center
    contacts: Contacts | None
    governance: list = field(default_factory=list)  # decision body and expert committee seats
    contributions: list = field(default_factory=list)  # governance.ContributionRow, amounts only if entitled
    amounts_visible: bool = False
    fund_grants: list = field(default_factory=list)  # (application, call) of the development fund's grants


def shares_accepted_interest(session: Session, org_a: int, org_b: int) -> bool:
    """Whether one of the two organizations accepted an interest from the other."""
    pair = or_(
        and_(Interest.from_org_id == org_a, Interest.to_org_id == org_b),
        and_(Interest.from_org_id == org_b, Interest.to_org_id == org_a),
    )
    return (
        session.exec(
            select(Interest.id).where(pair, Interest.status == InterestStatus.accepted).limit(1)
        ).first()
        is not None
    )


def may_see_contacts(session: Session, user: User | None, org_id: int) -> bool:
    if user is None:
        return False
    if is_bureau(user) or user.org_id == org_id:
        return True
    return user.org_id is not None and shares_accepted_interest(session, user.org_id, org_id)


def contacts_of(session: Session, org: Organization) -> Contacts:
    """The contact person and phone given at registration, and the email of the organization's first user."""
    first_user = session.exec(
        select(User).where(col(User.org_id) == org.id, User.active).order_by(col(User.id)).limit(1)
    ).first()
    return Contacts(
        name=org.contact_name, phone=org.contact_phone, email=first_user.email if first_user else None
    )


def _visible_contacts(session: Session, user: User | None, org: Organization) -> Contacts | None:
    assert org.id is not None  # a stored organization
    return contacts_of(session, org) if may_see_contacts(session, user, org.id) else None


def _live(session: Session, kind: str, *conditions) -> list:
    table = POSTED_KINDS[kind].table
    now = utcnow()
    stmt = (
        select(table)
        .where(
            table.status == ListingStatus.published,
            or_(col(table.expires_at).is_(None), col(table.expires_at) > now),
            *conditions,
        )
        .order_by(col(table.updated_at).desc(), col(table.id).desc())
        .limit(LISTINGS_SHOWN)
    )
    return list(session.exec(stmt).all())


def _center_visible(user: User | None, center: Center) -> bool:
    """Filed centers are public; one still in the bureau's procedure is for its own organization and the bureau."""
    return center.status == CenterStatus.filed or permissions.may_see_center_records(user, center)


def organization_profile(*, session: Session, user: User | None, org_id: int) -> OrganizationProfile:
    """An organization's profile: what it says about itself, its live listings, its centers, contacts if entitled."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("No such organization."))
    listings = {
        kind: _live(session, kind, POSTED_KINDS[kind].table.org_id == org_id) for kind in POSTED_KINDS
    }
    centers = permissions.centers_of_org(session, org_id)
    return OrganizationProfile(
        org=org,
        listings=listings,
        centers=[center for center in centers if _center_visible(user, center)],
        contacts=_visible_contacts(session, user, org),
    )


def list_centers(
    *, session: Session, user: User | None, level: str | None = None, industry: str | None = None
) -> list[Center]:
    """Centers the user may see (filed ones for everybody), national first, then by name."""
    stmt = select(Center)
    if not is_bureau(user):
        own = (
            or_(
                Center.org_id == user.org_id,
                and_(col(Center.org_id).is_(None), Center.lead_org_id == user.org_id),
            )
            if user is not None and user.org_id is not None
            else False
        )
        stmt = stmt.where(or_(Center.status == CenterStatus.filed, own))
    if level in CenterLevel.__members__:  # an unknown level is no filter (PostgreSQL would refuse the value)
        stmt = stmt.where(Center.level == level)
    if industry:
        stmt = stmt.where(Center.industry == industry)
    centers = session.exec(stmt.order_by(Center.name)).all()
    rank = {"national": 0, "province": 1, "city": 2}
    return sorted(centers, key=lambda center: rank.get(center.level, 3))


def center_profile(*, session: Session, user: User | None, center_id: int) -> CenterProfile:
    """A center's profile: who runs and leads it, its member units, its live achievements and services."""
    center = session.get(Center, center_id)
    if center is None or not _center_visible(user, center):
        raise NotFound(_("No such innovation center."))
    org = session.get(Organization, center.org_id) if center.org_id is not None else None
    lead = session.get(Organization, center.lead_org_id) if center.lead_org_id else None
    member_ids = select(CenterMember.org_id).where(CenterMember.center_id == center_id)
    amounts_visible = permissions.may_see_contribution_amounts(user, center)
    members = list(
        session.exec(
            select(Organization).where(col(Organization.id).in_(member_ids)).order_by(col(Organization.name))
        ).all()
    )
    listings = {
        kind: _live(session, kind, col(table.center_id) == center_id)
        for kind, table in (("achievement", Achievement), ("service", Service), ("instrument", Instrument))
    }
    return CenterProfile(
        center=center,
        org=org,
        lead_org=lead,
        members=members,
        listings=listings,
        contacts=_visible_contacts(session, user, org) if org is not None else None,
        governance=governance.members_of(session, center),
        contributions=governance.contributions_of(session, center, show_amounts=amounts_visible),
        amounts_visible=amounts_visible,
        fund_grants=fund.grants_of_center(session, center_id),
    )


@dataclass(frozen=True)
class Target:
    """What an expression of interest points at, as a page names it."""

    type: str
    id: int
    title: str
    org_id: int


def target_of(*, session: Session, user: User | None, target_type: str, target_id: int) -> Target:
    """The listing or center the user may see under this type and id; anything else is NotFound."""
    if target_type == "center":
        center = center_profile(session=session, user=user, center_id=target_id).center
        assert center.id is not None  # a stored center
        if center.org_id is None:  # not a legal person yet: nobody to talk to
            raise NotFound(_("No such innovation center."))
        return Target("center", center.id, center.name, center.org_id)
    if target_type not in POSTED_KINDS:
        raise NotFound(_("No such listing."))
    listing = get_listing(session=session, kind=target_type, listing_id=target_id, user=user)
    assert listing.id is not None  # a stored listing
    return Target(target_type, listing.id, listing.title, listing.org_id)


def target_titles(*, session: Session, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Titles of what a list of interests or contracts points at, one query per kind; both parties already know them."""
    titles: dict[tuple[str, int], str] = {}
    tables = {kind: spec.table for kind, spec in LISTING_KINDS.items()}
    for kind, table in tables.items():
        ids = {target_id for target_type, target_id in pairs if target_type == kind}
        if ids:
            for row in session.exec(select(table).where(col(table.id).in_(ids))).all():
                # SQLModel types a query over a union of tables as their base class
                assert isinstance(row, IndexedRow) and row.id is not None
                titles[(kind, row.id)] = row.name if isinstance(row, Center) else row.title
    return titles


def own_live_listings(*, session: Session, user: User | None) -> list[tuple[str, object]]:
    """The (kind, listing) pairs an interest can be sent on behalf of: the user's organization's live listings."""
    if user is None or user.org_id is None:
        return []
    # Instruments are booked, not offered through an interest; a finance product is the offer itself.
    return [
        (kind, listing)
        for kind in POSTED_KINDS
        if kind not in ("instrument", "finance_product")
        for listing in _live(session, kind, POSTED_KINDS[kind].table.org_id == user.org_id)
    ]
