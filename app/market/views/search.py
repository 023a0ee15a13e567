"""The search results page behind the search box on every page."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from app.db import get_session
from app.market.services.search import SORTS, mark_languages, rows_of_hits, search_listings, sort_name
from app.trading.services import open_challenges
from app.web.args import int_arg
from app.web.templating import prefetch_orgs
from indexing.base import MAX_TOTAL_HITS
from models import KIND_NAMES

bp = Blueprint("search", __name__)


@bp.route("/search")
def results():
    """Search results with facets and highlights."""
    per_page = current_app.config["PAGE_SIZE"]
    sort = sort_name(request.args.get("sort"), strict=False)
    kind = request.args.get("type")
    args = {
        "text": request.args.get("q", "")[:200],
        "type": kind if kind in KIND_NAMES else None,
        "industry": request.args.get("industry") or None,
        "mode": request.args.get("mode") or None,
        "region": request.args.get("region") or None,
        "trl_min": int_arg("trl_min", None, high=9, strict=False),
        "page": int_arg("page", 1, high=max(1, MAX_TOTAL_HITS // per_page), strict=False),
    }
    result = search_listings(**args, sort=sort, per_page=per_page)
    pages = max(1, -(-min(result.total, MAX_TOTAL_HITS) // per_page))
    if args["page"] > pages:
        return redirect(url_for("search.results", **{**request.args.to_dict(), "page": pages}))
    rows = rows_of_hits(session=get_session(), hits=result.hits)
    mark_languages(result.hits, rows, args["text"])
    open_challenges.annotate(get_session(), result.hits, type_key="type", id_key="entity_id")
    prefetch_orgs(row.org_id for row in rows.values())
    return render_template(
        "market/search/results.html",
        result=result,
        args=args,
        pages=pages,
        rows=rows,
        sort=sort or ("relevance" if args["text"] else "newest"),
        sorts=list(SORTS),
    )
