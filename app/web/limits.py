"""Rate limits (Flask-Limiter): login per account and per address, registration, tokens, every write, feedback,
objections per address and per application.

Each limit is a setting (`RATE_LIMIT_*`, in the library's notation: "5 per minute; 20 per hour"), read on
every request. Counters live in `RATELIMIT_STORAGE_URI`: memory by default, which is per process; several
processes or hosts must share one store (for example `redis://host:6379`) for a limit to mean what it says.
The HTML form and the API call that do the same thing share one counter, so switching doors does not help.
"""

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many

from app.platform.errors import ServiceError
from app.web.identity import current_user_or_none


def client_address() -> str:
    """The caller's address as the app sees it (behind a proxy, configure ProxyFix so this is the client's)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """The account a login names, so guessing one account's password is slowed from every address."""
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            data = None  # the view answers 400 for such a body
        email = data.get("email") if isinstance(data, dict) else None
    else:
        email = request.form.get("email")
    return f"account:{str(email or '').strip().lower()[:254]}"


def user_key() -> str:
    """The signed-in user (session or bearer token); visitors are counted by address."""
    # Imported here: both modules import the route modules that import this one.
    from app.api.helpers import api_user
    from app.web.identity import current_user_or_none

    if request.path.startswith("/api/"):
        try:
            user = api_user()
        except ServiceError:
            user = None  # the view answers 401 itself; until then the caller is only an address
    else:
        user = current_user_or_none()
    return f"user:{user.id}" if user is not None else f"address:{client_address()}"


def application_key() -> str:
    """The application an objection is raised against (its page and its API call name it the same way)."""
    return f"application:{(request.view_args or {}).get('application_id')}"


def _setting(name: str):
    return lambda: current_app.config[name]


def _failed_login(response) -> bool:
    # A failed HTML login re-renders the form (422); a failed token request answers 401.
    return response.status_code in (401, 422)


limiter = Limiter(key_func=client_address)

# One decorator per kind of action; each is applied to the HTML route and the API call alike.
login_by_address = limiter.shared_limit(
    _setting("RATE_LIMIT_LOGIN_ADDRESS"), scope="login-address", key_func=client_address, methods=["POST"]
)
login_by_account = limiter.shared_limit(
    _setting("RATE_LIMIT_LOGIN_ACCOUNT"),
    scope="login-account",
    key_func=account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
registration = limiter.shared_limit(
    _setting("RATE_LIMIT_REGISTRATION"), scope="registration", key_func=client_address, methods=["POST"]
)
token_creation = limiter.shared_limit(
    _setting("RATE_LIMIT_TOKEN"), scope="token", key_func=client_address, methods=["POST"]
)
writes = limiter.shared_limit(
    _setting("RATE_LIMIT_WRITE"), scope="write", key_func=user_key, methods=["POST", "PUT", "PATCH", "DELETE"]
)


def signer_account_key() -> str:
    """The signed-in user's account, keyed like a login naming it (`account_key`)."""
    user = current_user_or_none()
    return f"account:{str(user.email if user else '').strip().lower()[:254]}"


# Typing one's password again (signing a contract) counts with the logins to the same account: a stolen session
# cannot guess the password faster there than at the login form.
password_confirmation = limiter.shared_limit(
    _setting("RATE_LIMIT_LOGIN_ACCOUNT"),
    scope="login-account",
    key_func=signer_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
feedback = limiter.shared_limit(
    _setting("RATE_LIMIT_FEEDBACK"), scope="feedback", key_func=user_key, methods=["POST"]
)

# Anyone may object without an account: each address is slowed, and so is the flood one application can receive
# from many addresses (the bureau must read every objection before it files a center).
objection_by_address = limiter.shared_limit(
    _setting("RATE_LIMIT_OBJECTION_ADDRESS"),
    scope="objection-address",
    key_func=client_address,
    methods=["POST"],
)
objection_by_application = limiter.shared_limit(
    _setting("RATE_LIMIT_OBJECTION_APPLICATION"),
    scope="objection-application",
    key_func=application_key,
    methods=["POST"],
)


LIMIT_SETTINGS = (
    "RATE_LIMIT_LOGIN_ADDRESS",
    "RATE_LIMIT_LOGIN_ACCOUNT",
    "RATE_LIMIT_REGISTRATION",
    "RATE_LIMIT_TOKEN",
    "RATE_LIMIT_WRITE",
    "RATE_LIMIT_FEEDBACK",
    "RATE_LIMIT_OBJECTION_ADDRESS",
    "RATE_LIMIT_OBJECTION_APPLICATION",
)


def init_app(app: Flask) -> None:
    """Check every limit setting now (a typo must stop the start, not fail requests later), then bind."""
    for name in LIMIT_SETTINGS:
        try:
            parse_many(app.config[name])
        except ValueError as exc:
            raise ValueError(
                f"{name}={app.config[name]!r} is not a rate limit like '5 per minute': {exc}"
            ) from None
    limiter.init_app(app)


def retry_after_seconds() -> int:
    """Whole seconds until the limit this request broke lets the next one through (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
