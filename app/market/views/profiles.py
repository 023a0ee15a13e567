"""Profiles in the browser: an organization's page, the list of innovation centers and each center's page."""

from flask import Blueprint, render_template, request

from app.accounts.services import organizations
from app.db import get_session
from app.market.services import profiles
from app.platform.permissions import is_bureau
from app.web.identity import current_user_or_none

bp = Blueprint("profiles", __name__)


@bp.route("/organizations/<int:org_id>")
def organization(org_id: int):
    """An organization's profile: description, industries, region, live listings, centers, contacts if entitled;
    for the bureau, the organization's verification and claim history."""
    session, user = get_session(), current_user_or_none()
    profile = profiles.organization_profile(session=session, user=user, org_id=org_id)
    # The bureau also sees its record of the organization: verification, claims and their decisions.
    history = organizations.history(session=session, user=user, org_id=org_id) if is_bureau(user) else None
    return render_template("market/profiles/organization.html", profile=profile, history=history)


@bp.route("/centers")
def centers():
    """The innovation centers, national first, filtered by level and industry."""
    level = request.args.get("level") or None
    industry = request.args.get("industry") or None
    rows = profiles.list_centers(
        session=get_session(), user=current_user_or_none(), level=level, industry=industry
    )
    return render_template("market/profiles/centers.html", centers=rows, level=level, industry=industry)


@bp.route("/centers/<int:center_id>")
def center(center_id: int):
    """A center's profile: who runs it, its member units, its achievements and services, contacts if entitled."""
    profile = profiles.center_profile(session=get_session(), user=current_user_or_none(), center_id=center_id)
    return render_template("market/profiles/center.html", profile=profile)
