"""Who may read a confidential need's details: the owner, the bureau, organizations the owner approved; and
the log of each reading by someone else, which the owner sees."""

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.market import rules
from app.platform.errors import Forbidden, NotFound
from app.platform.permissions import is_bureau, is_member, may_see_unpublished, owns
from models import DetailView, Need, NeedAccess, Organization, User


def can_see_details(session: Session, user: User | None, need: Need) -> bool:
    """Confidential details: the owner, the bureau, and organizations the owner approved."""
    if not need.confidential or owns(user, need) or is_bureau(user):
        return True
    if not is_member(user):
        return False
    return session.get(NeedAccess, (need.id, user.org_id)) is not None


def reveal_details(session: Session, user: User | None, need: Need) -> bool:
    """`can_see_details`, and when the answer is yes for someone other than the owner, log that view."""
    if not can_see_details(session, user, need):
        return False
    log_detail_view(session=session, user=user, need=need)
    return True


def grant_details(*, session: Session, need_id: int, org_id: int, user: User) -> None:
    """Let another organization read a confidential need's details."""
    need = session.get(Need, need_id)
    if need is None or not (rules.is_live(need) or may_see_unpublished(user, need)):
        raise NotFound(_("No such listing."))
    if not owns(user, need):
        raise Forbidden(_("Only the organization that posted this listing may change it."))
    if session.get(NeedAccess, (need_id, org_id)) is None:
        session.add(NeedAccess(need_id=need_id, org_id=org_id))
        session.commit()


def log_detail_view(*, session: Session, user: User | None, need: Need) -> None:
    """Record that someone other than the owner read a confidential need's details (called where they are shown)."""
    if user is None or not need.confidential or owns(user, need):
        return
    assert need.id is not None and user.id is not None  # stored rows
    session.add(DetailView(need_id=need.id, user_id=user.id, org_id=user.org_id))
    session.commit()


def detail_views(*, session: Session, user: User, need_id: int) -> list[DetailView]:
    """Who read the confidential details of the user's own need, and when (newest first)."""
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
        "user": viewer.name if viewer else None,
        "organization": org.name if org else None,
        "bureau": view.org_id is None,
        "viewed_at": view.viewed_at.isoformat(),
    }
