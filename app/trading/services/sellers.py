"""Who sells: the organization that posted a published achievement (every way of selling starts here)."""

from flask_babel import gettext as _
from sqlmodel import Session

from app.market.rules import is_live
from app.platform import permissions
from app.platform.errors import Conflict, Forbidden, NotFound
from models import Achievement, User


def own_achievement(session: Session, user: User | None, achievement_id: int) -> Achievement:
    """The seller's published achievement; another's is a 403, an unknown or unpublished one a 404."""
    user = permissions.require_member(user)
    achievement = session.get(Achievement, achievement_id)
    if achievement is None or not (is_live(achievement) or permissions.owns(user, achievement)):
        raise NotFound(_("No such listing."))
    if not permissions.owns(user, achievement):
        raise Forbidden(_("Only the organization that posted this achievement can sell it."))
    if not is_live(achievement):
        raise Conflict(_("Publish the achievement before selling it."))
    return achievement
