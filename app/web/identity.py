"""Who is signed in: the session loader, starting a session, the current user or None.

A browser session ends after a spell of inactivity (SESSION_IDLE_MINUTES, or the shorter
SESSION_IDLE_MINUTES_OVERSIGHT for the bureau and experts, whose accounts see every organization's records)
and, however active, SESSION_MAX_DAYS after login: a cookie left on a shared computer or copied off one stops
working. Both are read from timestamps the signed session carries, checked here on every request.
"""

from datetime import datetime, timedelta

from flask import current_app, flash, session
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.db import get_session
from app.extensions import login_manager
from models import Role, User
from models.common import utcnow

# The session key holding the user's session version at login; see accounts.end_sessions.
SESSION_VERSION = "session_version"
# When the session began and when it was last used, as POSIX seconds.
SESSION_STARTED = "session_started"
SESSION_SEEN = "session_seen"
# `session_seen` is rewritten at most this often, so not every response has to send a new cookie.
SEEN_RESOLUTION = timedelta(minutes=1)
OVERSIGHT_ROLES = (Role.bureau, Role.expert)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or session.get(SESSION_VERSION) != user.session_version:
        return None
    now = utcnow()
    if _expired(user, now):
        session.clear()
        flash(_("Your session has expired; please log in again."), "info")
        return None
    _mark_seen(now)
    return user


def _expired(user: User, now: datetime) -> bool:
    config = current_app.config
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        # A session from before these timestamps existed: its clock starts now.
        session[SESSION_STARTED] = session[SESSION_SEEN] = now.timestamp()
        return False
    idle = config[
        "SESSION_IDLE_MINUTES_OVERSIGHT" if user.role in OVERSIGHT_ROLES else "SESSION_IDLE_MINUTES"
    ]
    at = now.timestamp()
    return at - seen > idle * 60 or at - started > config["SESSION_MAX_DAYS"] * 86400


def _mark_seen(now: datetime) -> None:
    if now.timestamp() - session.get(SESSION_SEEN, 0) >= SEEN_RESOLUTION.total_seconds():
        session[SESSION_SEEN] = now.timestamp()


def start_session(user: User) -> None:
    """Log the user in, tying the cookie to their current session version and starting its clocks."""
    login_user(user)
    session[SESSION_VERSION] = user.session_version
    session[SESSION_STARTED] = session[SESSION_SEEN] = utcnow().timestamp()


def current_user_or_none() -> User | None:
    """The logged-in User, or None for a visitor."""
    return current_user._get_current_object() if current_user.is_authenticated else None
