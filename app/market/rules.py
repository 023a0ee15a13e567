"""The rules of a listing, as pure functions: no session, no request."""

from models import ListingStatus
from models.common import utcnow


def is_live(listing, now=None) -> bool:
    """Published and not past its expiry: what the public sees."""
    now = now or utcnow()
    return listing.status == ListingStatus.published and (
        listing.expires_at is None or listing.expires_at > now
    )
