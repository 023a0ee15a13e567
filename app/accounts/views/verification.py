"""The city bureau's desk: verifying organizations and resolving claims to them."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.accounts.services import organizations
from app.db import get_session
from app.web import limits
from app.web.identity import current_user_or_none

bp = Blueprint("bureau", __name__)


DECISION = "<any(transfer, reject):decision>"
DECISION_MESSAGES = {
    "transfer": lambda: _("The organization now belongs to the claimant; the earlier accounts are closed."),
    "reject": lambda: _("Claim rejected."),
}


@bp.route("/organizations")
@login_required
def desk():
    """Organizations waiting for verification and claims waiting for a decision."""
    session, user = get_session(), current_user_or_none()
    pending_claims = organizations.claims(session=session, user=user)
    return render_template(
        "oversight/organizations.html",
        organizations=organizations.unverified(session=session),
        claims=pending_claims,
    )


@bp.route("/organizations/<int:org_id>/verify", methods=["POST"])
@limits.writes
@login_required
def verify(org_id: int):
    """Mark an organization verified."""
    org = organizations.verify(session=get_session(), user=current_user_or_none(), org_id=org_id)
    flash(_("%(name)s is verified.", name=org.name), "success")
    return redirect(url_for("bureau.desk"))


@bp.route(f"/claims/<int:claim_id>/{DECISION}", methods=["POST"])
@limits.writes
@login_required
def resolve_claim(claim_id: int, decision: str):
    """Transfer the claimed organization to the claimant, or reject the claim."""
    organizations.resolve_claim(
        session=get_session(), user=current_user_or_none(), claim_id=claim_id, decision=decision
    )
    flash(DECISION_MESSAGES[decision](), "success")
    return redirect(url_for("bureau.desk"))
