from flask import current_app, render_template, request

from app.args import int_arg
from app.search import bp
from app.services.search import search_listings
from indexing.base import MAX_TOTAL_HITS
from models import KIND_NAMES


@bp.route("/search")
def results():
    """Search results with facets and highlights."""
    per_page = current_app.config["PAGE_SIZE"]
    kind = request.args.get("type")
    args = {"text": request.args.get("q", "")[:200], "type": kind if kind in KIND_NAMES else None,
            "industry": request.args.get("industry") or None, "mode": request.args.get("mode") or None,
            "region": request.args.get("region") or None,
            "trl_min": int_arg("trl_min", None, high=9, strict=False),
            "page": int_arg("page", 1, high=max(1, MAX_TOTAL_HITS // per_page), strict=False)}
    result = search_listings(**args, per_page=per_page)
    return render_template("search/results.html", result=result, args=args,
                           pages=max(1, -(-result.total // per_page)))
