"""Who may read a confidential need's details: the owner, the bureau, and organizations the owner granted access
(授权查看) once they accepted the need's NDA; the owner's grants and revocations; and the log of each reading,
grant, revocation and NDA acceptance, which the owner sees.

A grant is one row per (need, organization), held by a unique constraint: granting inserts "on conflict do
nothing" and then reads the row, so two concurrent grants of the same organization give one row and both callers
get it, without a check-then-insert window.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.market import rules
from app.platform import audit
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.permissions import is_bureau, is_member, may_see_unpublished, owns
from models import (
    DetailView,
    Interest,
    InterestStatus,
    NdaAcceptance,
    Need,
    NeedAccess,
    Organization,
    OrgKind,
    User,
)
from models.common import is_id, utcnow

# --- who reads the details ----------------------------------------------------------------------------------------


def grant_of(session: Session, need_id: int, org_id: int) -> NeedAccess | None:
    """The organization's grant to the need's details, if the owner gave one."""
    return session.exec(
        select(NeedAccess).where(col(NeedAccess.need_id) == need_id, col(NeedAccess.org_id) == org_id)
    ).first()


def nda_accepted(session: Session, need_id: int, org_id: int) -> bool:
    """The organization accepted this need's NDA (any version: an acceptance stays valid when the text changes)."""
    return (
        session.exec(
            select(NdaAcceptance.id).where(
                col(NdaAcceptance.need_id) == need_id, col(NdaAcceptance.org_id) == org_id
            )
        ).first()
        is not None
    )


def can_see_details(session: Session, user: User | None, need: Need) -> bool:
    """Confidential details: the owner, the bureau, and organizations the owner granted access that have accepted
    the need's NDA (every confidential need asks for one: the platform's text or the owner's own)."""
    if not need.confidential or owns(user, need) or is_bureau(user):
        return True
    if not is_member(user) or need.id is None:
        return False
    assert user.org_id is not None  # a member
    return grant_of(session, need.id, user.org_id) is not None and nda_accepted(session, need.id, user.org_id)


def reveal_details(session: Session, user: User | None, need: Need) -> bool:
    """`can_see_details`, and when the answer is yes for someone other than the owner, log that view."""
    if not can_see_details(session, user, need):
        return False
    log_detail_view(session=session, user=user, need=need)
    return True


def log_detail_view(*, session: Session, user: User | None, need: Need) -> None:
    """Record that someone other than the owner read a confidential need's details (called where they are shown)."""
    if user is None or not need.confidential or owns(user, need):
        return
    assert need.id is not None and user.id is not None  # stored rows
    session.add(DetailView(need_id=need.id, user_id=user.id, org_id=user.org_id, event="view"))
    session.commit()


def log_event(*, session: Session, need_id: int, user: User, org_id: int, event: str) -> None:
    """A grant, a revocation or an NDA acceptance as a line of the need's access log (in the caller's
    transaction): `user` acted, `org_id` is the organization the access is about."""
    assert user.id is not None  # a stored user
    session.add(DetailView(need_id=need_id, user_id=user.id, org_id=org_id, event=event))


# --- the owner's grants -------------------------------------------------------------------------------------------


def _need_for(session: Session, user: User | None, need_id: int, *, listing: bool) -> Need:
    """The need whose grants the user manages (its owner) or lists (also the bureau); to anyone else, or for a
    listing they cannot see, it does not exist."""
    need = session.get(Need, need_id)
    if need is None or not (rules.is_live(need) or may_see_unpublished(user, need)):
        raise NotFound(_("No such listing."))
    if owns(user, need):
        return need
    if is_bureau(user):
        if listing:
            return need
        raise Forbidden(_("Only the organization that posted this listing may change it."))
    raise NotFound(_("No such listing."))


def _grantee(session: Session, need: Need, org_id: object) -> Organization:
    """The organization to grant: an existing, active one (a user can log in for it), not the owner itself."""
    if org_id is None or org_id == "":
        raise Invalid(
            _("Some fields are not valid."), {"org_id": _("Choose the organization to grant access.")}
        )
    org = session.get(Organization, org_id) if is_id(org_id) else None
    if org is None or org.kind == OrgKind.bureau or not _active(session, org):
        raise Invalid(_("Some fields are not valid."), {"org_id": _("No such organization on the platform.")})
    if org.id == need.org_id:
        raise Invalid(
            _("Some fields are not valid."),
            {"org_id": _("Your own organization always reads its details; choose another organization.")},
        )
    return org


def _active(session: Session, org: Organization) -> bool:
    return (
        session.exec(
            select(User.id).where(col(User.org_id) == org.id, col(User.active).is_(True)).limit(1)
        ).first()
        is not None
    )


def insert_grant(session: Session, *, need_id: int, org_id: int, granted_by: int | None) -> bool:
    """Add the grant unless it exists (in the caller's transaction); True when this call added it. The unique
    (need_id, org_id) decides between concurrent callers: the loser's insert does nothing."""
    values = {"need_id": need_id, "org_id": org_id, "granted_at": utcnow(), "granted_by": granted_by}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(NeedAccess)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["need_id", "org_id"])
        .returning(col(NeedAccess.id))
    )
    # A row comes back only when this insert added it (rowcount is not reliable for it on every driver).
    return session.connection().execute(statement).first() is not None


def grant_details(*, session: Session, need_id: int, org_id: object, user: User) -> tuple[NeedAccess, bool]:
    """The owner lets another organization read a confidential need's details (once it accepts the NDA).
    Returns the grant and whether this call made it; granting twice is harmless and gives the same grant."""
    need = _need_for(session, user, need_id, listing=False)
    if not need.confidential:
        raise Conflict(_("This need is not confidential: its details are public already."))
    org = _grantee(session, need, org_id)
    assert org.id is not None and user.id is not None  # stored rows
    created = insert_grant(session, need_id=need_id, org_id=org.id, granted_by=user.id)
    grant = grant_of(session, need_id, org.id)
    assert grant is not None and grant.id is not None  # just inserted, or the concurrent caller's
    if created:
        log_event(session=session, need_id=need_id, user=user, org_id=org.id, event="grant")
        audit.record(
            session, subject="need", subject_id=need_id, action="access_granted", actor=user, org_id=org.id
        )
        notify(
            session=session,
            org_id=org.id,
            kind="need_access_granted",
            subject_type="need",
            subject_id=need_id,
            text=need.title,
        )
    session.commit()
    session.refresh(grant)
    return grant, created


def revoke_details(*, session: Session, need_id: int, grant_id: int, user: User) -> None:
    """The owner takes a grant back: the organization no longer reads the details (its NDA acceptance stays, as
    a record of what it agreed to). The delete decides between two concurrent revocations: the second is a 404."""
    need = _need_for(session, user, need_id, listing=False)
    grant = session.get(NeedAccess, grant_id)
    if grant is None or grant.need_id != need.id:
        raise NotFound(_("No such grant."))
    org_id = grant.org_id
    removed = (
        session.connection()
        .execute(delete(NeedAccess).where(col(NeedAccess.id) == grant_id, col(NeedAccess.need_id) == need_id))
        .rowcount
    )
    if removed != 1:
        session.rollback()
        raise NotFound(_("No such grant."))
    log_event(session=session, need_id=need_id, user=user, org_id=org_id, event="revoke")
    audit.record(
        session, subject="need", subject_id=need_id, action="access_revoked", actor=user, org_id=org_id
    )
    notify(
        session=session,
        org_id=org_id,
        kind="need_access_revoked",
        subject_type="need",
        subject_id=need_id,
        text=need.title,
    )
    session.commit()
    session.expire_all()


def list_grants(*, session: Session, user: User | None, need_id: int) -> list[NeedAccess]:
    """The organizations granted access to the need, oldest first: for its owner and the bureau."""
    _need_for(session, user, need_id, listing=True)
    return list(
        session.exec(
            select(NeedAccess)
            .where(col(NeedAccess.need_id) == need_id)
            .order_by(col(NeedAccess.granted_at), col(NeedAccess.id))
        ).all()
    )


def grant_to_public(*, session: Session, grant: NeedAccess) -> dict:
    """A grant as the API shows it; `nda_required`: the grantee must still accept the need's NDA."""
    need = session.get(Need, grant.need_id)
    return {
        "id": grant.id,
        "org_id": grant.org_id,
        "granted_at": grant.granted_at.isoformat(),
        "nda_required": bool(need and need.confidential)
        and not nda_accepted(session, grant.need_id, grant.org_id),
    }


@dataclass(frozen=True)
class GrantRow:
    """A grant as the owner's page shows it."""

    id: int
    org_id: int
    organization: str
    granted_at: datetime
    nda_accepted: bool


def grant_rows(*, session: Session, user: User | None, need_id: int) -> list[GrantRow]:
    rows = []
    for grant in list_grants(session=session, user=user, need_id=need_id):
        org = session.get(Organization, grant.org_id)
        assert grant.id is not None  # stored
        rows.append(
            GrantRow(
                id=grant.id,
                org_id=grant.org_id,
                organization=org.name if org else "",
                granted_at=grant.granted_at,
                nda_accepted=nda_accepted(session, need_id, grant.org_id),
            )
        )
    return rows


def conversation_partners(*, session: Session, user: User, need_id: int) -> list[Organization]:
    """The organizations the owner is in conversation with (a pending or accepted interest either way, about any
    listing) and has not granted yet: the ones it is most likely to grant, offered first on the page."""
    need = _need_for(session, user, need_id, listing=False)
    open_ = col(Interest.status).in_([InterestStatus.pending, InterestStatus.accepted])
    mine = or_(col(Interest.from_org_id) == need.org_id, col(Interest.to_org_id) == need.org_id)
    ids = set()
    for interest in session.exec(select(Interest).where(open_, mine)).all():
        ids.add(interest.to_org_id if interest.from_org_id == need.org_id else interest.from_org_id)
    granted = {
        g.org_id for g in session.exec(select(NeedAccess).where(col(NeedAccess.need_id) == need_id)).all()
    }
    ids -= granted | {need.org_id}
    if not ids:
        return []
    return list(
        session.exec(
            select(Organization).where(col(Organization.id).in_(ids)).order_by(col(Organization.name))
        )
    )


def find_organization(*, session: Session, query: str) -> Organization | None:
    """An organization named exactly, or by its 统一社会信用代码 (case aside): the owner grants someone it knows, so
    there is no browsing of names here."""
    query = (query or "").strip()
    if not query:
        return None
    return session.exec(
        select(Organization).where(
            or_(col(Organization.name) == query, func.upper(col(Organization.credit_code)) == query.upper())
        )
    ).first()


# --- the log ------------------------------------------------------------------------------------------------------


def detail_views(*, session: Session, user: User, need_id: int) -> list[DetailView]:
    """Who read the confidential details of the user's own need, and who was granted, revoked or accepted the NDA,
    and when (newest first)."""
    need = session.get(Need, need_id)
    if need is None or not owns(user, need):
        raise NotFound(_("No such listing."))
    return list(
        session.exec(
            select(DetailView)
            .where(DetailView.need_id == need_id)
            .order_by(col(DetailView.viewed_at).desc(), col(DetailView.id).desc())
        ).all()
    )


def detail_view_to_public(*, session: Session, view: DetailView) -> dict:
    viewer = session.get(User, view.user_id)
    org = session.get(Organization, view.org_id) if view.org_id else None
    return {
        "id": view.id,
        "event": view.event,
        "user": viewer.name if viewer else None,
        "organization": org.name if org else None,
        "bureau": view.org_id is None,
        "viewed_at": view.viewed_at.isoformat(),
    }
