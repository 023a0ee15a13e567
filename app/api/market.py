"""The market in the JSON API: listings (needs, achievements, services) with their images and PDFs,
recommendations and their feedback, and full-text search."""

from datetime import datetime
from typing import Any, Literal

from flask import jsonify, request, send_file
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model
from pydantic.json_schema import SkipJsonSchema

from app.api.blueprint import bp
from app.api.document import Text, documented
from app.api.helpers import KINDS, api_user, json_body, kind_name, per_page, token_required
from app.config import Settings
from app.db import get_session
from app.market.services import attachments, listings, recommendations
from app.market.services.search import (
    SORTS,
    find_listings,
    hit_summary,
    mark_languages,
    rows_of_hits,
    search_listings,
    sort_name,
)
from app.platform.errors import Invalid
from app.trading.services import open_challenges
from app.web import limits
from app.web.args import MAX_PAGE, int_arg
from app.web.input_guards import accepts_upload
from indexing.base import MAX_PER_PAGE, MAX_TOTAL_HITS
from models import KIND_NAMES, POSTED_KINDS, CloseReason, FeedbackIn

# PATCH status → the action; closing needs "close_reason", and "draft" reopens a closed listing.
STATUS_ACTIONS = {"published": "publish", "closed": "close", "draft": "reopen"}
# The statuses a new listing may start in, and whether that publishes it.
CREATE_STATUSES = {"draft": False, "published": True}
ATTACHMENT = "<int:attachment_id>"
# The page size when a request names none (the PAGE_SIZE setting's default).
PAGE_SIZE = Settings.model_fields["PAGE_SIZE"].default


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def absent(**constraints):
    """A query argument that may be left out, documented without a default (the route decides)."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


Sort = Literal[tuple(SORTS)] | SkipJsonSchema[None]


# --- shapes -----------------------------------------------------------------------------------------------------


def _per_kind(build) -> dict[str, type[BaseModel]]:
    return {kind.segment: build(kind, kind.table.__name__) for kind in POSTED_KINDS.values()}


# What each URL segment reads and answers: NeedCreateIn, NeedUpdateIn, NeedView, NeedPage...
CREATE_IN = _per_kind(
    lambda kind, name: create_model(
        f"{name}CreateIn",
        __base__=kind.create,
        status=(
            Literal[tuple(CREATE_STATUSES)],
            Field("draft", description="published publishes it at once"),
        ),
    )
)
UPDATE_IN = _per_kind(
    lambda kind, name: create_model(
        f"{name}UpdateIn",
        __base__=kind.update,
        status=(
            Literal[tuple(STATUS_ACTIONS)] | SkipJsonSchema[None],
            absent(description="publish, close, or reopen as a draft, with the field changes or not at all"),
        ),
        close_reason=(CloseReason | SkipJsonSchema[None], absent(description="required with status closed")),
        contract_id=(
            int | SkipJsonSchema[None],
            absent(description="with close_reason solved_here: the contract that solved it, if several"),
        ),
    )
)
VIEW = _per_kind(
    lambda kind, name: create_model(f"{name}View", __base__=kind.public, type=(Literal[kind.name], ...))
)
PAGE = _per_kind(
    lambda kind, name: create_model(
        f"{name}Page",
        items=(list[VIEW[kind.segment]], ...),
        total=(int, ...),
        page=(int, ...),
        pages=(int, ...),
        suggestions=(
            list[str],
            Field(
                default_factory=list,
                description="您是不是要找: as in /search, when q found fewer than 3 listings, words of the market "
                "it may have meant, best first; empty otherwise (and always without q)",
            ),
        ),
    )
)


class ListingQuery(BaseModel):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(PAGE_SIZE, ge=1, le=MAX_PER_PAGE)
    industry: Text = ""
    mode: Text = ""
    region: Text = ""
    trl_min: int | SkipJsonSchema[None] = absent(ge=1, le=9)
    q: Text = ""
    mine: Literal["0", "1"] = Field("0", description="1: the caller's own, in every status")
    sort: Sort = absent()


class ListingAttachment(BaseModel):
    id: int
    name: str
    mimetype: str
    size: int
    sha256: str
    created_at: datetime
    url: str
    thumbnail_url: str | None


class ListingAttachmentList(BaseModel):
    items: list[ListingAttachment]


class UploadForm(BaseModel):
    file: bytes = Field(description="PNG, JPEG (a thumbnail is made) or PDF")


class Reason(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    text: str


class Recommendation(BaseModel):
    target_type: str
    target_id: int
    title: str
    org_id: int
    org_name: str
    url: str
    score: float
    reasons: list[Reason]
    meta: dict[str, str] | None = Field(
        None, description='{"e5": "used" | "skipped"} when the multilingual channel is configured'
    )


def _recommendation_query(query_type: str, default: str) -> type[BaseModel]:
    return create_model(
        f"{query_type.title()}RecommendationQuery",
        kind=(Literal[recommendations.REC_KINDS[query_type]], default),
        k=(int, Field(10, ge=1, le=recommendations.MAX_K)),
    )


class Recommendations(RootModel[list[Recommendation]]):
    """Best first."""


class FeedbackRecorded(BaseModel):
    id: int
    label: str


class SearchQuery(BaseModel):
    q: Text = ""
    type: Literal[tuple(KIND_NAMES)] | SkipJsonSchema[None] = absent()
    industry: Text = ""
    mode: Text = ""
    region: Text = ""
    trl_min: int | SkipJsonSchema[None] = absent(ge=1, le=9)
    sort: Sort = absent()
    page: int = Field(
        1,
        ge=1,
        le=MAX_TOTAL_HITS // PAGE_SIZE,
        description=f"page × per_page may reach {MAX_TOTAL_HITS} (the maximum shown is the default page size's)",
    )
    per_page: int = Field(PAGE_SIZE, ge=1, le=MAX_PER_PAGE)


class SearchHit(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    type: str
    entity_id: int
    title: str
    snippet: str | None = None
    score: float | None = None
    org_id: int | None = None
    trl: int | None = None
    region: str | None = None
    deadline: str | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    price: int | None = None
    language: Literal["zh", "en"] = Field("zh", description="the language the listing is written in")
    cross_language: bool = Field(
        False, description="found across languages: the query and the listing are in different languages"
    )
    found_by: str | None = Field(None, description='"e5" when only the multilingual vectors found this hit')
    challenge: dict[str, Any] | None = Field(
        None, description="a need's open challenge (揭榜挂帅): {id, reward (yuan), deadline, url}"
    )


class SearchResult(BaseModel):
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]] = Field(description="per facet, the count of each value over all hits")
    suggestions: list[str] = Field(
        default_factory=list,
        description="您是不是要找: when the query found fewer than 3 hits, words of the market it may have meant, "
        "best first (run the search again with one as q); empty otherwise",
    )
    meta: dict[str, str] = Field(
        default_factory=dict,
        description='how the result was made: {"e5": "used" | "skipped" | "not configured"} when the '
        'multilingual vector channel is configured; a hit it alone found has "found_by": "e5"',
    )


def _public(kind: str, listing) -> dict[str, Any]:
    return listings.to_public(session=get_session(), kind=kind, listing=listing, user=api_user())


# --- listings -------------------------------------------------------------------------------------------------


@bp.get(f"/{KINDS}")
@documented(query=ListingQuery, responses={200: PAGE}, bearer="optional")
def list_listings(kinds: str):
    """Live listings with filters and pagination; `mine=1` lists the caller's own in every status."""
    kind, user = kind_name(kinds), api_user()
    page = find_listings(
        session=get_session(),
        kind=kind,
        user=user,
        page=int_arg("page", 1, high=MAX_PAGE, strict=True),
        per_page=per_page(),
        industry=request.args.get("industry") or None,
        mode=request.args.get("mode") or None,
        region=request.args.get("region") or None,
        trl_min=int_arg("trl_min", None, high=9, strict=True),
        q=request.args.get("q") or None,
        mine=request.args.get("mine") == "1",
        sort=sort_name(request.args.get("sort"), strict=True),
    )
    items = [_public(kind, item) for item in page.items]
    return jsonify(
        items=items, total=page.total, page=page.page, pages=page.pages, suggestions=page.suggestions
    )


@bp.post(f"/{KINDS}")
@documented(json=CREATE_IN, responses={201: VIEW})
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
        session=get_session(), kind=kind_name(kinds), data=data, user=api_user(), publish=publish
    )
    return jsonify(_public(kind_name(kinds), listing)), 201


@bp.get(f"/{KINDS}/<int:listing_id>")
@documented(responses={200: VIEW}, bearer="optional")
def get_listing(kinds: str, listing_id: int):
    """One listing; a confidential need's details only for those entitled."""
    listing = listings.get_listing(
        session=get_session(), kind=kind_name(kinds), listing_id=listing_id, user=api_user()
    )
    return jsonify(_public(kind_name(kinds), listing))


@bp.patch(f"/{KINDS}/<int:listing_id>")
@documented(json=UPDATE_IN, responses={200: VIEW})
@limits.writes
@token_required
def update_listing(kinds: str, listing_id: int):
    """Change some fields and, with `status`, publish, close or reopen as a draft: all of it is saved, or nothing.

    Closing needs `close_reason`; `contract_id` names the contract when solved here and there are several."""
    kind, data = kind_name(kinds), json_body()
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
    return jsonify(_public(kind, listing))


@bp.post(f"/{KINDS}/<int:listing_id>/reconfirm")
@documented(responses={200: VIEW})
@limits.writes
@token_required
def reconfirm_listing(kinds: str, listing_id: int):
    """Confirm a listing is still current, extending its expiry."""
    listing = listings.set_status(
        session=get_session(),
        kind=kind_name(kinds),
        listing_id=listing_id,
        user=api_user(),
        action="reconfirm",
    )
    return jsonify(_public(kind_name(kinds), listing))


@bp.delete(f"/{KINDS}/<int:listing_id>")
@documented(responses={204: None})
@limits.writes
@token_required
def delete_listing(kinds: str, listing_id: int):
    """Delete a listing of the caller's organization.

    Refused with 409 once an interest or a deal refers to it: close it instead."""
    listings.delete_listing(
        session=get_session(), kind=kind_name(kinds), listing_id=listing_id, user=api_user()
    )
    return "", 204


# --- a listing's images and PDFs: seen by whoever may see the listing, changed by its organization ---------------


def _attachment(segment: str, listing_id: int, row) -> dict:
    base = f"/api/v1/{segment}/{listing_id}/attachments/{row.id}"
    return {
        "id": row.id,
        "name": row.original_name,
        "mimetype": row.mimetype,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": row.created_at.isoformat(),
        "url": base,
        "thumbnail_url": f"{base}/thumbnail" if row.thumbnail_name else None,
    }


@bp.get(f"/{KINDS}/<int:listing_id>/attachments")
@documented(responses={200: ListingAttachmentList}, bearer="optional")
def list_attachments(kinds: str, listing_id: int):
    """The listing's attachments the caller may see, oldest first."""
    kind, session, user = kind_name(kinds), get_session(), api_user()
    listing = listings.get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    rows = attachments.attachments_of(session=session, kind=kind, listing=listing, user=user)
    return jsonify({"items": [_attachment(kinds, listing_id, row) for row in rows]})


@bp.post(f"/{KINDS}/<int:listing_id>/attachments")
@documented(form=UploadForm, responses={201: ListingAttachment})
@accepts_upload
@limits.writes
@token_required
def upload_attachment(kinds: str, listing_id: int):
    """Attach an image (PNG, JPEG) or a PDF, sent as multipart with a `file` field."""
    row = attachments.add_attachment(
        session=get_session(),
        kind=kind_name(kinds),
        listing_id=listing_id,
        user=api_user(),
        upload=request.files.get("file"),
    )
    return jsonify(_attachment(kinds, listing_id, row)), 201


@bp.get(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}")
@documented(
    responses={200: None}, files={200: ("application/pdf", "image/png", "image/jpeg")}, bearer="optional"
)
def download_attachment(kinds: str, listing_id: int, attachment_id: int):
    """The file itself, as a download."""
    path, name, mimetype = attachments.attachment_file(
        session=get_session(),
        kind=kind_name(kinds),
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.get(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}/thumbnail")
@documented(responses={200: None}, files={200: ("image/png", "image/jpeg")}, bearer="optional")
def attachment_thumbnail(kinds: str, listing_id: int, attachment_id: int):
    """An image's thumbnail."""
    path, mimetype = attachments.thumbnail_file(
        session=get_session(),
        kind=kind_name(kinds),
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return send_file(path, mimetype=mimetype, max_age=0)


@bp.delete(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}")
@documented(responses={204: None})
@limits.writes
@token_required
def delete_attachment(kinds: str, listing_id: int, attachment_id: int):
    """Remove an attachment from a listing of the caller's organization."""
    attachments.delete_attachment(
        session=get_session(),
        kind=kind_name(kinds),
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return "", 204


# --- recommendations and search -------------------------------------------------------------------------------


def _recommend(query_type: str, listing_id: int, default: str):
    return jsonify(
        recommendations.recommend(
            session=get_session(),
            query_type=query_type,
            query_id=listing_id,
            user=api_user(),
            rec_kind=request.args.get("kind", default),
            k=int_arg("k", 10, high=recommendations.MAX_K, strict=True),
        )
    )


@bp.get("/needs/<int:listing_id>/recommendations")
@documented(
    query=_recommendation_query("need", "commission"),
    responses={200: Recommendations},
    bearer="optional",
)
def need_recommendations(listing_id: int):
    """Whom to commission, what to license, or where to incubate, for one need."""
    return _recommend("need", listing_id, "commission")


@bp.get("/achievements/<int:listing_id>/recommendations")
@documented(
    query=_recommendation_query("achievement", "needs"),
    responses={200: Recommendations},
    bearer="optional",
)
def achievement_recommendations(listing_id: int):
    """The needs one achievement fits, or where to incubate it."""
    return _recommend("achievement", listing_id, "needs")


@bp.get("/services/<int:listing_id>/recommendations")
@documented(
    query=_recommendation_query("service", "needs"),
    responses={200: Recommendations},
    bearer="optional",
)
def service_recommendations(listing_id: int):
    """The needs one service fits."""
    return _recommend("service", listing_id, "needs")


@bp.get("/financing-requests/<int:listing_id>/recommendations")
@documented(
    query=_recommendation_query("financing", "finance_products"),
    responses={200: Recommendations},
    bearer="optional",
)
def financing_recommendations(listing_id: int):
    """The finance products one financing request is eligible for (type, amount, TRL, size class, industry),
    best fit first, with the firm's contracts and patents on the platform as evidence."""
    return _recommend("financing", listing_id, "finance_products")


@bp.get("/finance-products/<int:listing_id>/recommendations")
@documented(
    query=_recommendation_query("finance_product", "financing_requests"),
    responses={200: Recommendations},
    bearer="optional",
)
def finance_product_recommendations(listing_id: int):
    """The financing requests one finance product may serve, best fit first."""
    return _recommend("finance_product", listing_id, "financing_requests")


@bp.post("/recommendations/feedback")
@documented(json=FeedbackIn, responses={201: FeedbackRecorded, 200: FeedbackRecorded})
@limits.feedback
@token_required
def recommendation_feedback():
    """Record that the caller dismissed, showed interest in, or contracted a recommendation.

    201 when recorded; 200 when the same verdict was already recorded and nothing changed."""
    row, created = recommendations.record_feedback(session=get_session(), user=api_user(), data=json_body())
    return jsonify(id=row.id, label=row.label), 201 if created else 200


@bp.get("/search")
@documented(query=SearchQuery, responses={200: SearchResult}, errors=(503,))
def search():
    """Full-text search over public listings, with filters and facet counts."""
    size = per_page()
    result = search_listings(
        text=request.args.get("q", ""),
        type=request.args.get("type") or None,
        industry=request.args.get("industry") or None,
        mode=request.args.get("mode") or None,
        region=request.args.get("region") or None,
        trl_min=int_arg("trl_min", None, high=9, strict=True),
        sort=sort_name(request.args.get("sort"), strict=True),
        page=int_arg("page", 1, high=MAX_TOTAL_HITS // size, strict=True),
        per_page=size,
    )
    rows = rows_of_hits(session=get_session(), hits=result.hits)
    mark_languages(result.hits, rows, request.args.get("q", "").strip())
    hits = [{**hit, **hit_summary(rows[hit["id"]])} if hit["id"] in rows else hit for hit in result.hits]
    open_challenges.annotate(get_session(), hits, type_key="type", id_key="entity_id")
    return jsonify(
        hits=hits, total=result.total, facets=result.facets, suggestions=result.suggestions, meta=result.meta
    )
