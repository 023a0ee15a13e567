"""Search across listings: the one search box, the list pages' keyword filter, the results page and the API."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.market.services import dense_search, suggestions
from app.market.services.index_documents import rows_by_id
from app.market.services.indexes import search_backend
from app.market.services.listings import Page, browse
from app.platform.errors import Invalid, ServiceError
from app.platform.taxonomy import bilingual
from indexing import SearchBackendError, SearchQuery, SearchResult
from matching.language import detect_language
from models import User
from models.common import utcnow

# The sort orders users choose (?sort=), with the search backend's name of each.
SORTS = {
    "relevance": "relevance",
    "newest": "updated_at",
    "deadline": "deadline",
    "price": "money",
    "trl": "trl",
}
SORT_LABELS = {
    "relevance": _l("Best match"),
    "newest": _l("Newest"),
    "deadline": _l("Deadline soonest"),
    "price": _l("Budget or price, high to low"),
    "trl": _l("TRL, high to low"),
}


class SearchUnavailable(ServiceError):
    status = 503
    code = "search_unavailable"


def sort_name(value: str | None, *, strict: bool) -> str | None:
    """A ?sort= value checked against SORTS: the API refuses an unknown one, pages ignore it."""
    if not value:
        return None
    if value not in SORTS:
        if strict:
            raise Invalid(
                _("Some search parameters are not valid."), {"sort": _("Not one of the allowed values.")}
            )
        return None
    return value


def search_listings(
    *,
    text: str = "",
    type: str | None = None,
    industry: str | None = None,
    mode: str | None = None,
    region: str | None = None,
    trl_min: int | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Listings matching the words and filters; the indexes hold only public listings and their public text."""
    try:
        query = SearchQuery(
            text=text,
            type=type or None,
            page=page,
            per_page=per_page,
            sort=SORTS[sort] if sort else None,
            live_at=utcnow().timestamp(),
            filters={"industry": industry, "cooperation_modes": mode, "region": region, "trl_min": trl_min},
        )
    except (ValueError, KeyError):
        raise Invalid(_("Some search parameters are not valid.")) from None
    try:
        if current_app.config.get("E5_URL") and dense_search.applies(query):
            # Words that share nothing with a listing (another language) still find it through its vector.
            result = dense_search.search(query, search_backend())
        else:
            result = search_backend().search(query)
    except SearchBackendError:
        raise SearchUnavailable(_("Search is temporarily unavailable. Please try again shortly.")) from None
    result.suggestions = suggestions.suggest(query.text, result.total)
    return result


def mark_languages(hits: list[dict], rows: dict[str, object], text: str) -> list[dict]:
    """Give each hit its listing's `language` and `cross_language`: True when the hit is written in the other
    language than the query and the query named a word the taxonomy knows in both (battery → 电池), so the
    page can say the hit was found across languages. A hit may already carry the flag (the dense channel's
    nearest vectors set it themselves); it is kept."""
    query_language = detect_language(text)
    crosses = bool(text) and bilingual().crosses(text)
    for hit in hits:
        row = rows.get(hit["id"])
        language = getattr(row, "language", None) or detect_language(hit.get("title", ""))
        hit["language"] = language
        found_by_vector = hit.get("found_by") == "e5"
        hit["cross_language"] = bool(hit.get("cross_language")) or (
            (crosses or found_by_vector) and language != query_language
        )
    return hits


def rows_of_hits(*, session: Session, hits: list[dict]) -> dict[str, object]:
    """The database row behind each hit, by hit id, for cards that show more than the index holds.

    A hit whose row is gone (deleted since it was indexed) has no entry.
    """
    wanted: dict[str, list[int]] = {}
    for hit in hits:
        wanted.setdefault(hit["type"], []).append(hit["entity_id"])
    return {
        f"{kind}-{row.id}": row
        for kind, entity_ids in wanted.items()
        for row in rows_by_id(session, kind, entity_ids)
    }


def hit_summary(row) -> dict:
    """What an API hit adds from its row: who offers it, money, maturity, deadline and place."""
    return {
        "org_id": row.org_id,
        "trl": getattr(row, "trl", None),
        "region": getattr(row, "region", None),
        "deadline": row.deadline.isoformat() if getattr(row, "deadline", None) else None,
        "budget_min": getattr(row, "budget_min", None),
        "budget_max": getattr(row, "budget_max", None),
        "price": getattr(row, "price", None),
    }


def find_listings(
    *,
    session: Session,
    kind: str,
    user: User | None,
    q: str | None = None,
    mine: bool = False,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
    **filters,
) -> Page:
    """A list page: with keywords, the search backend's hits (the same as site search, with highlights)
    as listing rows; without, the database's live listings in the chosen order. A keyword list that found
    little carries the search's did-you-mean words either way (`Page.suggestions`)."""
    # Filters only the database knows (category, price ceiling, a set of ids) keep keyword lists on the database.
    database_only = any(filters.get(name) is not None for name in ("category", "price_max", "ids"))
    if not q or mine or database_only:
        found = browse(
            session=session,
            kind=kind,
            user=user,
            q=q,
            mine=mine,
            sort=sort,
            page=page,
            per_page=per_page,
            **filters,
        )
        if q and not mine:
            # The same 您是不是要找 as the search's, when the database's keyword match found little.
            found.suggestions = suggestions.suggest(q, found.total)
        return found
    filters = {name: value for name, value in filters.items() if name not in ("category", "price_max", "ids")}
    result = search_listings(text=q, type=kind, sort=sort, page=page, per_page=per_page, **filters)
    rows = rows_of_hits(session=session, hits=result.hits)
    mark_languages(result.hits, rows, q)
    items = [rows[hit["id"]] for hit in result.hits if hit["id"] in rows]
    return Page(
        items,
        result.total,
        page,
        per_page,
        hits={hit["entity_id"]: hit for hit in result.hits},
        suggestions=result.suggestions,
    )
