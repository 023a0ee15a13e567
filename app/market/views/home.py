"""The home page, the language switch, and the template filters every page uses."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from app.db import get_session
from app.market.services.listings import browse
from app.ops import health
from app.platform.legal import legal_document, legal_version
from app.web.identity import current_user_or_none
from app.web.input_guards import same_site_path
from app.web.templating import prefetch_cards
from models import POSTED_KINDS

bp = Blueprint("main", __name__)


LATEST = 3
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


@bp.route("/")
def index():
    """The home page: what the platform is, how much is on it, and the newest listings."""
    session, user = get_session(), current_user_or_none()
    latest = {kind: browse(session=session, kind=kind, user=user, per_page=LATEST) for kind in POSTED_KINDS}
    prefetch_cards({kind: page.items for kind, page in latest.items()})
    return render_template("market/home/index.html", latest=latest)


@bp.route("/<any(privacy, terms):name>")
def legal(name: str):
    """The privacy notice or the terms of use, as the operator last edited them."""
    return render_template(
        "market/home/legal.html", name=name, blocks=legal_document(name), version=legal_version()
    )


def _same_site(target: str | None) -> str:
    # Only a path on this site: anything else would turn the switch into an open redirect.
    return same_site_path(target) or url_for("main.index")


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the interface language (a cookie the locale selector reads) and go back."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    target = referrer[len(host) :] if referrer.startswith(host) else request.args.get("next")
    response = redirect(_same_site(target))
    response.set_cookie("lang", code, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
def healthz():
    """Database, search backend and vector store state: 200 when all are ok, 503 otherwise; the embeddings
    service is reported (up, down: "degraded", not configured) without failing the host."""
    healthy, checks = health.check(app=current_app._get_current_object())
    return jsonify(status=health.status_word(healthy, checks), checks=checks), 200 if healthy else 503
