from flask import render_template, request

from app.auth import current_user_or_none
from app.db import get_session
from app.profiles import bp
from app.services import profiles


@bp.route("/organizations/<int:org_id>")
def organization(org_id: int):
    """An organization's profile: description, industries, region, live listings, centers, contacts if entitled."""
    profile = profiles.organization_profile(session=get_session(), user=current_user_or_none(), org_id=org_id)
    return render_template("profiles/organization.html", profile=profile)


@bp.route("/centers")
def centers():
    """The innovation centers, national first, filtered by level and industry."""
    level = request.args.get("level") or None
    industry = request.args.get("industry") or None
    rows = profiles.list_centers(
        session=get_session(), user=current_user_or_none(), level=level, industry=industry
    )
    return render_template("profiles/centers.html", centers=rows, level=level, industry=industry)


@bp.route("/centers/<int:center_id>")
def center(center_id: int):
    """A center's profile: who runs it, its member units, its achievements and services, contacts if entitled."""
    profile = profiles.center_profile(session=get_session(), user=current_user_or_none(), center_id=center_id)
    return render_template("profiles/center.html", profile=profile)
