"""Accounts in the browser: register an organization, log in, log out."""

from flask import Blueprint
from flask_login import current_user

from app.db import get_session
from app.extensions import login_manager
from models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def current_user_or_none() -> User | None:
    """The logged-in User, or None for a visitor."""
    return current_user._get_current_object() if current_user.is_authenticated else None


from app.auth import routes  # noqa: E402,F401
