"""Who is signed in: the session loader, starting a session, the current user or None."""

from flask import session
from flask_login import current_user, login_user

from app.db import get_session
from app.extensions import login_manager
from models import User

# The session key holding the user's session version at login; see accounts.end_sessions.
SESSION_VERSION = "session_version"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or session.get(SESSION_VERSION) != user.session_version:
        return None
    return user


def start_session(user: User) -> None:
    """Log the user in, tying the cookie to their current session version."""
    login_user(user)
    session[SESSION_VERSION] = user.session_version


def current_user_or_none() -> User | None:
    """The logged-in User, or None for a visitor."""
    return current_user._get_current_object() if current_user.is_authenticated else None
