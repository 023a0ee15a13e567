"""What every module of the JSON API shares: bearer-token authentication, the JSON body, the kind of listing a
URL names, the paging arguments, and the dump of a model as JSON."""

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import BaseModel

from app.accounts.services import accounts
from app.db import get_session
from app.platform.errors import MalformedBody, Unauthorized
from app.web.args import int_arg
from indexing.base import MAX_PER_PAGE
from models import POSTED_KINDS, User, kind_at_segment

# The URL segment of a posted kind of listing: needs, achievements or services.
KINDS = f"<any({', '.join(repr(kind.segment) for kind in POSTED_KINDS.values())}):kinds>"


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

    # The OpenAPI document reads this mark to require the bearer scheme on the route.
    wrapped.token_required = True
    return wrapped


def token_ttl_hours() -> int:
    return current_app.config["API_TOKEN_TTL_HOURS"]


def json_body() -> dict:
    """The request's JSON object, or a clear 400 when it is malformed or not an object."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None  # nested deeper than the parser's stack: not a body any client means to send
    if data is None:
        raise MalformedBody(_("The request body is not valid JSON."))
    if not isinstance(data, dict):
        raise MalformedBody(_("The request body must be a JSON object."))
    return data


def kind_name(segment: str) -> str:
    """The kind of listing (need, achievement, service) whose URL segment the route matched."""
    return kind_at_segment(segment).name


def per_page() -> int:
    """`per_page` of a list or a search: the app's page size by default, at most MAX_PER_PAGE."""
    return int_arg("per_page", current_app.config["PAGE_SIZE"], high=MAX_PER_PAGE, strict=True)


def dump(row) -> dict:
    """A model (a table row or a shape) as JSON."""
    return row.model_dump(mode="json")


def dump_as(model: type[BaseModel], row) -> dict:
    """`row` read through `model`, so only the fields `model` publishes leave the app."""
    return model.model_validate(row, from_attributes=True).model_dump(mode="json")
