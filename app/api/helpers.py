"""Bearer-token authentication for the API."""

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from app.accounts.services import accounts
from app.db import get_session
from app.platform.errors import Unauthorized
from models import User


def api_user() -> User | None:
    """The user named by the request's bearer token; a wrong or expired token is an error, none is a visitor."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.api_user = None
        else:
            scheme, _sep, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized(_("Use the header Authorization: Bearer <token>."))
            row = accounts.token_row(session=get_session(), token=token.strip())
            if row is None:
                raise Unauthorized(_("The token is invalid or has expired."))
            g.api_token_id = row.id
            g.api_user = get_session().get(User, row.user_id)
    return g.api_user


def api_token_id() -> int | None:
    """The id of the token this request came with, if any."""
    api_user()
    return g.get("api_token_id")


def token_required(view):
    """Refuse the call with 401 unless a valid bearer token came with it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if api_user() is None:
            raise Unauthorized(_("Please log in first."))
        return view(*args, **kwargs)

    return wrapped


def token_ttl_hours() -> int:
    return current_app.config["API_TOKEN_TTL_HOURS"]
