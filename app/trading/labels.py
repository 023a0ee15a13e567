"""Labels of the trading codes in the reader's language (the `label` filter's tables are per domain)."""

from flask_babel import lazy_gettext as _l

TRADING_MODES = {"negotiated": _l("Negotiated price"), "listed": _l("Listed price"), "auction": _l("Auction")}
AUCTION_PHASES = {
    "scheduled": _l("Not started"),
    "running": _l("Bidding"),
    "ended": _l("Ended"),
    "sold": _l("Sold"),
    "unsold": _l("Unsold"),
}
NOTICE_STATES = {
    "none": _l("No notice"),
    "running": _l("On notice"),
    "pending": _l("Objections awaiting answers"),
    "blocked": _l("Objection upheld"),
    "cleared": _l("Notice cleared"),
}
CHALLENGE_STATUSES = {
    "open": _l("Open for proposals"),
    "selected": _l("Proposal selected"),
    "closed": _l("Closed"),
}

TABLES = {
    "trading_mode": TRADING_MODES,
    "auction_phase": AUCTION_PHASES,
    "price_notice_state": NOTICE_STATES,
    "challenge_status": CHALLENGE_STATUSES,
}
