"""The signed-in user's own account: API tokens."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.accounts.services import accounts
from app.db import get_session
from app.web.identity import current_user_or_none

bp = Blueprint("account", __name__)


@bp.route("/tokens")
@login_required
def tokens():
    """The user's API tokens, each with a button to revoke it."""
    rows = accounts.list_tokens(session=get_session(), user=current_user_or_none())
    return render_template("accounts/tokens.html", tokens=rows)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of the user's API tokens."""
    accounts.revoke_token(session=get_session(), user=current_user_or_none(), token_id=token_id)
    flash(_("Token revoked: programs using it can no longer call the API."), "success")
    return redirect(url_for("account.tokens"))
