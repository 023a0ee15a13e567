from flask import current_app, render_template, request

from app.search import bp
from app.services.search import search_listings

TYPES = ("need", "achievement", "service", "center")


def _int(name: str, default: int | None) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


@bp.route("/search")
def results():
    """Search results with facets and highlights."""
    args = {"text": request.args.get("q", "")[:200], "type": request.args.get("type") if request.args.get(
        "type") in TYPES else None, "industry": request.args.get("industry") or None,
            "mode": request.args.get("mode") or None, "region": request.args.get("region") or None,
            "trl_min": _int("trl_min", None), "page": min(_int("page", 1), 500)}
    result = search_listings(**args, per_page=current_app.config["PAGE_SIZE"])
    return render_template("search/results.html", result=result, args=args,
                           pages=max(1, -(-result.total // current_app.config["PAGE_SIZE"])))
