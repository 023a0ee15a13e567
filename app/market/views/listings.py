"""Needs, achievements and services in the browser: browse, read, post, edit, and change status."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import Session

from app.db import get_session
from app.instruments.views import pages as instrument_pages
from app.market import rules
from app.market.forms import FORMS, choices
from app.market.services import attachments, need_access, recommendations
from app.market.services import listings as service
from app.market.services.search import find_listings, sort_name
from app.platform import permissions
from app.platform.errors import Conflict, Invalid
from app.platform.regions import region_choices, region_code
from app.platform.taxonomy import industry_choices
from app.web import labels, limits
from app.web.args import MAX_PAGE, int_arg
from app.web.identity import current_user_or_none
from app.web.input_guards import accepts_upload
from app.web.templating import card_thumbnail_url, prefetch_cards
from models import POSTED_KINDS, Center, User

bp = Blueprint("listings", __name__)


SEGMENTS = {name: kind.segment for name, kind in POSTED_KINDS.items()}
# A detail page shows a few recommendations of each kind; "more" (?recs=all) shows up to the larger number.
RECOMMENDATIONS_SHOWN = 3
RECOMMENDATIONS_MORE = 10
KIND_OF_SEGMENT = {segment: kind for kind, segment in SEGMENTS.items()}
# Quoted: a segment may hold a hyphen (financing-requests), which the converter reads only inside quotes.
SEGMENT = f"<any({', '.join(repr(s) for s in SEGMENTS.values())}):segment>"
ACTIONS = "<any(publish, reconfirm, close, reopen, delete):action>"


@bp.app_context_processor
def inject_segments() -> dict:
    return {"SEGMENTS": SEGMENTS, "card_thumbnail_url": card_thumbnail_url}


def center_choices(session: Session, user: User | None) -> list[tuple[str, str]]:
    """Centers the user's organization runs or belongs to: the ones it may attach a listing to."""
    centers = service.attachable_centers(session=session, user=user)
    return [(str(center.id), center.name) for center in centers]


def _make_form(kind: str, session: Session, user: User | None, *, editing: bool = False, data=None):
    form = FORMS[kind](industries=industry_choices(), regions=region_choices(), data=data)
    if "center_id" in form:
        if editing:
            del form.center_id  # the service does not change a listing's center after it is posted
        else:
            form.center_id.choices = choices([("", _("None")), *center_choices(session, user)])
    return form


@bp.route(f"/{SEGMENT}")
def browse(segment: str):
    """Browse live listings of one kind, with filters and pagination."""
    kind = KIND_OF_SEGMENT[segment]
    region = (request.args.get("region") or "").strip()
    filters = {
        "industry": request.args.get("industry") or None,
        "mode": request.args.get("mode") or None,
        # An older link may name the region instead of giving its code.
        "region": (region_code(region) or region) or None,
        "trl_min": int_arg("trl_min", None, high=9, strict=False),
        "q": (request.args.get("q") or "").strip()[:100] or None,
    }
    if kind in ("service", "instrument"):
        filters["category"] = (request.args.get("category") or "").strip()[:40] or None
    if kind == "instrument":
        filters.update(instrument_pages.list_filters(get_session()))
    sort = sort_name(request.args.get("sort"), strict=False)
    page = find_listings(
        session=get_session(),
        kind=kind,
        user=current_user_or_none(),
        sort=sort,
        page=int_arg("page", 1, high=MAX_PAGE, strict=False),
        per_page=current_app.config["PAGE_SIZE"],
        **{name: value for name, value in filters.items() if name != "free"},
    )
    if page.page > page.pages:
        return redirect(
            url_for("listings.browse", **{**request.args.to_dict(), "segment": segment, "page": page.pages})
        )
    sorts = (["relevance"] if filters["q"] else []) + list(service.sorts_of(kind))
    prefetch_cards({kind: page.items})
    return render_template(
        "market/listings/browse.html",
        kind=kind,
        segment=segment,
        page=page,
        filters=filters,
        sort=sort or sorts[0],
        sorts=sorts,
    )


@bp.route(f"/{SEGMENT}/<int:listing_id>")
def detail(segment: str, listing_id: int):
    """One listing; a confidential need's details only for those entitled to them."""
    kind, session, user = KIND_OF_SEGMENT[segment], get_session(), current_user_or_none()
    listing = service.get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    details_visible = kind != "need" or need_access.reveal_details(session, user, listing)
    center = session.get(Center, listing.center_id) if getattr(listing, "center_id", None) else None
    all_recs = request.args.get("recs") == "all"
    shown = RECOMMENDATIONS_MORE if all_recs else RECOMMENDATIONS_SHOWN
    panel = (
        recommendations.recommendation_panels(
            session=session, query_type=kind, query_id=listing_id, user=user, k=shown
        )
        or None
    )
    files = attachments.attachments_of(session=session, kind=kind, listing=listing, user=user)
    is_owner = permissions.owns(user, listing)
    manages_grants = kind == "need" and is_owner and listing.confidential
    # Granted by the owner but the NDA not yet accepted: the page says where to accept it.
    awaiting_nda = (
        kind == "need"
        and not details_visible
        and permissions.is_member(user)
        and need_access.grant_of(session, listing_id, user.org_id) is not None
    )
    close_contracts = (
        service.solving_contracts(session=session, kind=kind, listing_id=listing_id)
        if is_owner and listing.status != "closed"
        else []
    )
    return render_template(
        f"market/listings/{kind}_detail.html",
        kind=kind,
        segment=segment,
        listing=listing,
        solved_contract=service.solved_contract(session=session, user=user, listing=listing),
        close_contracts=close_contracts,
        has_deals=is_owner and service.has_deals(session=session, kind=kind, listing_id=listing_id),
        attachments=files,
        attachment_types=",".join(attachments.LISTING_TYPES),
        details_visible=details_visible,
        is_owner=is_owner,
        awaiting_nda=awaiting_nda,
        grants=need_access.grant_rows(session=session, user=user, need_id=listing_id)
        if manages_grants
        else None,
        grant_partners=need_access.conversation_partners(session=session, user=user, need_id=listing_id)
        if manages_grants
        else [],
        is_live=rules.is_live(listing),
        center=center,
        recommendations=panel,
        more_recommendations=not all_recs and any(len(items) >= shown for items in (panel or {}).values()),
        rec_target_labels=labels.LISTING_KINDS,
        **(instrument_pages.detail_context(session, user, listing) if kind == "instrument" else {}),
        figures_visible=kind == "financing" and permissions.may_see_financing_figures(session, user, listing),
    )


@bp.route("/recommendations/feedback", methods=["POST"])
@limits.feedback
@login_required
def recommendation_feedback():
    """Record the user's verdict on one recommendation and go back to the listing."""
    row, _created = recommendations.record_feedback(
        session=get_session(), user=current_user_or_none(), data=request.form.to_dict()
    )
    flash(_("Thanks, recommendations will take this into account."), "success")
    # The validated row, not the raw form: "1.0" or junk in the form must not reach int() here.
    return redirect(
        url_for("listings.detail", segment=SEGMENTS[row.query_type], listing_id=row.query_id)
        + "#recommendations"
    )


@bp.route(f"/{SEGMENT}/new", methods=["GET", "POST"])
@limits.writes
@login_required
def new(segment: str):
    """Post a listing, as a draft or published at once."""
    kind, session, user = KIND_OF_SEGMENT[segment], get_session(), current_user_or_none()
    service.require_poster(user, service.kind_of(kind), session=session)
    form = _make_form(kind, session, user)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        publish = bool(form.publish.data)
        try:
            listing = service.create_listing(
                session=session, kind=kind, data=form.to_data(), user=user, publish=publish
            )
        except Invalid as exc:
            errors = form.explain(exc.fields) or {"__all__": exc.message}
        else:
            flash(
                _("Published.") if publish else _("Saved as a draft. Publish it when it is ready."), "success"
            )
            return redirect(url_for("listings.detail", segment=segment, listing_id=listing.id))
    return render_template(
        "market/listings/form.html", kind=kind, segment=segment, form=form, errors=errors, listing=None
    ), (422 if errors else 200)


@bp.route(f"/{SEGMENT}/<int:listing_id>/edit", methods=["GET", "POST"])
@limits.writes
@login_required
def edit(segment: str, listing_id: int):
    """Edit a listing of the user's organization."""
    kind, session, user = KIND_OF_SEGMENT[segment], get_session(), current_user_or_none()
    listing = service.get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    service.require_owner(user, listing)
    data = None if request.method == "POST" else FORMS[kind].initial(listing)
    form = _make_form(kind, session, user, editing=True, data=data)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            service.update_listing(
                session=session, kind=kind, listing_id=listing_id, data=form.to_data(), user=user
            )
        except Invalid as exc:
            errors = form.explain(exc.fields) or {"__all__": exc.message}
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id))
    return render_template(
        "market/listings/form.html", kind=kind, segment=segment, form=form, errors=errors, listing=listing
    ), (422 if errors else 200)


ACTION_MESSAGES = {
    "publish": lambda: _("Published."),
    "reconfirm": lambda: _(
        "Reconfirmed: the listing stays visible for another %(days)s days.",
        days=current_app.config["LISTING_TTL_DAYS"],
    ),
    "close": lambda: _("Closed. It is no longer shown to others."),
    "reopen": lambda: _("Reopened as a draft. Check it, then publish it."),
    "delete": lambda: _("Deleted."),
}


@bp.route(f"/{SEGMENT}/<int:listing_id>/{ACTIONS}", methods=["POST"])
@limits.writes
@login_required
def change_status(segment: str, listing_id: int, action: str):
    """Publish, reconfirm, close (with a reason), reopen or delete a listing of the user's organization."""
    kind, session, user = KIND_OF_SEGMENT[segment], get_session(), current_user_or_none()
    if action == "delete":
        try:
            service.delete_listing(session=session, kind=kind, listing_id=listing_id, user=user)
        except Conflict as exc:
            flash(exc.message, "error")
            return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id))
        flash(ACTION_MESSAGES[action](), "success")
        return redirect(url_for("listings.mine", kind=kind))
    try:
        service.set_status(
            session=session,
            kind=kind,
            listing_id=listing_id,
            user=user,
            action=action,
            reason=request.form.get("close_reason"),
            contract_id=request.form.get("contract_id"),
        )
    except Invalid as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
        return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id) + "#close")
    flash(ACTION_MESSAGES[action](), "success")
    return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id))


@bp.route("/my")
@login_required
def mine():
    """The user's organization's own listings, in every status."""
    session, user = get_session(), current_user_or_none()
    kind = request.args.get("kind")
    if kind not in SEGMENTS:
        kind = "need" if user.role == "enterprise" else "achievement"
    page = service.browse(
        session=session,
        kind=kind,
        user=user,
        mine=True,
        page=int_arg("page", 1, high=MAX_PAGE, strict=False),
        per_page=current_app.config["PAGE_SIZE"],
    )
    totals = {
        other: (
            page.total
            if other == kind
            else service.browse(session=session, kind=other, user=user, mine=True, per_page=1).total
        )
        for other in SEGMENTS
    }
    matched = (
        recommendations.matched_needs_for_organization(session=session, user=user)
        if user.role != "enterprise"
        else None
    )
    return render_template(
        "market/listings/mine.html",
        kind=kind,
        segment=SEGMENTS[kind],
        page=page,
        totals=totals,
        matched_needs=matched,
    )


@bp.route(f"/{SEGMENT}/<int:listing_id>/attachments", methods=["POST"])
@accepts_upload
@limits.writes
@login_required
def upload_attachment(segment: str, listing_id: int):
    """Attach an image or a PDF to a listing of the user's organization."""
    kind = KIND_OF_SEGMENT[segment]
    try:
        attachments.add_attachment(
            session=get_session(),
            kind=kind,
            listing_id=listing_id,
            user=current_user_or_none(),
            upload=request.files.get("file"),
        )
    except (Invalid, Conflict) as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
    else:
        flash(_("File attached."), "success")
    return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id) + "#attachments")


@bp.route(f"/{SEGMENT}/<int:listing_id>/attachments/<int:attachment_id>")
def attachment(segment: str, listing_id: int, attachment_id: int):
    """An attachment: images shown in the page, PDFs downloaded; a confidential need's only to those entitled."""
    path, name, mimetype = attachments.attachment_file(
        session=get_session(),
        kind=KIND_OF_SEGMENT[segment],
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=current_user_or_none(),
    )
    return send_file(
        path,
        mimetype=mimetype,
        as_attachment=not mimetype.startswith("image/"),
        download_name=name,
        max_age=0,
    )


@bp.route(f"/{SEGMENT}/<int:listing_id>/attachments/<int:attachment_id>/thumbnail")
def thumbnail(segment: str, listing_id: int, attachment_id: int):
    """An image attachment's thumbnail, under the same rule as the image."""
    path, mimetype = attachments.thumbnail_file(
        session=get_session(),
        kind=KIND_OF_SEGMENT[segment],
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=current_user_or_none(),
    )
    return send_file(path, mimetype=mimetype, max_age=0)


@bp.route(f"/{SEGMENT}/<int:listing_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@limits.writes
@login_required
def delete_attachment(segment: str, listing_id: int, attachment_id: int):
    """Remove an attachment from a listing of the user's organization."""
    attachments.delete_attachment(
        session=get_session(),
        kind=KIND_OF_SEGMENT[segment],
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=current_user_or_none(),
    )
    flash(_("File removed."), "success")
    return redirect(url_for("listings.detail", segment=segment, listing_id=listing_id) + "#attachments")
