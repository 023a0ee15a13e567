"""Search across listings: the one search box, the results page and the search API."""

from flask_babel import gettext as _

from app.services.errors import Invalid, ServiceError
from app.services.indexes import search_backend
from indexing import SearchBackendError, SearchQuery, SearchResult
from models.common import utcnow


class SearchUnavailable(ServiceError):
    status = 503
    code = "search_unavailable"


def search_listings(*, text: str = "", type: str | None = None, industry: str | None = None,
                    mode: str | None = None, region: str | None = None, trl_min: int | None = None,
                    page: int = 1, per_page: int = 20) -> SearchResult:
    """Listings matching the words and filters; the indexes hold only public listings and their public text."""
    try:
        query = SearchQuery(text=text, type=type or None, page=page, per_page=per_page,
                            live_at=utcnow().timestamp(), filters={"industry": industry, "cooperation_modes": mode, "region": region,
                                     "trl_min": trl_min})
    except ValueError:
        raise Invalid(_("Some search parameters are not valid.")) from None
    try:
        return search_backend().search(query)
    except SearchBackendError:
        raise SearchUnavailable(_("Search is temporarily unavailable. Please try again shortly.")) from None
