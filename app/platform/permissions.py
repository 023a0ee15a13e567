"""Who may do what: the one place views, API routes and services ask.

Predicates (`is_*`, `may_*`, `owns`, `manages`, `side_of`) read the user and the row, never the request, and answer
yes or no; the `require_*` functions turn a "no" into the `Forbidden` every caller shows the same way (403 in the
browser and in the API, with the message in the user's language). A predicate that needs the database takes the
session as its first argument. This module imports models and platform errors only, never a domain package, so
every domain's services can ask it.

Roles: the bureau oversees everything and writes nothing of an organization's own; experts belong to no
organization and only score what they are assigned; enterprise and center users act for their organization.
"""

from collections.abc import Mapping
from typing import TypeGuard

from flask_babel import gettext as _
from sqlmodel import Session, col, or_, select

from app.platform.errors import Forbidden
from models import Center, CenterApplication, CenterMember, Organization, Role, User

# --- who the user is ----------------------------------------------------------------------------------------------


def is_bureau(user: User | None) -> TypeGuard[User]:
    """The city bureau's staff: they oversee every listing, deal and center."""
    return user is not None and user.role == Role.bureau


def is_expert(user: User | None) -> TypeGuard[User]:
    """An expert account: scores applications and evaluations it is assigned, belongs to no organization."""
    return user is not None and user.role == Role.expert


def is_member(user: User | None) -> TypeGuard[User]:
    """A user who acts for an organization (enterprise, university, institute, center): bureau and expert
    accounts are not."""
    return user is not None and user.org_id is not None


def require_login(user: User | None) -> User:
    if user is None:
        raise Forbidden(_("Please log in first."))
    return user


def require_bureau(user: User | None, message: str | None = None) -> User:
    """The bureau only; `message` names the act when the generic refusal would not say enough."""
    user = require_login(user)
    if not is_bureau(user):
        raise Forbidden(message or _("Only the industry and IT bureau may do this."))
    return user


def require_expert(user: User | None) -> User:
    if not is_expert(user):
        raise Forbidden(_("Only expert accounts may do this."))
    return user


def require_member(user: User | None, message: str | None = None) -> User:
    """A user of an organization: expressing interest, applying, recording anything of one's own."""
    user = require_login(user)
    if not is_member(user):
        raise Forbidden(message or _("Only users of an organization can do this."))
    return user


# --- what the user's organization owns ------------------------------------------------------------------------------


def acts_for(user: User | None, org_id: int | None) -> TypeGuard[User]:
    """The user is a user of this organization (an applicant, a party, an owner)."""
    return is_member(user) and org_id is not None and user.org_id == org_id


def owns(user: User | None, row) -> bool:
    """The user acts for the organization that owns the row (its `org_id`): a listing, a center it runs."""
    return acts_for(user, row.org_id)


def require_owner(user: User | None, row, message: str) -> None:
    if not owns(user, row):
        raise Forbidden(message)


def may_see_unpublished(user: User | None, row) -> bool:
    """A draft, closed or expired listing: its own organization and the supervising bureau; to anyone else it
    does not exist (the caller answers 404)."""
    return owns(user, row) or is_bureau(user)


def may_post(
    user: User | None,
    poster_role: Role | None,
    *,
    also: tuple[Role, ...] = (),
    org_kind: str | None = None,
    org_kinds: frozenset | None = None,
) -> bool:
    """A kind of listing is posted by one role (needs by enterprises, achievements and services by centers),
    sometimes by others as well (`also`), and sometimes only by some kinds of organization (`org_kinds`, read
    against the user's organization's `org_kind`: finance products by finance organizations), always for the
    user's organization."""
    roles = () if poster_role is None else (poster_role, *also)
    if not (is_member(user) and user.role in roles):
        return False
    return org_kinds is None or org_kind in org_kinds


def require_poster(
    user: User | None,
    poster_role: Role | None,
    *,
    also: tuple[Role, ...] = (),
    org_kind: str | None = None,
    org_kinds: frozenset | None = None,
) -> None:
    require_login(user)
    if not may_post(user, poster_role, also=also, org_kind=org_kind, org_kinds=org_kinds):
        raise Forbidden(_("Your role may not post this kind of listing."))


def is_finance_org(session: Session, user: User | None) -> bool:
    """The user acts for a finance organization (a bank, guarantor or venture fund: OrgKind.finance)."""
    if not is_member(user):
        return False
    org = session.get(Organization, user.org_id)
    return org is not None and org.kind == "finance"


def may_see_financing_figures(session: Session, user: User | None, row) -> bool:
    """A financing request's use of funds and traction: its organization, the bureau, and finance organizations,
    who are asked to finance it; everyone else (other firms, centers, experts, visitors) reads the summary."""
    return owns(user, row) or is_bureau(user) or is_finance_org(session, user)


# --- the two sides of a deal ---------------------------------------------------------------------------------------


def side_of(user: User | None, sides: Mapping[str, int | None]) -> str | None:
    """Which side (a key of `sides`, e.g. {"from": .., "to": ..} of an interest or {"a": .., "b": ..} of a
    contract) the user's organization is, or None when it is neither."""
    if not is_member(user):
        return None
    return next((side for side, org_id in sides.items() if org_id == user.org_id), None)


def may_see_deal(user: User | None, sides: Mapping[str, int | None]) -> bool:
    """An interest, its conversation, a contract: the two organizations and the bureau. Anyone else is told it
    does not exist, so a deal's existence never leaks."""
    return side_of(user, sides) is not None or is_bureau(user)


# --- innovation centers --------------------------------------------------------------------------------------------


def centers_of_org(session: Session, org_id: int | None) -> list[Center]:
    """The centers of an organization: the ones it runs, leads (牵头) or is a member unit of, by name.

    This is the one answer to "my organization's centers": the centers a listing may be attached to, the centers
    an organization's profile shows. Which of them the organization may *record* for is `manages`."""
    if org_id is None:
        return []
    member_of = select(CenterMember.center_id).where(CenterMember.org_id == org_id)
    return list(
        session.exec(
            select(Center)
            .where(or_(Center.org_id == org_id, Center.lead_org_id == org_id, col(Center.id).in_(member_of)))
            .order_by(Center.name)
        ).all()
    )


def belongs_to_center(session: Session, user: User | None, center_id: int) -> bool:
    """The user's organization is one of the center's (see `centers_of_org`)."""
    return is_member(user) and any(c.id == center_id for c in centers_of_org(session, user.org_id))


def manages(user: User | None, center: Center) -> bool:
    """The center's own users: those of the organization that runs it. They record its trainings, cooperation,
    first-use flags, reports and incubated enterprises; member units and the lead unit only belong to it."""
    return owns(user, center)


def managed_centers(session: Session, user: User | None) -> list[Center]:
    """The centers the user's organization runs (a subset of `centers_of_org`)."""
    if not is_member(user):
        return []
    return [center for center in centers_of_org(session, user.org_id) if manages(user, center)]


def require_manager(user: User | None, center: Center, message: str | None = None) -> Center:
    """The center, when the user runs it; the bureau only oversees and does not write a center's own records."""
    if not manages(user, center):
        raise Forbidden(message or _("Only the center's own users may record this."))
    return center


def has_center_page(session: Session, user: User | None) -> bool:
    """Whether "My center" (center applications, a center's own records) is of any use to the user: users of a
    center, university or institute (the units that lead and run centers), and any other organization that already
    belongs to a center or has applied to create one. An enterprise with neither (an SME) has nothing there, so its
    header does not offer the page."""
    if not is_member(user):
        return False
    if user.role == Role.center or centers_of_org(session, user.org_id):
        return True
    return (
        session.exec(
            select(CenterApplication.id).where(CenterApplication.applicant_org_id == user.org_id).limit(1)
        ).first()
        is not None
    )


def may_see_center_records(user: User | None, center: Center) -> bool:
    """A center's registry record, evaluations, indicators and flags: the bureau and the center itself. Before
    filing a center has no organization of its own (`Center.org_id`): its lead unit, the applicant, follows it
    then."""
    return (
        is_bureau(user)
        or manages(user, center)
        or (center.org_id is None and acts_for(user, center.lead_org_id))
    )


def may_manage_governance(user: User | None, center: Center) -> bool:
    """A center's decision body, expert committee and members' contributions: kept by the center's own users
    and by the bureau, which files and oversees the center (seed 3(2)2, 5(2))."""
    return is_bureau(user) or manages(user, center)


def may_see_contribution_amounts(user: User | None, center: Center) -> bool:
    """How much each member put in is for the center's own users and the bureau; the public sees who and how."""
    return may_manage_governance(user, center)


# --- incubated enterprises ------------------------------------------------------------------------------------------


def may_list_incubations(user: User | None) -> TypeGuard[User]:
    """Who may open the list of incubated enterprises, in the browser and in the API alike.

    The bureau sees every center's (it counts incubated firms among the city's indicators); a user of an
    organization sees the incubations recorded by the centers it runs *and* the records that name its own
    organization (by credit code) as the incubated enterprise, since a firm may read what a center says about
    it. Any organization may therefore open the list, which is empty when neither applies; an expert belongs to
    no organization and has none to see. Recording and ending an incubation stay with the center's own users
    (`manages`)."""
    return is_bureau(user) or is_member(user)


def require_incubation_reader(user: User | None) -> User:
    user = require_login(user)
    if not may_list_incubations(user):
        raise Forbidden(_("You are not allowed to do this."))
    return user


def may_confirm_incubation(user: User | None, firm_org_id: int | None) -> bool:
    """Who confirms that a center incubates a firm (only confirmed incubations count in the indicators): the
    firm's own users when it has an account here (`firm_org_id`, the organization with its credit code), the
    bureau when it has none. The center that recorded it never confirms its own claim, nor does anyone else."""
    if firm_org_id is not None:
        return is_member(user) and user.org_id == firm_org_id
    return is_bureau(user)
