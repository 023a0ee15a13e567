"""Loading a challenge and who runs it: shared by the challenge itself and its expert review, so neither imports
the other to ask."""

from flask_babel import gettext as _
from sqlmodel import Session

from app.platform import permissions
from app.platform.errors import NotFound
from models import Challenge, User


def is_poster(user: User | None, challenge: Challenge) -> bool:
    """The need's organization runs its challenge; the bureau may too."""
    return permissions.is_bureau(user) or permissions.acts_for(user, challenge.poster_org_id)


def get_challenge(*, session: Session, challenge_id: int) -> Challenge:
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound(_("No such challenge."))
    return challenge
