from flask import current_app, jsonify, request
from flask_babel import gettext as _

from app.accounts.services import accounts, organizations
from app.api import bp
from app.api.helpers import api_token_id, api_user, token_required, token_ttl_hours
from app.api.openapi import openapi_document
from app.db import get_session
from app.market.services import listings, recommendations
from app.market.services.search import find_listings, hit_summary, rows_of_hits, search_listings, sort_name
from app.platform.errors import Invalid, MalformedBody, Unauthorized
from app.platform.legal import legal_version
from app.platform.validation import parse
from app.web import limits
from app.web.args import MAX_PAGE, int_arg
from indexing.base import MAX_PER_PAGE, MAX_TOTAL_HITS
from models import (
    POSTED_KINDS,
    ApiTokenPublic,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    UserPublic,
    kind_at_segment,
)

KINDS = f"<any({', '.join(kind.segment for kind in POSTED_KINDS.values())}):kinds>"
# PATCH status → the action; closing needs "close_reason", and "draft" reopens a closed listing.
STATUS_ACTIONS = {"published": "publish", "closed": "close", "draft": "reopen"}
# The statuses a new listing may start in, and whether that publishes it.
CREATE_STATUSES = {"draft": False, "published": True}


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


def _per_page() -> int:
    return int_arg("per_page", current_app.config["PAGE_SIZE"], high=MAX_PER_PAGE, strict=True)


def _kind(segment: str) -> str:
    return kind_at_segment(segment).name


@bp.post("/auth/token")
@limits.login_by_address
@limits.login_by_account
@limits.token_creation
def issue_token():
    """Exchange email and password for a bearer token."""
    data = json_body()
    user = accounts.authenticate(
        session=get_session(), email=str(data.get("email", "")), password=str(data.get("password", ""))
    )
    if user is None:
        raise Unauthorized(_("Wrong email or password."))
    token, row = accounts.issue_token(session=get_session(), user=user, ttl_hours=token_ttl_hours())
    return jsonify(token=token, token_type="bearer", expires_at=row.expires_at.isoformat())


@bp.delete("/auth/token")
@token_required
def revoke_current_token():
    """Revoke the token this request came with (log out of the API)."""
    accounts.revoke_token(session=get_session(), user=api_user(), token_id=api_token_id())
    return "", 204


@bp.get("/auth/tokens")
@token_required
def list_tokens():
    """The caller's live tokens: when each was created, expires and was last used."""
    rows = accounts.list_tokens(session=get_session(), user=api_user())
    return jsonify(items=[_dump(ApiTokenPublic, row) | {"current": row.id == api_token_id()} for row in rows])


@bp.delete("/auth/tokens/<int:token_id>")
@token_required
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens."""
    accounts.revoke_token(session=get_session(), user=api_user(), token_id=token_id)
    return "", 204


def _dump(model, row) -> dict:
    return model.model_validate(row, from_attributes=True).model_dump(mode="json")


@bp.post("/register")
@limits.registration
def register():
    """Register an organization and its first user."""
    user = accounts.register(
        session=get_session(),
        registration=parse(RegistrationIn, json_body()),
        consent_version=legal_version(),
    )
    org = accounts.get_organization(session=get_session(), org_id=user.org_id)
    return jsonify(
        user=UserPublic.model_validate(user, from_attributes=True).model_dump(mode="json"),
        organization=OrganizationPublic.model_validate(org, from_attributes=True).model_dump(mode="json"),
    ), 201


@bp.get("/organizations/<int:org_id>")
def organization(org_id: int):
    """An organization's public profile."""
    org = accounts.get_organization(session=get_session(), org_id=org_id)
    return jsonify(_dump(OrganizationPublic, org))


@bp.post("/organizations/<int:org_id>/verify")
@token_required
def verify_organization(org_id: int):
    """The bureau confirms an organization is who it says it is."""
    org = organizations.verify(session=get_session(), user=api_user(), org_id=org_id)
    return jsonify(_dump(OrganizationPublic, org))


@bp.post("/organization-claims")
@limits.registration  # a claim is filed without an account, like a registration
def file_organization_claim():
    """A firm whose credit code someone else registered asks the bureau for its organization."""
    claim = organizations.file_claim(session=get_session(), data=json_body())
    return jsonify(id=claim.id, status=claim.status.value), 201


@bp.get("/organization-claims")
@token_required
def list_organization_claims():
    """Claims waiting for the bureau."""
    rows = organizations.claims(session=get_session(), user=api_user())
    return jsonify(items=[_dump(OrganizationClaimPublic, row) for row in rows])


@bp.post("/organization-claims/<int:claim_id>/resolve")
@token_required
def resolve_organization_claim(claim_id: int):
    """The bureau transfers the organization to the claimant or rejects the claim."""
    claim = organizations.resolve_claim(
        session=get_session(),
        user=api_user(),
        claim_id=claim_id,
        decision=str(json_body().get("decision", "")),
    )
    return jsonify(_dump(OrganizationClaimPublic, claim))


@bp.get(f"/{KINDS}")
def list_listings(kinds: str):
    """Live listings with filters and pagination; `mine=1` lists the caller's own in every status."""
    kind, user = _kind(kinds), api_user()
    page = find_listings(
        session=get_session(),
        kind=kind,
        user=user,
        page=int_arg("page", 1, high=MAX_PAGE, strict=True),
        per_page=_per_page(),
        industry=request.args.get("industry") or None,
        mode=request.args.get("mode") or None,
        region=request.args.get("region") or None,
        trl_min=int_arg("trl_min", None, high=9, strict=True),
        q=request.args.get("q") or None,
        mine=request.args.get("mine") == "1",
        sort=sort_name(request.args.get("sort"), strict=True),
    )
    items = [
        listings.to_public(session=get_session(), kind=kind, listing=item, user=user) for item in page.items
    ]
    return jsonify(items=items, total=page.total, page=page.page, pages=page.pages)


@bp.post(f"/{KINDS}")
@limits.writes
@token_required
def create_listing(kinds: str):
    """Post a listing; `"status": "published"` publishes it at once, `"draft"` (the default) does not."""
    data = json_body()
    status = data.pop("status", "draft")
    if not isinstance(status, str) or status not in CREATE_STATUSES:
        raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
    publish = CREATE_STATUSES[status]
    listing = listings.create_listing(
        session=get_session(), kind=_kind(kinds), data=data, user=api_user(), publish=publish
    )
    return jsonify(
        listings.to_public(session=get_session(), kind=_kind(kinds), listing=listing, user=api_user())
    ), 201


@bp.get(f"/{KINDS}/<int:listing_id>")
def get_listing(kinds: str, listing_id: int):
    """One listing; a confidential need's details only for those entitled."""
    listing = listings.get_listing(
        session=get_session(), kind=_kind(kinds), listing_id=listing_id, user=api_user()
    )
    return jsonify(
        listings.to_public(session=get_session(), kind=_kind(kinds), listing=listing, user=api_user())
    )


@bp.patch(f"/{KINDS}/<int:listing_id>")
@limits.writes
@token_required
def update_listing(kinds: str, listing_id: int):
    """Change some fields and, with `status`, publish, close (`close_reason` required; `contract_id` names
    the contract when solved here and there are several) or reopen as a draft (`"status": "draft"`): all of
    it is saved, or nothing."""
    kind, data = _kind(kinds), json_body()
    status, reason = data.pop("status", None), data.pop("close_reason", None)
    contract_id = data.pop("contract_id", None)
    if status is not None and (not isinstance(status, str) or status not in STATUS_ACTIONS):
        raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
    listing = listings.update_listing(
        session=get_session(),
        kind=kind,
        listing_id=listing_id,
        data=data,
        user=api_user(),
        action=STATUS_ACTIONS.get(status),
        reason=reason,
        contract_id=contract_id,
    )
    return jsonify(listings.to_public(session=get_session(), kind=kind, listing=listing, user=api_user()))


@bp.post(f"/{KINDS}/<int:listing_id>/reconfirm")
@limits.writes
@token_required
def reconfirm_listing(kinds: str, listing_id: int):
    """Confirm a listing is still current, extending its expiry."""
    listing = listings.set_status(
        session=get_session(), kind=_kind(kinds), listing_id=listing_id, user=api_user(), action="reconfirm"
    )
    return jsonify(
        listings.to_public(session=get_session(), kind=_kind(kinds), listing=listing, user=api_user())
    )


@bp.delete(f"/{KINDS}/<int:listing_id>")
@limits.writes
@token_required
def delete_listing(kinds: str, listing_id: int):
    """Delete a listing of the caller's organization."""
    listings.delete_listing(session=get_session(), kind=_kind(kinds), listing_id=listing_id, user=api_user())
    return "", 204


@bp.get("/needs/<int:listing_id>/recommendations")
def need_recommendations(listing_id: int):
    """Whom to commission, what to license, or where to incubate, for one need."""
    return jsonify(
        recommendations.recommend(
            session=get_session(),
            query_type="need",
            query_id=listing_id,
            user=api_user(),
            rec_kind=request.args.get("kind", "commission"),
            k=int_arg("k", 10, high=recommendations.MAX_K, strict=True),
        )
    )


@bp.get("/achievements/<int:listing_id>/recommendations")
def achievement_recommendations(listing_id: int):
    """The needs one achievement fits, or where to incubate it."""
    return jsonify(
        recommendations.recommend(
            session=get_session(),
            query_type="achievement",
            query_id=listing_id,
            user=api_user(),
            rec_kind=request.args.get("kind", "needs"),
            k=int_arg("k", 10, high=recommendations.MAX_K, strict=True),
        )
    )


@bp.get("/services/<int:listing_id>/recommendations")
def service_recommendations(listing_id: int):
    """The needs one service fits."""
    return jsonify(
        recommendations.recommend(
            session=get_session(),
            query_type="service",
            query_id=listing_id,
            user=api_user(),
            rec_kind=request.args.get("kind", "needs"),
            k=int_arg("k", 10, high=recommendations.MAX_K, strict=True),
        )
    )


@bp.post("/recommendations/feedback")
@limits.feedback
@token_required
def recommendation_feedback():
    """Record that the caller dismissed, showed interest in, or contracted a recommendation."""
    row, created = recommendations.record_feedback(session=get_session(), user=api_user(), data=json_body())
    return jsonify(id=row.id, label=row.label), 201 if created else 200


@bp.get("/search")
def search():
    """Full-text search over public listings, with filters and facet counts."""
    per_page = _per_page()
    result = search_listings(
        text=request.args.get("q", ""),
        type=request.args.get("type") or None,
        industry=request.args.get("industry") or None,
        mode=request.args.get("mode") or None,
        region=request.args.get("region") or None,
        trl_min=int_arg("trl_min", None, high=9, strict=True),
        sort=sort_name(request.args.get("sort"), strict=True),
        page=int_arg("page", 1, high=MAX_TOTAL_HITS // per_page, strict=True),
        per_page=per_page,
    )
    rows = rows_of_hits(session=get_session(), hits=result.hits)
    hits = [{**hit, **hit_summary(rows[hit["id"]])} if hit["id"] in rows else hit for hit in result.hits]
    return jsonify(hits=hits, total=result.total, facets=result.facets)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
